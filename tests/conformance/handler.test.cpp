// Conformance catalogue: the handler layer (`pipeline`) of model routing (8.8), interceptors
// (8.9) and lifecycle events (8.10), plus the capability key spellings (REG-08) and a cancelled
// load whose shutdown blocks (CONC-08).
//
// `pipeline` is this project's handler layer. It has no count-tokens endpoint, no Home mode, no
// header-passthrough switch, no image-only model validation and no auth manager: the parts of
// the cases about those are noted where they occur.
#include "support/fake_plugin.hpp"

#include <cpa/host/pipeline.hpp>

#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace cpa_test;
using namespace std::chrono_literals;
using cpa::request_intercept_request;
using cpa::request_intercept_response;

namespace {

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

/// A provider built into the host program whose answers the test sets; counts its calls and
/// how often its model list was consulted.
class test_provider final : public provider {
public:
    test_provider(std::string name, std::vector<std::string> models)
        : name_(std::move(name)), models_(std::move(models)) {}
    std::string name() const override { return name_; }
    std::vector<std::string> models() const override {
        ++model_lookups;
        return models_;
    }
    cpa::executor_response execute(const cpa::executor_request& r) override {
        ++calls;
        last = r;
        if (fail_status != 0) {
            throw cpa::call_error("upstream failed", fail_status);
        }
        return {cpa::bytes(answer), response_headers, {}};
    }
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request& r) override {
        ++calls;
        last = r;
        if (fail_status != 0) {
            throw cpa::call_error("upstream failed", fail_status);
        }
        return chunks;
    }
    mutable std::atomic<int> model_lookups{0};
    std::atomic<int> calls{0};
    cpa::executor_request last;
    std::int64_t fail_status = 0;
    std::string answer = "upstream";
    cpa::headers response_headers{{"X-Upstream", {"1"}}};
    std::vector<cpa::bytes> chunks{cpa::bytes("one"), cpa::bytes("two")};

private:
    std::string name_;
    std::vector<std::string> models_;
};

cpa::register_response interceptor(std::string name) {
    return registration(std::move(name), [](cpa::capabilities& c) {
        c.request_interceptor = true;
        c.response_interceptor = true;
        c.stream_chunk_interceptor = true;
    });
}

/// An executor plugin for `formats` (in and out) whose identifier is its ID.
std::shared_ptr<fake_plugin> add_executor(fake_directory& d, const std::string& id,
                                          std::vector<std::string> formats = {"openai"}) {
    auto p = d.add(id, registration(id, [&formats](cpa::capabilities& c) {
                       c.executor = true;
                       c.executor_input_formats = formats;
                       c.executor_output_formats = formats;
                   }));
    p->on(plugin_methods::executor_identifier,
          [id](const cpa::empty_message&) { return cpa::identifier_response{id}; });
    return p;
}

/// A router that records what it was asked and answers `decision`.
struct router_double {
    std::shared_ptr<fake_plugin> plugin;
    std::vector<cpa::model_route_request> seen;
    std::mutex mutex;

    router_double(fake_directory& d, const std::string& id, cpa::model_route_response decision) {
        plugin = d.add(id, registration(id, [](cpa::capabilities& c) { c.model_router = true; }));
        plugin->on(plugin_methods::model_route,
                   [this, decision](const cpa::model_route_request& r) {
                       std::lock_guard lock(mutex);
                       seen.push_back(r);
                       return decision;
                   });
    }
};

cpa::model_route_response to_executor(std::string target) {
    return {.handled = true, .target_kind = cpa::route_target_kind::executor, .target = target};
}

cpa::model_route_response to_provider(std::string target, std::string model = {}) {
    return {.handled = true,
            .target_kind = cpa::route_target_kind::provider,
            .target = std::move(target),
            .target_model = std::move(model)};
}

