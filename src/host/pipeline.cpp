// The request path: routing, interceptors, the executor, response and stream interception,
// lifecycle events and usage (host behaviour 4.1, 4.5, 5, 6).
#include <cpa/host/pipeline.hpp>
#include <cpa/host/services.hpp>

#include "host_state.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <stop_token>

namespace cpa::host {

namespace {

/// A random version-4 UUID: the request ID shared by every hook of one execution.
std::string new_request_id() {
    static thread_local std::mt19937_64 random{
        std::random_device{}() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
    const std::uint64_t a = random();
    const std::uint64_t b = random();
    char out[37];
    std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0x0FFF),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3FFF)),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
    return out;
}

/// The upstream header filter: drops what must not be passed on to the client (hop-by-hop
/// headers and those `Connection` names, cookies, encodings, CPA-reserved and AI-gateway ones).
cpa::headers filter_upstream_headers(const cpa::headers& in) {
    static constexpr std::string_view dropped[] = {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "set-cookie",
        "content-length",
        "content-encoding",
        "access-control-allow-credentials",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-allow-origin",
        "access-control-expose-headers",
        "access-control-max-age",
        "x-cpa-trace-id",
    };
    static constexpr std::string_view prefixes[] = {"x-litellm-", "helicone-", "x-portkey-",
                                                    "cf-aig-",    "x-kong-",   "x-bt-"};
    std::vector<std::string> named_by_connection;
    for (const auto& [k, v] : in) {
        if (lower(k) == "connection") {
            for (const auto& value : v) {
                std::string_view rest(value);
                while (!rest.empty()) {
                    const auto comma = rest.find(',');
                    named_by_connection.push_back(lower(trimmed(rest.substr(0, comma))));
                    rest = comma == std::string_view::npos ? std::string_view()
                                                           : rest.substr(comma + 1);
                }
            }
        }
    }
    cpa::headers out;
    for (const auto& [k, v] : in) {
        const std::string key = lower(k);
        const bool drop =
            std::find(std::begin(dropped), std::end(dropped), key) != std::end(dropped) ||
            std::any_of(std::begin(prefixes), std::end(prefixes),
                        [&](std::string_view p) { return key.starts_with(p); }) ||
            std::find(named_by_connection.begin(), named_by_connection.end(), key) !=
                named_by_connection.end();
        if (!drop) {
            out[k] = v;
        }
    }
    return out;
}

/// The headers of a direct response (an interceptor's termination): filtered, with a JSON
/// content type unless one is given.
cpa::headers filter_direct_headers(const cpa::headers& in) {
    cpa::headers out = filter_upstream_headers(in);
    const bool has_type = std::any_of(
        out.begin(), out.end(), [](const auto& h) { return lower(h.first) == "content-type"; });
    if (!has_type) {
        out["Content-Type"] = {"application/json"};
    }
    return out;
}

/// Merges `changes` into `into` name by name (each present name replaces that header's values).
void merge_present(cpa::headers& into, const cpa::headers& changes) {
    for (const auto& [k, v] : changes) {
        for (auto it = into.begin(); it != into.end();) {
            it = lower(it->first) == lower(k) ? into.erase(it) : std::next(it);
        }
        into[k] = v;
    }
}

/// The formats of executor `r` for the client's request (host behaviour 6.1).
executor_formats formats_for(plugin_host& host, const plugin_record& r, const client_request& c) {
    const auto snap = host.current();
    format_request q;
    q.source_format = c.entry_protocol;
    q.response_format = c.exit_protocol;
    q.response_translator_active =
        std::any_of(snap->records.begin(), snap->records.end(), [](const plugin_record& p) {
            return p.capabilities.response_translator && p.usable();
        });
    return select_executor_formats(r, q);
}

/// The format the client wants its answer in.
std::string requested_output(const client_request& c) {
    auto f = normalize_format(c.exit_protocol.empty() ? c.entry_protocol : c.exit_protocol);
    return f.empty() ? std::string("openai") : f;
}

