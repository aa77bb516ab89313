#include "check_probes.hpp"

#include "report.hpp"

#include <cpa/host/plugin_host.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace cpa_host {

namespace {

namespace json = boost::json;
namespace pm = cpa::host::plugin_methods;
using namespace std::chrono_literals;

// ---- representative requests --------------------------------------------------------------------

constexpr std::string_view greeting = "Hello from cpa-host check: what is the colour of the sky?";

/// A one-message chat request in `format`.
std::string chat_body(std::string_view format, const std::string& model, bool stream) {
    json::object body;
    const json::array messages{json::object{{"role", "user"}, {"content", greeting}}};
    if (format == "claude") {
        body = {{"model", model}, {"max_tokens", 64}, {"messages", messages}};
    } else if (format == "openai-response") {
        body = {{"model", model}, {"input", greeting}};
    } else if (format == "gemini") {
        body = {{"contents",
                 json::array{json::object{
                     {"role", "user"}, {"parts", json::array{json::object{{"text", greeting}}}}}}}};
    } else {
        body = {{"model", model}, {"messages", messages}};
    }
    if (stream && format != "gemini") {
        body["stream"] = true;
    }
    return json::serialize(body);
}

std::string completion_body(const std::string& model) {
    return json::serialize(json::object{
        {"id", "chatcmpl-check"},
        {"object", "chat.completion"},
        {"model", model},
        {"choices",
         json::array{json::object{
             {"index", 0},
             {"message", json::object{{"role", "assistant"}, {"content", "The colour is blue."}}},
             {"finish_reason", "stop"}}}}});
}

std::string chunk_body(std::string_view text) {
    return json::serialize(json::object{
        {"object", "chat.completion.chunk"},
        {"choices",
         json::array{json::object{{"index", 0}, {"delta", json::object{{"content", text}}}}}}});
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

cpa::request_intercept_request intercept_request(subject& s, const round_context& round,
                                                 bool after) {
    cpa::request_intercept_request r;
    r.request_id = round.request_id;
    r.trace_id = "cpa-host-check";
    r.source_format = "openai";
    r.to_format = after ? "openai" : "";
    r.model = s.model;
    r.requested_model = s.model;
    r.headers = {{"Content-Type", {"application/json"}}, {"User-Agent", {"cpa-host-check"}}};
    r.body = chat_body("openai", s.model, false);
    r.metadata = {{"requested_model", s.model}};
    r.host_callback_id = s.services->next_callback_id();
    return r;
}

/// An executor request in the formats the executor declares, as a routed request reaches it
/// (no credential).
cpa::executor_request executor_request(subject& s, bool stream) {
    const auto& caps = s.registration.capabilities;
    cpa::executor_request r;
    r.model = s.model;
    r.format = pick_format(caps.executor_output_formats);
    r.source_format = pick_format(caps.executor_input_formats);
    r.stream = stream;
    r.headers = {{"Content-Type", {"application/json"}}};
    r.payload = chat_body(r.source_format, s.model, stream);
    r.original_request = r.payload;
    r.metadata = {{"requested_model", s.model}};
    r.host_callback_id = s.services->next_callback_id();
    return r;
}

/// Takes the plugin's first model and its provider key for the later probes.
void learn_models(subject& s, const cpa::model_response& answer) {
    if (!s.learning || trim(answer.provider).empty() || answer.models.empty() ||
        trim(answer.models.front().id).empty()) {
        return;
    }
    s.provider = lower(trim(answer.provider));
    s.model = trim(answer.models.front().id);
}

std::string models_note(const cpa::model_response& a) {
    std::string note =
        "provider \"" + a.provider + "\", " + std::to_string(a.models.size()) + " model(s)";
    if (trim(a.provider).empty() || a.models.empty()) {
        note += "; the host ignores an answer without provider or models";
    }
    return note;
}

// ---- the probes, one function per method --------------------------------------------------------
// Each makes its call(s) and returns "" with a note describing the answer, or why the answer
// breaks the contract. An error answer is thrown as `cpa::call_error` (run_probe judges it).

/// An identifier method (wire contract 4.1): the same every time, and not empty unless
/// `empty_ok`. Learnt into `learnt` (when given and still the default).
probe identifier_probe(
    std::string name,
    const cpa::host::plugin_method<cpa::empty_message, cpa::identifier_response>& method,
    std::string what_breaks, bool empty_ok, std::string subject::*learnt = nullptr) {
    auto run = [&method, what_breaks, empty_ok, learnt](subject& s, const round_context&,
                                                        std::string& note) -> std::string {
        const std::string first = trim(s.call(method, cpa::empty_message{}).identifier);
        const std::string second = trim(s.call(method, cpa::empty_message{}).identifier);
        if (first != second) {
            return "not stable: \"" + first + "\", then \"" + second + "\"";
        }
        if (first.empty() && !empty_ok) {
            return "empty identifier: " + what_breaks;
        }
        if (learnt != nullptr && s.learning && !first.empty() && s.*learnt == "check") {
            s.*learnt = lower(first);
        }
        note = first.empty() ? "empty" : "\"" + first + "\"";
        return {};
    };
    return {std::move(name), "wire-contract 4.1", true, {}, std::move(run)};
}

std::string model_static(subject& s, const round_context&, std::string& note) {
    cpa::model_static_request r;
    r.plugin = s.registration.metadata;
    r.host.auth_dir = "~/.cli-proxy-api";
    const auto a = s.call(pm::model_static, r);
    learn_models(s, a);
    note = models_note(a);
    return {};
}

std::string model_register(subject& s, const round_context&, std::string& note) {
    const auto a = s.call(pm::model_register, cpa::plugin_request{s.registration.metadata});
    learn_models(s, a);
    note = models_note(a);
    return {};
}

std::string model_for_auth(subject& s, const round_context&, std::string& note) {
    const std::string provider =
        s.registration.capabilities.auth_provider ? s.auth_provider : s.provider;
    cpa::model_for_auth_request r;
    r.plugin = s.registration.metadata;
    r.auth_id = "check-auth.json";
    r.auth_provider = provider;
    r.storage_json = R"({"type":")" + provider + R"("})";
    r.attributes = {{"path", "auths/check-auth.json"}};
    r.host_callback_id = s.services->next_callback_id();
    const auto a = s.call(pm::model_for_auth, r);
    note = std::to_string(a.models.size()) + " model(s)";
    if (!trim(a.provider).empty() && lower(trim(a.provider)) != provider) {
        note +=
            "; provider \"" + a.provider + "\" is not the auth's: the host asks the next plugin";
    }
    return {};
}

std::string auth_parse(subject& s, const round_context&, std::string& note) {
    cpa::auth_parse_request r;
    r.provider = s.auth_provider;
    r.path = "auths/check-" + s.auth_provider + ".json";
    r.file_name = "check-" + s.auth_provider + ".json";
    r.raw_json = R"({"type":")" + s.auth_provider + R"(","email":"check@example.invalid"})";
    r.host.auth_dir = "auths";
    note = s.call(pm::auth_parse, r).handled ? "handled" : "not handled";
    return {};
}

std::string frontend_authenticate(subject& s, const round_context&, std::string& note) {
    cpa::frontend_auth_request r;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.headers = {{"Authorization", {"Bearer cpa-host-check"}}};
    r.body = chat_body("openai", s.model, false);
    const auto a = s.call(pm::frontend_auth_authenticate, r);
    note = a.authenticated ? "authenticated" : "not authenticated";
    return {};
}

std::string scheduler_pick(subject& s, const round_context&, std::string& note) {
    cpa::scheduler_pick_request r;
    r.plugin = s.registration.metadata;
    r.provider = s.provider;
    r.providers = {s.provider};
    r.model = s.model;
    r.candidates = {{"auth-a", s.provider, 0, cpa::auth_status::active, {}, {}},
                    {"auth-b", s.provider, 1, cpa::auth_status::active, {}, {}}};
    const auto a = s.call(pm::scheduler_pick, r);
    if (!a.handled) {
        note = "not handled: the built-in selector picks";
    } else if (a.auth_id != "auth-a" && a.auth_id != "auth-b") {
        note = "picked \"" + a.auth_id + "\", no candidate: the built-in selector picks";
    } else {
        note = "picked " + a.auth_id;
    }
    return {};
}

/// Two requests: a Claude one with a web search tool, and a plain OpenAI one.
std::string model_route(subject& s, const round_context&, std::string& note) {
    for (const bool claude : {true, false}) {
        cpa::model_route_request r;
        r.plugin = s.registration.metadata;
        r.plugin_id = s.id;
        r.source_format = claude ? "claude" : "openai";
        r.requested_model = claude ? "claude-sonnet-4" : s.model;
        json::value body = json::parse(chat_body(r.source_format, r.requested_model, false));
        if (claude) {
            body.as_object()["tools"] =
                json::array{json::object{{"type", "web_search_20250305"}, {"name", "web_search"}}};
            r.headers = {{"Anthropic-Version", {"2023-06-01"}}};
        }
        r.body = json::serialize(body);
        r.metadata = {{"requested_model", r.requested_model}};
        r.available_providers = {"check"};
        r.host_callback_id = s.services->next_callback_id();
        const auto a = s.call(pm::model_route, r);
        std::string what = r.source_format + ": ";
        if (!a.handled) {
            what += "declined";
        } else if (a.target_kind == cpa::route_target_kind::unset ||
                   a.target_kind == cpa::route_target_kind::invalid) {
            what += "an invalid TargetKind, so the host asks the next router";
        } else if (a.target_kind != cpa::route_target_kind::self && trim(a.target).empty()) {
            what += "an empty Target, so the host asks the next router";
        } else {
            what += std::string(cpa::to_string(a.target_kind)) +
                    (a.target.empty() ? "" : " " + a.target);
        }
        note += (note.empty() ? "" : "; ") + what;
    }
    return {};
}

std::string intercept_note(const cpa::request_intercept_response& a) {
    if (!a.terminate) {
        return a.headers.empty() && a.body.empty() && a.clear_headers.empty()
                   ? "no change"
                   : "changes the request";
    }
    const bool normal = a.status_code >= 200 && a.status_code <= 599;
    return "terminates with " + std::to_string(a.status_code) +
           (normal ? "" : ", which the host answers as 403");
}

std::string intercept_before(subject& s, const round_context& round, std::string& note) {
    note = intercept_note(s.call(pm::request_intercept_before, intercept_request(s, round, false)));
    return {};
}

std::string intercept_after(subject& s, const round_context& round, std::string& note) {
    note = intercept_note(s.call(pm::request_intercept_after, intercept_request(s, round, true)));
    return {};
}

std::string transform_request(subject& s, std::string& note, bool translate) {
    cpa::request_transform_request r;
    r.from_format = "openai";
    r.to_format = translate ? "claude" : "openai";
    r.model = s.model;
    r.body = chat_body("openai", s.model, false);
    const auto a = s.call(translate ? pm::request_translate : pm::request_normalize, r);
    note = a.body.empty() ? "no body: unchanged" : "a body";
    return {};
}

std::string request_translate(subject& s, const round_context&, std::string& note) {
    return transform_request(s, note, true);
}

std::string request_normalize(subject& s, const round_context&, std::string& note) {
    return transform_request(s, note, false);
}

std::string executor_execute(subject& s, const round_context&, std::string& note) {
    note = std::to_string(s.call(pm::executor_execute, executor_request(s, false)).payload.size()) +
           " bytes";
    return {};
}

/// Inline chunks, or emits (at most 16 before the call returns: CPA reads its 16-chunk buffer
/// only afterwards) and a close.
std::string executor_execute_stream(subject& s, const round_context&, std::string& note) {
    auto request = executor_request(s, true);
    const std::string id = s.services->open_stream();
    request.stream_id = id;
    cpa::executor_stream_response a;
    try {
        a = s.call(pm::executor_execute_stream, request);
    } catch (...) {
        s.services->call_returned(id, true);
        s.services->wait_closed(id, 0ms);
        throw;
    }
    s.services->call_returned(id, !a.chunks.empty());
    const auto record = s.services->wait_closed(id, s.stream_wait);
    if (record.emits_in_call > 16) {
        return "called host.stream.emit " + std::to_string(record.emits_in_call) +
               " times before the call returned; CPA reads its 16-chunk buffer only after the "
               "call returns, so the 17th emit blocks for ever";
    }
    if (!a.chunks.empty()) {
        note = "inline, " + std::to_string(a.chunks.size()) + " chunk(s)";
        if (!record.chunks.empty()) {
            note += "; the " + std::to_string(record.chunks.size()) +
                    " chunk(s) also emitted are dropped";
        }
        return {};
    }
    if (!record.closed) {
        return "answered no inline chunks and did not call host.stream.close within " +
               std::to_string(s.stream_wait.count()) + " ms";
    }
    note = "host.stream.emit, " + std::to_string(record.chunks.size()) + " chunk(s), closed";
    if (!record.error.empty()) {
        note += " with the error \"" + record.error + "\"";
    }
    return {};
}

std::string executor_count_tokens(subject& s, const round_context&, std::string& note) {
    note = std::to_string(
               s.call(pm::executor_count_tokens, executor_request(s, false)).payload.size()) +
           " bytes";
    return {};
}

std::string executor_http_request(subject& s, const round_context&, std::string& note) {
    cpa::executor_http_request r;
    r.auth_provider = s.provider;
    r.method = "GET";
    r.url = "https://example.invalid/cpa-host-check";
    r.host_callback_id = s.services->next_callback_id();
    const auto a = s.call(pm::executor_http_request, r);
    note = "status " + std::to_string(a.status_code == 0 ? 200 : a.status_code);
    return {};
}

using response_transform_method =
    cpa::host::plugin_method<cpa::response_transform_request, cpa::payload_response>;

std::string transform_response(subject& s, std::string& note,
                               const response_transform_method& method) {
    cpa::response_transform_request r;
    r.from_format = "openai";
    r.to_format = "claude";
    r.model = s.model;
    r.original_request = chat_body("claude", s.model, false);
    r.translated_request = chat_body("openai", s.model, false);
    r.body = completion_body(s.model);
    note = s.call(method, r).body.empty() ? "no body: unchanged" : "a body";
    return {};
}

std::string response_normalize_before(subject& s, const round_context&, std::string& note) {
    return transform_response(s, note, pm::response_normalize_before);
}

std::string response_translate(subject& s, const round_context&, std::string& note) {
    return transform_response(s, note, pm::response_translate);
}

std::string response_normalize_after(subject& s, const round_context&, std::string& note) {
    return transform_response(s, note, pm::response_normalize_after);
}

std::string response_intercept(subject& s, const round_context& round, std::string& note) {
    cpa::response_intercept_request r;
    r.request_id = round.request_id;
    r.source_format = "openai";
    r.model = s.model;
    r.requested_model = s.model;
    r.request_headers = {{"Content-Type", {"application/json"}}};
    r.response_headers = {{"Content-Type", {"application/json"}}};
    r.original_request = chat_body("openai", s.model, false);
    r.request_body = r.original_request;
    r.body = completion_body(s.model);
    r.status_code = 200;
    r.metadata = {{"requested_model", s.model}};
    r.host_callback_id = s.services->next_callback_id();
    const auto a = s.call(pm::response_intercept_after, r);
    note = a.headers.empty() && a.body.empty() && a.clear_headers.empty() ? "no change"
                                                                          : "changes the response";
    return {};
}

/// The header-init call, a content chunk and a keep-alive, with the request bodies left out of
/// the payload calls for schema-3 plugins, as the host does.
std::string stream_chunk_intercept(subject& s, const round_context& round, std::string& note) {
    cpa::stream_chunk_intercept_request base;
    base.request_id = round.request_id;
    base.source_format = "openai";
    base.model = s.model;
    base.requested_model = s.model;
    base.request_headers = {{"Content-Type", {"application/json"}}};
    base.response_headers = {{"Content-Type", {"text/event-stream"}}};
    base.metadata = {{"requested_model", s.model}};
    const bool legacy = s.registration.schema_version < 3;
    const std::string request_body = chat_body("openai", s.model, true);
    const std::string payloads[] = {chunk_body("The colour "), ": keep-alive"};
    const char* labels[] = {"chunk: ", "keep-alive: "};
    std::vector<cpa::bytes> history;
    for (std::int64_t index = cpa::stream_chunk_header_init_index; index < 2; ++index) {
        auto r = base;
        r.chunk_index = index;
        r.host_callback_id = s.services->next_callback_id();
        if (index < 0 || legacy) {
            r.original_request = request_body;
            r.request_body = request_body;
        }
        if (index >= 0) {
            r.body = payloads[index];
            r.history_chunks = history;
        }
        const auto a = s.call(pm::response_intercept_stream_chunk, r);
        if (index < 0) {
            note = a.headers.empty() && a.clear_headers.empty() ? "header init: no change"
                                                                : "header init: changes headers";
        } else if (a.drop_chunk) {
            note += std::string("; ") + labels[index] + "dropped";
        } else {
            note +=
                std::string("; ") + labels[index] + (a.body.empty() ? "unchanged" : "rewritten");
            history.push_back(a.body.empty() ? r.body : a.body);
        }
    }
    return {};
}

std::string thinking_apply(subject& s, const round_context&, std::string& note) {
    cpa::thinking_apply_request r;
    r.provider = s.provider;
    r.model.id = s.model;
    r.config.mode = cpa::thinking_mode::budget;
    r.config.budget = 8192;
    r.body = chat_body("openai", s.model, false);
    r.host_callback_id = s.services->next_callback_id();
    note = s.call(pm::thinking_apply, r).body.empty() ? "no body: unchanged" : "a body";
    return {};
}

std::string command_line_register(subject& s, const round_context&, std::string& note) {
    const auto a = s.call(pm::command_line_register, cpa::plugin_request{s.registration.metadata});
    note = std::to_string(a.flags.size()) + " flag(s)";
    return {};
}

/// The registration, then a GET of its first GET route, if it has one.
std::string management(subject& s, const round_context&, std::string& note) {
    cpa::management_register_request r;
    r.plugin = s.registration.metadata;
    r.base_path = "/v0/management";
    r.resource_base_path = "/v0/resource/plugins/" + s.id;
    const auto a = s.call(pm::management_register, r);
    note = std::to_string(a.routes.size()) + " route(s), " + std::to_string(a.resources.size()) +
           " resource(s)";
    const auto get = std::find_if(a.routes.begin(), a.routes.end(),
                                  [](const auto& route) { return lower(route.method) == "get"; });
    if (get == a.routes.end()) {
        return {};
    }
    cpa::management_request h;
    h.method = "GET";
    h.path = get->path;
    h.headers = {{"Accept", {"application/json"}}};
    h.host_callback_id = s.services->next_callback_id();
    try {
        const auto answer = s.call(pm::management_handle, h);
        note += "; GET " + get->path + ": status " +
                std::to_string(answer.status_code == 0 ? 200 : answer.status_code);
    } catch (const cpa::call_error& e) {
        note +=
            "; GET " + get->path + " answered an error, \"" + e.what() + "\": the client gets 502";
    }
    return {};
}

std::string usage_handle(subject& s, const round_context&, std::string&) {
    cpa::usage_record r;
    r.provider = s.provider;
    r.model = s.model;
    r.auth_id = "check-auth.json";
    r.source = "cpa-host-check";
    r.requested_at = cpa::timestamp::now();
    r.latency = 120ms;
    r.detail.input_tokens = 12;
    r.detail.output_tokens = 5;
    r.detail.total_tokens = 17;
    s.call(pm::usage_handle, r);
    return {};
}

std::string request_complete(subject& s, const round_context& round, std::string&) {
    cpa::request_completion r;
    r.request_id = round.request_id;
    r.trace_id = "cpa-host-check";
    r.source_format = "openai";
    r.model = s.model;
    r.requested_model = s.model;
    r.outcome = cpa::request_outcome::succeeded;
    r.status_code = 200;
    r.started_at = cpa::timestamp::now();
    r.completed_at = r.started_at;
    r.metadata = {{"requested_model", s.model}};
    r.host_callback_id = s.services->next_callback_id();
    s.call(pm::request_complete, r);
    return {};
}

} // namespace

std::string trim(std::string_view s) {
    return std::string(cpa::detail::trim_space(s));
}

std::string pick_format(const std::vector<std::string>& declared) {
    std::string first;
    for (const auto& f : declared) {
        const std::string n = cpa::host::normalize_format(f);
        if (n == "openai") {
            return n;
        }
        if (first.empty()) {
            first = n;
        }
    }
    return first;
}

probe_outcome run_probe(const probe& p, subject& s, const round_context& round) {
    probe_outcome out;
    try {
        std::string note;
        const std::string why = p.run(s, round, note);
        out.passed = why.empty();
        out.detail = why.empty() ? note : why;
    } catch (const cpa::call_error& e) {
        out.answered = false;
        if (p.must_answer) {
            out.passed = false;
            out.detail = std::string("answered with an error: ") + e.what();
        } else {
            out.detail = std::string("answered an error, \"") + e.what() + "\"; " + p.on_error;
        }
    } catch (const std::exception& e) {
        out.passed = false;
        out.detail = std::string("the call failed: ") + e.what();
    }
    return out;
}

std::vector<probe> probes_for(const cpa::capabilities& caps) {
    std::vector<probe> out;
    const auto add = [&](bool declared, std::string name, std::string spec, std::string on_error,
                         std::string (*run)(subject&, const round_context&, std::string&)) {
        if (declared) {
            out.push_back({std::move(name), std::move(spec), false, std::move(on_error), run});
        }
    };
    // Identifiers and models first, as the host asks after a (re)registration (wire contract
    // 3.7); the model registration's provider key is the executor's.
    if (caps.auth_provider) {
        out.push_back(identifier_probe("auth.identifier", pm::auth_identifier,
                                       "no auth file ever reaches the plugin", false,
                                       &subject::auth_provider));
    }
    add(caps.model_provider, "model.static", "wire-contract 4.3",
        "the host registers no models for it", &model_static);
    add(caps.model_provider, "model.for_auth", "wire-contract 4.4",
        "the auth gets no models from it", &model_for_auth);
    add(caps.model_registrar && !caps.model_provider, "model.register", "wire-contract 4.2",
        "the host registers no models for it", &model_register);
    add(caps.auth_provider, "auth.parse", "wire-contract 4.5", "the auth file is not loaded",
        &auth_parse);
    if (caps.frontend_auth_provider) {
        out.push_back(identifier_probe("frontend_auth.identifier", pm::frontend_auth_identifier,
                                       "the host registers no access provider for it", false));
    }
    add(caps.frontend_auth_provider, "frontend_auth.authenticate", "wire-contract 4.9",
        "the request counts as not authenticated by it", &frontend_authenticate);
    add(caps.scheduler, "scheduler.pick", "wire-contract 4.10",
        "the pick fails (the request is denied)", &scheduler_pick);
    if (caps.thinking_applier) {
        out.push_back(identifier_probe("thinking.identifier", pm::thinking_identifier,
                                       "the host registers no thinking applier for it", false));
    }
    if (caps.executor) {
        out.push_back(
            identifier_probe("executor.identifier", pm::executor_identifier,
                             "the host registers no executor for it and no router can target it",
                             caps.model_provider || caps.model_registrar, &subject::provider));
    }
    // The request path.
    add(caps.model_router, "model.route", "wire-contract 4.11", "the host asks the next router",
        &model_route);
    add(caps.request_interceptor, "request.intercept_before", "wire-contract 4.17",
        "the host skips this interceptor", &intercept_before);
    add(caps.request_interceptor, "request.intercept_after", "wire-contract 4.18",
        "the host skips this interceptor", &intercept_after);
    add(caps.request_normalizer, "request.normalize", "wire-contract 4.14",
        "the body stays unchanged", &request_normalize);
    add(caps.request_translator, "request.translate", "wire-contract 4.13",
        "the host tries the next translator", &request_translate);
    add(caps.thinking_applier, "thinking.apply", "wire-contract 4.22", "the body stays unchanged",
        &thinking_apply);
    add(caps.executor, "executor.execute", "wire-contract 4.12.2",
        "the request fails with that error", &executor_execute);
    add(caps.executor, "executor.execute_stream", "wire-contract 4.12.3",
        "the request fails with that error", &executor_execute_stream);
    add(caps.executor, "executor.count_tokens", "wire-contract 4.12.4",
        "count-tokens requests fail with that error", &executor_count_tokens);
    add(caps.executor, "executor.http_request", "wire-contract 4.12.5",
        "the host's raw HTTP request fails with that error", &executor_http_request);
    add(caps.response_before_translator, "response.normalize_before", "wire-contract 4.16",
        "the body stays unchanged", &response_normalize_before);
    add(caps.response_translator, "response.translate", "wire-contract 4.15",
        "the host tries the next translator", &response_translate);
    add(caps.response_after_translator, "response.normalize_after", "wire-contract 4.16",
        "the body stays unchanged", &response_normalize_after);
    add(caps.response_interceptor, "response.intercept_after", "wire-contract 4.20",
        "the host skips this interceptor", &response_intercept);
    add(caps.stream_chunk_interceptor, "response.intercept_stream_chunk", "wire-contract 4.21",
        "the host skips this interceptor for the chunk", &stream_chunk_intercept);
    // The rest, then the request's end.
    add(caps.command_line_plugin, "command_line.register", "wire-contract 4.24",
        "the plugin gets no command-line flags", &command_line_register);
    add(caps.management_api, "management.register", "wire-contract 4.26",
        "the plugin gets no management routes", &management);
    add(caps.usage_plugin, "usage.handle", "wire-contract 4.23", "the host only logs it",
        &usage_handle);
    add(caps.request_lifecycle_plugin, "request.complete", "wire-contract 4.19",
        "the host only logs it", &request_complete);
    return out;
}

} // namespace cpa_host