/// A lifecycle plugin that records its completions.
struct completions {
    std::mutex mutex;
    std::vector<cpa::request_completion> seen;
    std::shared_ptr<fake_plugin> add(fake_directory& d, const std::string& id) {
        auto p = d.add(id, registration(id, [](auto& c) { c.request_lifecycle_plugin = true; }));
        p->on(plugin_methods::request_complete, [this](const cpa::request_completion& c) {
            std::lock_guard lock(mutex);
            seen.push_back(c);
            return cpa::empty_message{};
        });
        return p;
    }
    std::vector<cpa::request_completion> all() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

client_request request_for(std::string model, std::string body = "body") {
    client_request r;
    r.model = std::move(model);
    r.body = cpa::bytes(std::move(body));
    return r;
}

std::vector<std::string> header(const cpa::headers& h, const std::string& name) {
    const auto it = h.find(name);
    return it == h.end() ? std::vector<std::string>{} : it->second;
}

using strings = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(handler_routing)

BOOST_AUTO_TEST_CASE(RT_15_executor_route_bypasses_provider_resolution) {
    fake_directory d;
    router_double router(d, "router", to_executor("websearch-plugin"));
    auto exec = add_executor(d, "websearch-plugin");
    std::vector<cpa::executor_request> executed;
    exec->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        executed.push_back(r);
        return cpa::executor_response{.payload = cpa::bytes("from executor")};
    });
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        executed.push_back(r);
        cpa::executor_stream_response s;
        s.chunks.push_back({.payload = cpa::bytes("streamed")});
        return s;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"router", 10}, {"websearch-plugin", 0}}));
    pipeline p(host);
    // A provider that also serves M: it must be neither asked for its models nor called.
    auto registry = std::make_shared<test_provider>("prov", strings{"M"});
    p.add_provider(registry);
    const int lookups_before = registry->model_lookups.load();

    client_request rq = request_for("M", R"({"raw":true})");
    rq.entry_protocol = "openai";
    rq.headers = {{"X-Original", {"client"}}};
    const auto response = p.execute(rq);
    BOOST_TEST(response.status == 200);
    BOOST_TEST(text(response.body) == "from executor");
    BOOST_TEST_REQUIRE(router.seen.size() == 1U);
    BOOST_TEST(router.seen[0].source_format == "openai");
    BOOST_TEST(router.seen[0].requested_model == "M");
    BOOST_TEST(!router.seen[0].stream);
    BOOST_TEST(header(router.seen[0].headers, "X-Original") == strings{"client"});
    BOOST_TEST(text(router.seen[0].body) == R"({"raw":true})");
    BOOST_TEST_REQUIRE(executed.size() == 1U);
    BOOST_TEST(executed[0].model == "M");
    BOOST_TEST(executed[0].metadata.at("requested_model").as_string() == "M");

    rq.stream = true;
    std::string delivered;
    const auto streamed =
        p.execute_stream(rq, [&](std::string_view chunk) { delivered.append(chunk); });
    BOOST_TEST(streamed.status == 200);
    BOOST_TEST(delivered == "streamed");
    BOOST_TEST_REQUIRE(router.seen.size() == 2U);
    BOOST_TEST(router.seen[1].stream);
    BOOST_TEST_REQUIRE(executed.size() == 2U);
    BOOST_TEST(executed[1].model == "M");
    BOOST_TEST(executed[1].stream);

    BOOST_TEST(registry->calls.load() == 0);
    BOOST_TEST(registry->model_lookups.load() == lookups_before);
    // Count tokens (the case's third path) does not apply: `pipeline` has no count endpoint.
}

BOOST_AUTO_TEST_CASE(RT_16_after_auth_on_executor_routes_uses_the_selected_input_format) {
    fake_directory d;
    router_double router(d, "router", to_executor("exec"));
    // This host has no native request translators (6.1), so an openai client cannot be served
    // by a codex-only executor; the client speaks codex here, and ToFormat is the executor's
    // selected (normalised) input format.
    auto exec = add_executor(d, "exec", {"codex"});
    std::vector<cpa::executor_request> executed;
    exec->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        executed.push_back(r);
        return cpa::executor_response{.payload = cpa::bytes("ok")};
    });
    auto ic = d.add("ic", interceptor("ic"));
    std::vector<request_intercept_request> after;
    ic->on(plugin_methods::request_intercept_after, [&](const request_intercept_request& r) {
        after.push_back(r);
        return request_intercept_response{.headers = {{"X-After", {"1"}}},
                                          .body = cpa::bytes("after-body")};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"router", 10}, {"exec", 0}, {"ic", 5}}));
    pipeline p(host);
    client_request rq = request_for("M", "client-body");
    rq.entry_protocol = "codex";
    const auto response = p.execute(rq);
    BOOST_TEST(response.status == 200);
    BOOST_TEST_REQUIRE(after.size() == 1U);
    BOOST_TEST(after[0].source_format == "codex");
    BOOST_TEST(after[0].to_format == "codex");
    BOOST_TEST(after[0].model == "M");
    BOOST_TEST(after[0].requested_model == "M");
    BOOST_TEST_REQUIRE(executed.size() == 1U);
    BOOST_TEST(text(executed[0].payload) == "after-body");
    BOOST_TEST(text(executed[0].original_request) == "after-body");
    BOOST_TEST(header(executed[0].headers, "X-After") == strings{"1"});
}