/// One execution: the state every step adds to.
struct execution {
    const client_request& client;
    std::string_view skip_id;
    pipeline_trace* trace;
    std::string request_id = new_request_id();
    timestamp started_at = timestamp::now();
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::string model{};            // the execution model
    std::string plugin_executor{};  // set on executor routes
    std::string executor_output{};  // the plugin executor's selected output format
    std::shared_ptr<provider> by{}; // set on provider routes
    cpa::headers headers{};
    bytes body{};
    bytes original_request{};
    json_object metadata{};

    void step(std::string text) const {
        if (trace != nullptr) {
            trace->steps.push_back(std::move(text));
        }
    }
};

request_intercept_request intercept_request_for(const execution& x, std::string to_format) {
    request_intercept_request r;
    r.request_id = x.request_id;
    r.trace_id = x.client.trace_id;
    r.source_format = x.client.entry_protocol;
    r.to_format = std::move(to_format);
    r.model = x.model;
    r.requested_model = x.client.model;
    r.stream = x.client.stream;
    r.headers = x.headers;
    r.body = x.body;
    r.metadata = x.metadata;
    return r;
}

std::int64_t direct_status(std::int64_t status) {
    return status < 200 || status > 599 ? 403 : status;
}

} // namespace

void pipeline::add_provider(std::shared_ptr<provider> p) {
    providers_.push_back(std::move(p));
    std::vector<std::string> names;
    for (const auto& q : providers_) {
        names.push_back(q->name());
    }
    host_.set_available_providers(std::move(names));
}