BOOST_AUTO_TEST_CASE(RT_18_no_routing_when_no_router_takes_part) {
    fake_directory d;
    router_double caller(d, "caller", to_provider("prov"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    p.add_provider(prov);

    // (b) The only router is the skipped caller: `has_model_routers(skip)` is false and the
    // router is not asked at all.
    pipeline_trace trace;
    const auto nested = p.execute(request_for("m"), &trace, "caller");
    BOOST_TEST(nested.status == 200);
    BOOST_TEST(caller.seen.empty());
    BOOST_TEST(trace.route.trail.empty());
    BOOST_TEST(!trace.route.decision.has_value());
    BOOST_TEST(trace.served_by == "provider prov");

    // Without the skip the same router is asked (so the check above can fail).
    BOOST_TEST(p.execute(request_for("m")).status == 200);
    BOOST_TEST(caller.seen.size() == 1U);
    // (a) and (c) do not apply: `plugin_host` always has `route_model(request, skip_id)` and
    // `has_model_routers(skip_id)`; there is no host variant lacking them.
}

BOOST_AUTO_TEST_CASE(RT_19_streams_route_once_and_nested_calls_skip_the_caller) {
    fake_directory d;
    // `caller` routes every request to itself; `other` routes to its own executor.
    auto caller = d.add("caller", registration("caller", [](cpa::capabilities& c) {
                            c.model_router = true;
                            c.executor = true;
                            c.executor_input_formats = {"openai"};
                            c.executor_output_formats = {"openai"};
                        }));
    caller->on(plugin_methods::executor_identifier,
               [](const cpa::empty_message&) { return cpa::identifier_response{"caller"}; });
    caller->on(plugin_methods::model_route, [](const cpa::model_route_request&) {
        return cpa::model_route_response{.handled = true,
                                         .target_kind = cpa::route_target_kind::self};
    });
    caller->on(plugin_methods::executor_execute_stream, [](const cpa::executor_request&) {
        cpa::executor_stream_response s;
        s.chunks.push_back({.payload = cpa::bytes("caller")});
        return s;
    });
    router_double other(d, "other", to_executor("other-exec"));
    auto exec = add_executor(d, "other-exec");
    std::vector<cpa::executor_request> executed;
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        executed.push_back(r);
        cpa::executor_stream_response s;
        s.chunks.push_back({.payload = cpa::bytes("other")});
        return s;
    });
    exec->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        executed.push_back(r);
        return cpa::executor_response{.payload = cpa::bytes("other")};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 20}, {"other", 10}, {"other-exec", 0}}));
    pipeline p(host);

    // An ordinary stream is routed once (by the highest router, `caller`).
    client_request rq = request_for("m");
    rq.stream = true;
    std::string got;
    BOOST_TEST(p.execute_stream(rq, [&](std::string_view c) { got.append(c); }).status == 200);
    BOOST_TEST(got == "caller");
    BOOST_TEST(caller->calls(method_id::model_route) == 1);
    BOOST_TEST(caller->calls(method_id::executor_execute_stream) == 1);

    // A nested stream of `caller`: its router and executor are not re-entered.
    rq.query = {{"session", {"abc"}}};
    got.clear();
    BOOST_TEST(p.execute_stream(
                    rq, [&](std::string_view c) { got.append(c); }, nullptr, "caller")
                   .status == 200);
    BOOST_TEST(got == "other");
    BOOST_TEST(caller->calls(method_id::model_route) == 1);
    BOOST_TEST(caller->calls(method_id::executor_execute_stream) == 1);
    BOOST_TEST_REQUIRE(other.seen.size() == 1U);
    BOOST_TEST(header(other.seen[0].query, "session") == strings{"abc"});
    BOOST_TEST_REQUIRE(executed.size() == 1U);
    BOOST_TEST(header(executed[0].query, "session") == strings{"abc"});

    // The nested non-stream execution passes the skip to routing as well.
    rq.stream = false;
    BOOST_TEST(text(p.execute(rq, nullptr, "caller").body) == "other");
    BOOST_TEST(caller->calls(method_id::model_route) == 1);
    BOOST_TEST(other.seen.size() == 2U);
}

BOOST_AUTO_TEST_CASE(RT_20_provider_decisions_go_down_the_provider_path) {
    fake_directory d;
    cpa::model_route_response decision = to_provider("claude", "claude-sonnet-4");
    auto router = d.add("router", registration("router", [](auto& c) { c.model_router = true; }));
    router->on(plugin_methods::model_route,
               [&decision](const cpa::model_route_request&) { return decision; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"router", 0}}));
    pipeline p(host);
    auto claude = std::make_shared<test_provider>("claude", strings{});
    auto prov = std::make_shared<test_provider>("prov", strings{"M"});
    p.add_provider(claude);
    p.add_provider(prov);

    pipeline_trace trace;
    BOOST_TEST(p.execute(request_for("M"), &trace).status == 200);
    BOOST_TEST(trace.served_by == "provider claude");
    BOOST_TEST(claude->calls.load() == 1);
    BOOST_TEST(claude->last.model == "claude-sonnet-4");

    decision.target_model.clear();
    BOOST_TEST(p.execute(request_for("M")).status == 200);
    BOOST_TEST(claude->calls.load() == 2);
    BOOST_TEST(claude->last.model == "M"); // the original requested model, unresolved
    BOOST_TEST(prov->calls.load() == 0);
    // The image-only-model 503s and the auth-selection error of an empty auth manager do not
    // apply: this host has no image-only model validation and no auth manager (a provider
    // decision is only valid for a provider the host program added).
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handler_interceptors)

BOOST_AUTO_TEST_CASE(INT_07_after_auth_termination_is_a_direct_response) {
    fake_directory d;
    auto guard = d.add("guard", interceptor("guard"));
    std::vector<std::string> ids;
    guard->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        ids.push_back(r.request_id);
        return request_intercept_response{};
    });
    guard->on(plugin_methods::request_intercept_after, [&](const request_intercept_request& r) {
        ids.push_back(r.request_id);
        if (r.stream) {
            return request_intercept_response{.terminate = true, .status_code = 403};
        }
        return request_intercept_response{.terminate = true,
                                          .status_code = 429,
                                          .response_headers = {{"Retry-After", {"3"}}},
                                          .response_body = cpa::bytes("slow down")};
    });
    completions done;
    done.add(d, "watcher");
    plugin_host host(d.options());
    host.apply_config(d.config({{"guard", 10}, {"watcher", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    p.add_provider(prov);

    const auto response = p.execute(request_for("m"));
    host.drain_async();
    BOOST_TEST(response.status == 429);
    BOOST_TEST(header(response.headers, "Retry-After") == strings{"3"});
    BOOST_TEST(text(response.body) == "slow down");
    BOOST_TEST(guard->calls(method_id::request_intercept_after) == 1);
    BOOST_TEST(prov->calls.load() == 0);
    auto seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 1U);
    BOOST_TEST_REQUIRE(ids.size() == 2U);
    BOOST_TEST(!ids[0].empty());
    BOOST_TEST(ids[0] == ids[1]);
    BOOST_TEST(seen[0].request_id == ids[0]);
    BOOST_TEST((seen[0].outcome == cpa::request_outcome::rejected));
    BOOST_TEST(seen[0].status_code == 429);

    // The stream path: a direct 403, no chunk delivered, the executor never called.
    client_request rq = request_for("m");
    rq.stream = true;
    int chunks = 0;
    const auto streamed = p.execute_stream(rq, [&](std::string_view) { ++chunks; });
    host.drain_async();
    BOOST_TEST(streamed.status == 403);
    BOOST_TEST(chunks == 0);
    BOOST_TEST(guard->calls(method_id::request_intercept_after) == 2);
    BOOST_TEST(prov->calls.load() == 0);
    seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 2U);
    BOOST_TEST((seen[1].outcome == cpa::request_outcome::rejected));
    BOOST_TEST(seen[1].status_code == 403);
    // The count path does not apply: `pipeline` has no count endpoint.
}

BOOST_AUTO_TEST_CASE(INT_09_rewrites_flow_from_before_to_after_to_the_executor) {
    fake_directory d;
    auto stage = d.add("stage", interceptor("stage"));
    std::string before_body = "before-body";
    std::string after_body = "after-body";
    std::vector<request_intercept_request> before_seen;
    std::vector<request_intercept_request> after_seen;
    std::vector<cpa::response_intercept_request> response_seen;
    stage->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        before_seen.push_back(r);
        return request_intercept_response{
            .headers = {{"X-Set", {"new"}}, {"X-Add", {"1"}}},
            .body = cpa::bytes(before_body),
            .clear_headers = {"X-Remove"},
        };
    });
    stage->on(plugin_methods::request_intercept_after, [&](const request_intercept_request& r) {
        after_seen.push_back(r);
        return request_intercept_response{.headers = {{"X-After", {"1"}}},
                                          .body = cpa::bytes(after_body)};
    });
    stage->on(plugin_methods::response_intercept_after,
              [&](const cpa::response_intercept_request& r) {
                  response_seen.push_back(r);
                  return cpa::response_intercept_response{};
              });
    plugin_host host(d.options());
    host.apply_config(d.config({{"stage", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    p.add_provider(prov);
    client_request rq = request_for("m", "client-body");
    rq.headers = {{"X-Set", {"old"}}, {"X-Remove", {"yes"}}, {"X-Keep", {"k"}}};

    // The whole chain: after sees the before body; the executor and the response interceptor
    // see the after-auth request.
    BOOST_TEST(p.execute(rq).status == 200);
    BOOST_TEST_REQUIRE(before_seen.size() == 1U);
    BOOST_TEST(before_seen[0].metadata.at("requested_model").as_string() == "m");
    BOOST_TEST_REQUIRE(after_seen.size() == 1U);
    BOOST_TEST(text(after_seen[0].body) == "before-body");
    BOOST_TEST((after_seen[0].headers ==
                cpa::headers{{"X-Add", {"1"}}, {"X-Keep", {"k"}}, {"X-Set", {"new"}}}));
    const cpa::headers final_headers{
        {"X-Add", {"1"}}, {"X-After", {"1"}}, {"X-Keep", {"k"}}, {"X-Set", {"new"}}};
    BOOST_TEST((prov->last.headers == final_headers));
    BOOST_TEST(text(prov->last.payload) == "after-body");
    BOOST_TEST(text(prov->last.original_request) == "after-body");
    BOOST_TEST_REQUIRE(response_seen.size() == 1U);
    BOOST_TEST((response_seen[0].request_headers == final_headers));
    BOOST_TEST(text(response_seen[0].original_request) == "after-body");
    BOOST_TEST(text(response_seen[0].request_body) == "after-body");

    // Before-auth alone rewrites the payload and the original request.
    after_body.clear();
    BOOST_TEST(p.execute(rq).status == 200);
    BOOST_TEST(text(prov->last.payload) == "before-body");
    BOOST_TEST(text(prov->last.original_request) == "before-body");
    BOOST_TEST(header(prov->last.headers, "X-Remove").empty());

    // An empty body from every interceptor keeps the client's payload.
    before_body.clear();
    BOOST_TEST(p.execute(rq).status == 200);
    BOOST_TEST(text(prov->last.payload) == "client-body");
    BOOST_TEST(text(prov->last.original_request) == "client-body");
}

BOOST_AUTO_TEST_CASE(INT_10_no_request_interceptor_means_no_calls) {
    fake_directory d;
    // `resp` has handlers for the request hooks but does not declare the capability; `fused`
    // declares it but is fused by its first call.
    auto resp = d.add("resp", registration("resp", [](auto& c) { c.response_interceptor = true; }));
    auto fused =
        d.add("fused", registration("fused", [](auto& c) { c.request_interceptor = true; }));
    for (const auto& p : {resp, fused}) {
        p->on(plugin_methods::request_intercept_before,
              [](const request_intercept_request&) -> request_intercept_response {
                  throw std::runtime_error("boom");
              });
        p->on(plugin_methods::request_intercept_after,
              [](const request_intercept_request&) { return request_intercept_response{}; });
    }
    resp->on(plugin_methods::response_intercept_after, [](const cpa::response_intercept_request&) {
        return cpa::response_intercept_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"resp", 0}, {"fused", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    p.add_provider(prov);
    BOOST_TEST(host.has_request_interceptors());
    BOOST_TEST(p.execute(request_for("m", "payload")).status == 200);
    BOOST_TEST(fused->calls(method_id::request_intercept_before) == 1);
    BOOST_TEST(!host.has_request_interceptors());

    BOOST_TEST(p.execute(request_for("m", "payload")).status == 200);
    BOOST_TEST(fused->calls(method_id::request_intercept_before) == 1);
    BOOST_TEST(fused->calls(method_id::request_intercept_after) == 0);
    BOOST_TEST(resp->calls(method_id::request_intercept_before) == 0);
    BOOST_TEST(resp->calls(method_id::request_intercept_after) == 0);
    BOOST_TEST(text(prov->last.payload) == "payload");
    BOOST_TEST(text(prov->last.original_request) == "payload");
    // "The same memory" does not apply: `cpa::bytes` owns its bytes (value semantics), so the
    // observable guarantee here is that the payload reaches the executor unchanged.
}

BOOST_AUTO_TEST_CASE(INT_11_response_chain_and_its_headers) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    high->on(
        plugin_methods::response_intercept_after, [](const cpa::response_intercept_request& r) {
            return cpa::response_intercept_response{.headers = {{"X-Response", {"high"}}},
                                                    .body = cpa::bytes(text(r.body) + "|high")};
        });
    cpa::response_intercept_request low_saw;
    low->on(plugin_methods::response_intercept_after,
            [&](const cpa::response_intercept_request& r) {
                low_saw = r;
                return cpa::response_intercept_response{
                    .headers = {{"X-Response", {"low"}}, {"X-Low", {"1"}}},
                    .body = cpa::bytes(text(r.body) + "|low"),
                    .clear_headers = {"X-Remove"}};
            });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    cpa::response_intercept_request rq;
    rq.body = cpa::bytes("body");
    rq.response_headers = {{"X-Remove", {"yes"}}};
    const auto out = host.intercept_response(rq);
    BOOST_TEST(text(out.body) == "body|high|low");
    BOOST_TEST((out.headers == cpa::headers{{"X-Low", {"1"}}, {"X-Response", {"low"}}}));
    BOOST_TEST(text(low_saw.body) == "body|high");
    BOOST_TEST(header(low_saw.response_headers, "X-Response") == strings{"high"});
}

BOOST_AUTO_TEST_CASE(INT_11_handler_applies_the_response_chain) {
    fake_directory d;
    auto plugin = d.add("plugin", interceptor("plugin"));
    std::vector<cpa::response_intercept_request> seen;
    plugin->on(plugin_methods::response_intercept_after,
               [&](const cpa::response_intercept_request& r) {
                   seen.push_back(r);
                   return cpa::response_intercept_response{
                       .headers = {{"X-Upstream", {"2"}}, {"X-Plugin", {"yes"}}},
                       .body = cpa::bytes("replaced"),
                       .clear_headers = {"X-Clear"}};
               });
    plugin_host host(d.options());
    host.apply_config(d.config({{"plugin", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    prov->response_headers = {{"X-Upstream", {"1"}},
                              {"X-Clear", {"yes"}},
                              {"Set-Cookie", {"s=1"}},
                              {"Keep-Alive", {"5"}}};
    p.add_provider(prov);
    const auto response = p.execute(request_for("m"));
    BOOST_TEST(response.status == 200);
    BOOST_TEST(text(response.body) == "replaced");
    BOOST_TEST(header(response.headers, "X-Upstream") == strings{"2"});
    BOOST_TEST(header(response.headers, "X-Plugin") == strings{"yes"});
    BOOST_TEST(header(response.headers, "X-Clear").empty());
    // The final set is filtered like upstream headers (5.7, passthrough on).
    BOOST_TEST(header(response.headers, "Set-Cookie").empty());
    BOOST_TEST(header(response.headers, "Keep-Alive").empty());
    BOOST_TEST_REQUIRE(seen.size() == 1U);
    BOOST_TEST(plugin->calls(method_id::response_intercept_after) == 1);
    // The plugin sees the raw upstream headers and the 200 status.
    BOOST_TEST((seen[0].response_headers == prov->response_headers));
    BOOST_TEST(seen[0].status_code == 200);
    BOOST_TEST(text(seen[0].body) == "upstream");
    // Passthrough off does not apply: `pipeline` always passes the upstream headers through
    // (the "passthrough on" behaviour); it has no switch.
}

BOOST_AUTO_TEST_CASE(INT_13_metadata_copies_are_private_to_each_plugin) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    // `high` changes its own copy of the metadata in every hook; `low` and the executor must
    // still see the original. (The fake hands a plugin its request by const reference; the
    // object is the chain's own per-plugin copy, so changing it is what a plugin could do.)
    const auto scribble = [](const cpa::json_object& m) {
        auto& own = const_cast<cpa::json_object&>(m);
        own["outer"].as_object()["inner"].as_array().push_back(99);
        own["keep"] = "changed";
        own["added"] = true;
    };
    std::vector<std::string> callback_ids;
    std::vector<cpa::json_object> low_saw;
    high->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        callback_ids.push_back(r.host_callback_id);
        scribble(r.metadata);
        return request_intercept_response{};
    });
    high->on(plugin_methods::response_intercept_after,
             [&](const cpa::response_intercept_request& r) {
                 callback_ids.push_back(r.host_callback_id);
                 scribble(r.metadata);
                 return cpa::response_intercept_response{};
             });
    high->on(plugin_methods::response_intercept_stream_chunk,
             [&](const cpa::stream_chunk_intercept_request& r) {
                 callback_ids.push_back(r.host_callback_id);
                 scribble(r.metadata);
                 return cpa::stream_chunk_intercept_response{};
             });
    low->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        callback_ids.push_back(r.host_callback_id);
        low_saw.push_back(r.metadata);
        return request_intercept_response{};
    });
    low->on(plugin_methods::response_intercept_after,
            [&](const cpa::response_intercept_request& r) {
                callback_ids.push_back(r.host_callback_id);
                low_saw.push_back(r.metadata);
                return cpa::response_intercept_response{};
            });
    low->on(plugin_methods::response_intercept_stream_chunk,
            [&](const cpa::stream_chunk_intercept_request& r) {
                callback_ids.push_back(r.host_callback_id);
                low_saw.push_back(r.metadata);
                return cpa::stream_chunk_intercept_response{};
            });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    prov->chunks = {cpa::bytes("chunk")};
    p.add_provider(prov);

    client_request rq = request_for("m");
    boost::json::array inner{1, 2, boost::json::object{{"deep", "v"}}};
    rq.metadata["outer"] = boost::json::object{{"inner", inner}};
    rq.metadata["keep"] = "k";
    const cpa::json_object caller_copy = rq.metadata;
    cpa::json_object expected = rq.metadata;
    expected["requested_model"] = "m";
    BOOST_TEST(p.execute(rq).status == 200);
    const cpa::json_object executor_saw = prov->last.metadata;
    rq.stream = true;
    BOOST_TEST(p.execute_stream(rq, [](std::string_view) {}).status == 200);

    BOOST_TEST((rq.metadata == caller_copy));
    BOOST_TEST((executor_saw == expected));
    BOOST_TEST((prov->last.metadata == expected));
    // low: before (x2: execute and stream), response, header-init and one chunk.
    BOOST_TEST_REQUIRE(low_saw.size() == 5U);
    for (const auto& m : low_saw) {
        BOOST_TEST((m == expected));
    }
    for (const auto& id : callback_ids) {
        BOOST_TEST(!id.empty());
    }
    BOOST_TEST(callback_ids.size() == 10U);
    // Go-only metadata (functions, channels, typed maps, pointers, cycles) does not apply: the
    // metadata is a JSON object already. That each callback scope is closed after its call is
    // not observed here.
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handler_lifecycle_events)

BOOST_AUTO_TEST_CASE(LC_01_delivery_is_detached_from_the_caller) {
    fake_directory d;
    auto watcher = d.add(
        "watcher", registration("watcher", [](auto& c) { c.request_lifecycle_plugin = true; }));
    gate release;
    std::mutex mutex;
    std::vector<cpa::request_completion> received;
    watcher->on(plugin_methods::request_complete, [&](const cpa::request_completion& c) {
        release.wait();
        {
            std::lock_guard lock(mutex);
            received.push_back(c);
        }
        const_cast<cpa::request_completion&>(c).metadata["k"] = "changed"; // its own copy
        return cpa::empty_message{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"watcher", 0}}));
    const cpa::json_object metadata{{"k", "v"}};
    cpa::request_completion kept;
    kept.request_id = "r-2";
    kept.outcome = cpa::request_outcome::succeeded;
    kept.metadata = metadata;
    {
        // `complete_request` takes no request context; the analogue of "a cancelled context"
        // is a caller whose completion is gone before the plugin runs: the task owns a copy.
        auto doomed = std::make_unique<cpa::request_completion>();
        doomed->request_id = "r-1";
        doomed->outcome = cpa::request_outcome::canceled;
        doomed->metadata = metadata;
        host.complete_request(*doomed);
        BOOST_TEST_REQUIRE(release.wait_entered());
    }
    host.complete_request(kept);
    release.open();
    host.drain_async();
    BOOST_TEST((kept.metadata == metadata)); // the plugin's change stayed in its copy
    std::lock_guard lock(mutex);
    BOOST_TEST_REQUIRE(received.size() == 2U);
    std::map<std::string, cpa::request_outcome> outcomes;
    for (const auto& c : received) {
        outcomes[c.request_id] = c.outcome;
        BOOST_TEST((c.metadata == metadata));
    }
    BOOST_TEST((outcomes["r-1"] == cpa::request_outcome::canceled));
    BOOST_TEST((outcomes["r-2"] == cpa::request_outcome::succeeded));
}

BOOST_AUTO_TEST_CASE(LC_04_trackers_of_one_inbound_request) {
    fake_directory d;
    completions done;
    done.add(d, "watcher");
    plugin_host host(d.options());
    host.apply_config(d.config({{"watcher", 0}}));
    pipeline p(host);
    p.add_provider(std::make_shared<test_provider>("prov", strings{"m"}));
    client_request rq = request_for("m");
    rq.trace_id = "trace-1"; // one inbound request, two model executions
    BOOST_TEST(p.execute(rq).status == 200);
    BOOST_TEST(p.execute(rq).status == 200);
    host.drain_async();
    const auto seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 2U);
    BOOST_TEST(seen[0].request_id != seen[1].request_id);
    BOOST_TEST(seen[0].trace_id == "trace-1");
    BOOST_TEST(seen[1].trace_id == "trace-1");
}

BOOST_AUTO_TEST_CASE(LC_06_failed_streamed_and_canceled_outcomes) {
    fake_directory d;
    completions done;
    done.add(d, "watcher");
    router_double router(d, "router", to_executor("exec"));
    auto exec = add_executor(d, "exec");
    std::promise<std::string> stream_started;
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        stream_started.set_value(r.stream_id);
        return cpa::executor_stream_response{}; // asynchronous: chunks come by host.stream.emit
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"watcher", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<test_provider>("prov", strings{"m"});
    p.add_provider(prov);

    // An upstream error: `failed` with its status and message.
    prov->fail_status = 502;
    BOOST_TEST(p.execute(request_for("m")).status == 502);
    host.drain_async();
    auto seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 1U);
    BOOST_TEST((seen[0].outcome == cpa::request_outcome::failed));
    BOOST_TEST(seen[0].status_code == 502);
    BOOST_TEST(!seen[0].error.empty());

    // A successful stream: one `succeeded` with Stream=true.
    prov->fail_status = 0;
    client_request rq = request_for("m");
    rq.stream = true;
    BOOST_TEST(p.execute_stream(rq, [](std::string_view) {}).status == 200);
    host.drain_async();
    seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 2U);
    BOOST_TEST((seen[1].outcome == cpa::request_outcome::succeeded));
    BOOST_TEST(seen[1].status_code == 200);
    BOOST_TEST(seen[1].stream);

    // A stream the client cancels while the plugin is still producing: `canceled`, status 0.
    host.apply_config(d.config({{"watcher", 0}, {"router", 10}, {"exec", 0}}));
    std::stop_source client;
    std::promise<void> first_delivered;
    std::vector<std::string> delivered;
    auto running = std::async(std::launch::async, [&] {
        return p.execute_stream(
            rq,
            [&](std::string_view c) {
                delivered.emplace_back(c);
                first_delivered.set_value();
            },
            nullptr, {}, client.get_token());
    });
    auto started = stream_started.get_future();
    BOOST_TEST_REQUIRE((started.wait_for(10s) == std::future_status::ready));
    const std::string stream_id = started.get();
    exec->services->stream_emit({stream_id, cpa::bytes("c1"), {}});
    auto first = first_delivered.get_future();
    BOOST_TEST_REQUIRE((first.wait_for(10s) == std::future_status::ready));
    client.request_stop(); // the pipeline is blocked reading the next chunk
    BOOST_TEST_REQUIRE((running.wait_for(10s) == std::future_status::ready));
    const auto canceled = running.get();
    BOOST_TEST(canceled.status == 499);
    BOOST_TEST(delivered == strings{"c1"});
    BOOST_CHECK_THROW(exec->services->stream_emit({stream_id, cpa::bytes("late"), {}}),
                      cpa::host_error);
    host.drain_async();
    seen = done.all();
    BOOST_TEST_REQUIRE(seen.size() == 3U);
    BOOST_TEST((seen[2].outcome == cpa::request_outcome::canceled));
    BOOST_TEST(seen[2].status_code == 0);
    BOOST_TEST(seen[2].stream);
}