namespace {

/// Routing and the before/after interceptors shared by both request kinds. Returns a final
/// response when the request ends here (unknown model, termination), else nullopt.
std::optional<client_response>
prepare(plugin_host& host, const std::vector<std::shared_ptr<provider>>& providers, execution& x) {
    x.model = x.client.model;
    x.headers = x.client.headers;
    x.body = x.client.body;
    x.original_request = x.client.body;
    x.metadata = x.client.metadata;
    x.metadata["requested_model"] = x.client.model;

    // 1. Model routers, before anything else.
    std::optional<model_route_response> decision;
    if (host.has_model_routers(x.skip_id)) {
        model_route_request route;
        route.source_format = x.client.entry_protocol;
        route.requested_model = x.client.model;
        route.stream = x.client.stream;
        route.headers = x.client.headers;
        route.query = x.client.query;
        route.body = x.client.body;
        route.metadata = x.metadata;
        auto routed = host.route_model(route, x.skip_id);
        for (const auto& s : routed.trail) {
            x.step("model.route " + s.plugin_id + ": " + s.outcome);
        }
        decision = routed.decision;
        if (x.trace != nullptr) {
            x.trace->route = std::move(routed);
        }
    }
    std::string provider_name;
    if (decision && (decision->target_kind == route_target_kind::self ||
                     decision->target_kind == route_target_kind::executor)) {
        x.plugin_executor = decision->target; // the model stays as the client sent it
    } else if (decision) {
        provider_name = decision->target;
        if (!decision->target_model.empty()) {
            x.model = decision->target_model;
        }
    }
    if (x.plugin_executor.empty()) {
        for (const auto& p : providers) {
            const auto models = p->models();
            const bool named = !provider_name.empty() && p->name() == provider_name;
            const bool serves = provider_name.empty() &&
                                std::find(models.begin(), models.end(), x.model) != models.end();
            if (named || serves) {
                x.by = p;
                break;
            }
        }
        if (!x.by) {
            // Fails before the lifecycle tracker exists: no completion event.
            return client_response{
                400,
                {{"Content-Type", {"application/json"}}},
                bytes(R"({"error":{"message":"unknown model )" + x.model + R"("}})"),
                "unknown model " + x.model};
        }
    }
    if (x.trace != nullptr) {
        x.trace->served_by =
            x.plugin_executor.empty() ? "provider " + x.by->name() : "plugin " + x.plugin_executor;
    }
    return std::nullopt;
}

void complete(plugin_host& host, const execution& x, request_outcome outcome, std::int64_t status,
              std::string error) {
    request_completion c;
    c.request_id = x.request_id;
    c.trace_id = x.client.trace_id;
    c.source_format = x.client.entry_protocol;
    c.model = x.model;
    c.requested_model = x.client.model;
    c.stream = x.client.stream;
    c.outcome = outcome;
    c.status_code = status;
    c.error = std::move(error);
    c.started_at = x.started_at;
    c.completed_at = timestamp::now();
    c.metadata = x.metadata;
    host.complete_request(c, x.skip_id);
    x.step(std::string("request.complete: ") + std::string(to_string(outcome)) + " " +
           std::to_string(status));
}

/// The interceptor steps around auth. Returns a final response on termination.
std::optional<client_response> intercept(plugin_host& host, execution& x) {
    if (host.has_request_interceptors(x.skip_id)) {
        auto before = host.intercept_request_before(intercept_request_for(x, ""), x.skip_id);
        x.step("request.intercept_before");
        if (before.terminated) {
            const auto status = direct_status(before.status_code);
            x.step("terminated by " + before.terminated_by + " with " + std::to_string(status));
            complete(host, x, request_outcome::rejected, status, {});
            return client_response{status, filter_direct_headers(before.response_headers),
                                   before.response_body, "terminated by " + before.terminated_by};
        }
        x.headers = std::move(before.headers); // the final set replaces the request's headers
        if (!before.body.empty()) {
            x.body = before.body;
            x.original_request = std::move(before.body);
        }
        std::string to_format = x.client.entry_protocol;
        if (!x.plugin_executor.empty()) {
            const auto snap = host.current();
            if (const plugin_record* r = host.find(*snap, x.plugin_executor)) {
                try {
                    to_format = formats_for(host, *r, x.client).input;
                } catch (const call_error&) { // the executor reports it when called
                }
            }
        }
        auto after = host.intercept_request_after(intercept_request_for(x, to_format), x.skip_id);
        x.step("request.intercept_after");
        if (after.terminated) {
            const auto status = direct_status(after.status_code);
            x.step("terminated by " + after.terminated_by + " with " + std::to_string(status));
            complete(host, x, request_outcome::rejected, status, {});
            return client_response{status, filter_direct_headers(after.response_headers),
                                   after.response_body, "terminated by " + after.terminated_by};
        }
        merge_present(x.headers, after.headers);
        if (!after.body.empty()) {
            x.body = after.body;
            x.original_request = std::move(after.body);
        }
    }
    return std::nullopt;
}

executor_request executor_request_for(plugin_host& host, execution& x) {
    executor_request r;
    r.model = x.model;
    r.stream = x.client.stream;
    r.headers = x.headers;
    r.query = x.client.query;
    r.original_request = x.original_request;
    r.payload = x.body;
    r.metadata = x.metadata;
    r.source_format = x.client.entry_protocol;
    r.format = x.client.exit_protocol.empty() ? x.client.entry_protocol : x.client.exit_protocol;
    if (!x.plugin_executor.empty()) {
        const auto snap = host.current();
        if (const plugin_record* rec = host.find(*snap, x.plugin_executor)) {
            // The plugin gets Format = the selected output, SourceFormat = the selected input.
            const auto formats = formats_for(host, *rec, x.client);
            r.source_format = formats.input;
            r.format = formats.output;
            x.executor_output = formats.output;
        }
    }
    return r;
}

/// The plugin executor's answer in the client's format: passed through when the formats agree,
/// else translated by the response translator plugins (this host has no native translators).
bytes to_client_format(plugin_host& host, const execution& x, bytes body, bool stream) {
    const std::string want = requested_output(x.client);
    if (x.executor_output.empty() || x.executor_output == want) {
        return body;
    }
    response_transform_request t;
    t.from_format = x.executor_output;
    t.to_format = want;
    t.model = x.model;
    t.stream = stream;
    t.original_request = x.original_request;
    t.translated_request = x.body;
    t.body = std::move(body);
    return translators(host).transform_response(std::move(t));
}

void publish_usage(plugin_host& host, const execution& x, bool failed, std::int64_t status) {
    if (!x.skip_id.empty()) {
        return; // nested executions are internal: no usage record
    }
    usage_record u;
    u.provider = x.plugin_executor.empty() ? x.by->name() : x.plugin_executor;
    u.model = x.model;
    u.generate = true;
    u.requested_at = x.started_at;
    u.latency = std::chrono::duration_cast<duration>(std::chrono::steady_clock::now() - x.started);
    u.failed = failed;
    u.failure.status_code = failed ? status : 0;
    host.publish_usage(u);
}

client_response failure(plugin_host& host, const execution& x, const call_error& e) {
    const std::int64_t status = e.http_status() > 0 ? e.http_status() : 500;
    x.step(std::string("failed: ") + e.what());
    complete(host, x, request_outcome::failed, status, e.what());
    publish_usage(host, x, true, status);
    return {status,
            {{"Content-Type", {"application/json"}}},
            bytes(boost::json::serialize(
                boost::json::object{{"error", boost::json::object{{"message", e.what()}}}})),
            e.what()};
}

} // namespace

client_response pipeline::execute(const client_request& request, pipeline_trace* trace,
                                  std::string_view skip_id) {
    execution x{request, skip_id, trace};
    if (auto early = prepare(host_, providers_, x)) {
        return *early;
    }
    if (auto early = intercept(host_, x)) {
        return *early;
    }
    executor_response answer;
    try {
        executor_request er = executor_request_for(host_, x);
        if (!x.plugin_executor.empty()) {
            answer = host_.execute(x.plugin_executor, std::move(er), x.request_id);
            answer.payload = to_client_format(host_, x, std::move(answer.payload), false);
            x.step("executor.execute on plugin " + x.plugin_executor);
        } else {
            answer = x.by->execute(er);
            x.step("provider " + x.by->name() + " answered");
        }
    } catch (const call_error& e) {
        return failure(host_, x, e);
    }
    client_response out{200, answer.headers, answer.payload, {}};
    const auto snap = host_.current();
    const bool any_response_interceptor =
        std::any_of(snap->records.begin(), snap->records.end(), [&](const plugin_record& r) {
            return r.capabilities.response_interceptor && r.usable() && r.id != skip_id;
        });
    if (any_response_interceptor) {
        response_intercept_request rr;
        rr.request_id = x.request_id;
        rr.source_format =
            request.exit_protocol.empty() ? request.entry_protocol : request.exit_protocol;
        rr.model = x.model;
        rr.requested_model = request.model;
        rr.request_headers = x.headers;
        rr.response_headers = answer.headers;
        rr.original_request = x.original_request;
        rr.request_body = x.body;
        rr.body = answer.payload;
        rr.status_code = 200;
        rr.metadata = x.metadata;
        auto changed = host_.intercept_response(rr, skip_id);
        x.step("response.intercept_after");
        // Headers always pass through in this host: the client gets the filtered final set.
        out.headers = filter_upstream_headers(changed.headers);
        if (!changed.body.empty()) {
            out.body = std::move(changed.body);
        }
    }
    complete(host_, x, request_outcome::succeeded, 200, {});
    publish_usage(host_, x, false, 200);
    return out;
}