BOOST_AUTO_TEST_CASE(LC_07_nested_calls_are_not_reported_to_their_caller) {
    fake_directory d;
    completions x_done;
    completions y_done;
    x_done.add(d, "x");
    y_done.add(d, "y");
    plugin_host host(d.options());
    host.apply_config(d.config({{"x", 0}, {"y", 0}}));
    pipeline p(host);
    p.add_provider(std::make_shared<test_provider>("prov", strings{"m"}));
    // A nested call of plugin x is the pipeline execution with x as the skip ID (what
    // `pipeline_model_executor` runs; HCB-02 goes through `host.model.execute` itself).
    BOOST_TEST(p.execute(request_for("m"), nullptr, "x").status == 200);
    host.drain_async();
    BOOST_TEST(x_done.all().empty());
    BOOST_TEST(y_done.all().size() == 1U);
    BOOST_TEST(p.execute(request_for("m")).status == 200);
    host.drain_async();
    BOOST_TEST(x_done.all().size() == 1U);
    BOOST_TEST(y_done.all().size() == 2U);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- REG-08 and LC-03 over the wire codec ---------------------------------------------------

namespace {

/// A plugin client that speaks JSON the way the shared-library transport does: every request is
/// encoded with the method's codec (and kept), every answer is an envelope decoded by it.
class json_client final : public plugin_client {
public:
    explicit json_client(std::map<std::string, std::string> answers)
        : answers_(std::move(answers)) {}

    void call(method_id, std::string_view name, const method_codec& codec, const void* rq,
              void* rs) override {
        std::string request;
        codec.encode(rq, request);
        std::string answer;
        {
            std::lock_guard lock(mutex_);
            requests_.emplace_back(name, request);
            const auto it = answers_.find(std::string(name));
            answer =
                it == answers_.end() ? R"({"ok":false,"error":{"message":"unknown"}})" : it->second;
        }
        codec.decode(name, 0, answer, rs);
    }
    void shutdown() noexcept override {}

    std::vector<std::pair<std::string, std::string>> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string> answers_;
    std::vector<std::pair<std::string, std::string>> requests_;
};

host_options json_options(fake_directory& d, const std::shared_ptr<json_client>& client) {
    host_options o = d.options();
    o.open = [client](const std::string&, const std::filesystem::path&,
                      std::shared_ptr<cpa::host_services>) -> load_result {
        return {client, {}};
    };
    return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(wire_spellings)

BOOST_AUTO_TEST_CASE(REG_08_capability_keys_round_trip_through_the_loader) {
    auto answer = registration("wire", [](cpa::capabilities& c) {
        c.frontend_auth_provider = true;
        c.frontend_auth_provider_exclusive = true;
        c.scheduler = true;
        c.model_router = true;
        c.request_lifecycle_plugin = true;
        c.stream_chunk_interceptor = true;
    });
    const std::string encoded = cpa::to_json(answer);
    for (const std::string key : {"frontend_auth_provider_exclusive", "scheduler", "model_router",
                                  "request_lifecycle_plugin", "response_stream_interceptor"}) {
        BOOST_TEST(encoded.find('"' + key + "\":true") != std::string::npos, key);
    }
    BOOST_TEST(encoded.find("stream_chunk_interceptor") == std::string::npos);

    // The registration as a plugin would answer it, decoded by the host's loader.
    fake_directory d;
    d.add_file("wire.so");
    auto client = std::make_shared<json_client>(std::map<std::string, std::string>{
        {"plugin.register", R"({"ok":true,"result":)" + encoded + "}"}});
    plugin_host host(json_options(d, client));
    host.apply_config(d.config({{"wire", 0}}));
    const auto snap = host.current();
    BOOST_TEST_REQUIRE(snap->records.size() == 1U);
    const auto& c = snap->records[0].capabilities;
    BOOST_TEST(c.frontend_auth_provider);
    BOOST_TEST(c.frontend_auth_provider_exclusive);
    BOOST_TEST(c.scheduler);
    BOOST_TEST(c.model_router);
    BOOST_TEST(c.request_lifecycle_plugin);
    BOOST_TEST(c.stream_chunk_interceptor);
    BOOST_TEST(!c.request_interceptor);
}

BOOST_AUTO_TEST_CASE(LC_03_lifecycle_plugins_get_request_complete_on_the_wire) {
    const auto answer = registration("wire", [](auto& c) { c.request_lifecycle_plugin = true; });
    fake_directory d;
    d.add_file("wire.so");
    auto client = std::make_shared<json_client>(std::map<std::string, std::string>{
        {"plugin.register", R"({"ok":true,"result":)" + cpa::to_json(answer) + "}"},
        {"request.complete", R"({"ok":true,"result":{}})"}});
    plugin_host host(json_options(d, client));
    host.apply_config(d.config({{"wire", 0}}));
    cpa::request_completion c;
    c.request_id = "r-7";
    c.outcome = cpa::request_outcome::succeeded;
    c.status_code = 200;
    host.complete_request(c);
    host.drain_async();
    std::vector<std::string> sent;
    for (const auto& entry : client->requests()) {
        if (entry.first == "request.complete") {
            sent.push_back(entry.second);
        }
    }
    BOOST_TEST_REQUIRE(sent.size() == 1U);
    const auto decoded = cpa::from_json<cpa::request_completion>(sent[0]);
    BOOST_TEST(decoded.request_id == "r-7");
    BOOST_TEST((decoded.outcome == cpa::request_outcome::succeeded));
    BOOST_TEST(sent[0].find(R"("RequestID":"r-7")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(blocked_shutdown)

BOOST_AUTO_TEST_CASE(CONC_08_a_blocked_shutdown_keeps_the_plugin_busy) {
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", [](auto& c) { c.model_router = true; }));
    gate register_blocked;
    gate shutdown_blocked;
    alpha->on_register = [&] { register_blocked.wait(); };
    alpha->on_shutdown = [&] { shutdown_blocked.wait(); }; // the client's shutdown blocks
    plugin_host host(d.options());
    std::stop_source cancel;
    auto load = std::async(std::launch::async, [&] {
        return host.apply_config(d.config({{"alpha", 0}}), cancel.get_token());
    });
    BOOST_TEST_REQUIRE(register_blocked.wait_entered());
    cancel.request_stop();
    BOOST_TEST(!load.get().published); // the load is cancelled
    register_blocked.open();           // the loader cleans up: its shutdown blocks
    BOOST_TEST_REQUIRE(shutdown_blocked.wait_entered());

    std::stop_source shutdown_context;
    host.shutdown_all(shutdown_context.get_token());
    std::vector<std::future<apply_report>> applies;
    for (int i = 0; i < 8; ++i) {
        applies.push_back(std::async(std::launch::async, [&] {
            return host.apply_config(d.config({{"alpha", 0}}));
        }));
    }
    for (auto& a : applies) {
        BOOST_TEST_REQUIRE((a.wait_for(10s) == std::future_status::ready));
        a.get();
    }
    BOOST_TEST(alpha->opens() == 1);
    BOOST_TEST(host.plugin_busy("alpha"));
    BOOST_TEST(!host.plugin_registered("alpha"));

    shutdown_blocked.open();
    // Bounded wait for the loader thread to release the plugin after its shutdown returned.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (host.plugin_busy("alpha") && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    BOOST_TEST(!host.plugin_busy("alpha"));
    BOOST_TEST(alpha->shutdowns() == 1);
    BOOST_TEST(alpha->opens() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