client_response pipeline::execute_stream(const client_request& request,
                                         const std::function<void(std::string_view)>& on_chunk,
                                         pipeline_trace* trace, std::string_view skip_id,
                                         std::stop_token cancel) {
    execution x{request, skip_id, trace};
    if (auto early = prepare(host_, providers_, x)) {
        return *early;
    }
    if (auto early = intercept(host_, x)) {
        return *early;
    }
    std::unique_ptr<plugin_host::executor_stream_reader> reader;
    std::vector<bytes> provider_chunks;
    cpa::headers headers;
    try {
        executor_request er = executor_request_for(host_, x);
        er.stream = true;
        if (!x.plugin_executor.empty()) {
            reader = host_.execute_stream(x.plugin_executor, std::move(er), x.request_id);
            headers = reader->headers();
            x.step("executor.execute_stream on plugin " + x.plugin_executor);
        } else {
            provider_chunks = x.by->execute_stream(er);
            headers = {{"Content-Type", {"text/event-stream"}}};
            x.step("provider " + x.by->name() + " streamed");
        }
    } catch (const call_error& e) {
        return failure(host_, x, e);
    }
    // A cancelled request ends the stream: a blocked read of a plugin stream is aborted.
    std::optional<std::stop_callback<std::function<void()>>> on_cancel;
    if (reader) {
        on_cancel.emplace(cancel, std::function<void()>([&reader] { reader->abort(); }));
    }
    std::size_t next_provider_chunk = 0;
    const auto next = [&]() -> std::optional<plugin_host::executor_stream_reader::chunk> {
        if (reader) {
            auto c = reader->next();
            if (c && c->error.empty() && !c->payload.empty()) {
                c->payload = to_client_format(host_, x, std::move(c->payload), true);
            }
            return c;
        }
        if (next_provider_chunk < provider_chunks.size()) {
            return plugin_host::executor_stream_reader::chunk{
                provider_chunks[next_provider_chunk++], {}};
        }
        return std::nullopt;
    };

    const bool intercepting = host_.has_stream_interceptors(skip_id);
    stream_chunk_intercept_request base;
    base.request_id = x.request_id;
    base.source_format =
        request.exit_protocol.empty() ? request.entry_protocol : request.exit_protocol;
    base.model = x.model;
    base.requested_model = request.model;
    base.request_headers = x.headers;
    base.original_request = x.original_request;
    base.request_body = x.body;
    base.metadata = x.metadata;
    auto first = next();
    if (intercepting && !(first && !first->error.empty())) {
        stream_chunk_intercept_request init = base;
        init.response_headers = headers;
        init.chunk_index = stream_chunk_header_init_index;
        headers = host_.intercept_stream_chunk(init, skip_id).headers;
        x.step("response.intercept_stream_chunk: header init");
    }
    // What the client gets: the header-init result; on provider routes (the auth-manager path
    // of host behaviour 5.8) also the changes of payload calls up to the first delivered chunk.
    cpa::headers client_headers = headers;
    const bool provider_route = !reader;
    bool canceled = false;
    std::vector<bytes> history;
    std::size_t history_bytes = 0;
    std::int64_t index = 0;
    std::size_t delivered = 0;
    std::size_t dropped = 0;
    std::optional<std::string> error;
    for (auto c = std::move(first); c; c = next()) {
        if (cancel.stop_requested()) {
            canceled = true;
            break;
        }
        if (!c->error.empty()) {
            error = c->error;
            break;
        }
        if (c->payload.empty()) {
            continue;
        }
        bytes body = std::move(c->payload);
        if (intercepting) {
            stream_chunk_intercept_request cr = base;
            cr.response_headers = headers;
            cr.body = body;
            cr.history_chunks = history;
            cr.chunk_index = index++;
            auto changed = host_.intercept_stream_chunk(cr, skip_id);
            headers = std::move(changed.headers); // later changes never reach the client
            if (provider_route && delivered == 0) {
                client_headers = headers;
            }
            if (changed.dropped) {
                ++dropped;
                continue;
            }
            body = std::move(changed.body);
        }
        if (body.empty()) {
            continue;
        }
        on_chunk(body.view());
        ++delivered;
        if (intercepting) {
            history_bytes += body.size();
            history.push_back(std::move(body));
            while (history.size() > 64 || history_bytes > (1U << 20)) {
                history_bytes -= history.front().size();
                history.erase(history.begin());
            }
        }
    }
    on_cancel.reset();
    canceled = canceled || cancel.stop_requested();
    x.step("stream: " + std::to_string(delivered) + " chunk(s) delivered, " +
           std::to_string(dropped) + " dropped");
    if (canceled) {
        if (reader) {
            reader->abort();
        }
        x.step("canceled by the client");
        complete(host_, x, request_outcome::canceled, 0, "canceled");
        return {499,
                {{"Content-Type", {"application/json"}}},
                bytes(R"({"error":{"message":"request canceled"}})"),
                "request canceled"};
    }
    if (error) {
        return failure(host_, x, call_error(*error, 500));
    }
    complete(host_, x, request_outcome::succeeded, 200, {});
    publish_usage(host_, x, false, 200);
    return {200, client_headers, {}, {}};
}

} // namespace cpa::host
