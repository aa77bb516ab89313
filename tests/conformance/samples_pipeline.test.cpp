// The host library end to end over real plugin libraries (the SDK samples, loaded with dlopen)
// and an in-process plugin: registration, routing, the request pipeline, an async stream through
// the stream bridge and the chunk interceptor, lifecycle and usage deliveries, unload and reload.
#include <cpa/host.hpp>
#include <cpa/plugin.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <mutex>

using namespace cpa::host;

namespace {

/// The samples' directory, as the loader sees a plugin directory.
plugins_config samples_config() {
    plugins_config c;
    c.enabled = true;
    c.dir = CPA_SAMPLES_DIR;
    const auto add = [&](std::string id, std::int64_t priority, std::string yaml = {}) {
        plugin_settings s;
        s.id = id;
        s.enabled = true;
        s.priority = priority;
        if (!yaml.empty()) {
            s.raw_yaml = std::move(yaml);
        }
        c.configs[id] = s;
    };
    add("model-router", 100, "formats: [openai]\ntarget: echo-executor\n");
    add("request-guard", 50, "limits: {blocked-model: 0}\ndefault_limit: 0\n");
    add("stream-rewriter", 40, "replace: {colour: color}\n");
    add("usage-logger", 10);
    add("echo-executor", 0, "stream_mode: async\n");
    return c;
}

struct recorder {
    std::mutex mutex;
    std::vector<log_event> events;
    host_options options() {
        host_options o;
        o.delete_stale_files = false; // never touch the build tree
        o.log = [this](const log_event& e) {
            std::lock_guard lock(mutex);
            events.push_back(e);
        };
        return o;
    }
    std::vector<log_event> from(std::string_view plugin) {
        std::lock_guard lock(mutex);
        std::vector<log_event> out;
        for (const auto& e : events) {
            if (e.plugin_id == plugin) {
                out.push_back(e);
            }
        }
        return out;
    }
};

class canned_provider final : public provider {
public:
    std::string name() const override { return "canned"; }
    std::vector<std::string> models() const override { return {"canned-model"}; }
    cpa::executor_response execute(const cpa::executor_request& r) override {
        return {cpa::bytes(R"({"canned":")" + r.model + R"("})"),
                {{"Content-Type", {"application/json"}}},
                {}};
    }
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request&) override {
        return {cpa::bytes(R"({"choices":[{"delta":{"content":"colour one"}}]})"),
                cpa::bytes(": keep-alive"),
                cpa::bytes(R"({"choices":[{"delta":{"content":"colour two"}}]})")};
    }
};

client_request chat(std::string model, std::string text, bool web_search = false) {
    client_request r;
    r.entry_protocol = "openai";
    r.model = model;
    boost::json::object body{
        {"model", model},
        {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", text}}}}};
    if (web_search) {
        body["tools"] = boost::json::array{boost::json::object{{"type", "web_search_preview"}}};
    }
    r.body = cpa::bytes(boost::json::serialize(body));
    return r;
}

std::string content_of(std::string_view completion) {
    const auto doc = boost::json::parse(completion);
    return std::string(doc.at("choices").at(0).at("message").at("content").as_string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(samples_pipeline)

BOOST_AUTO_TEST_CASE(samples_register_in_chain_order) {
    recorder log;
    plugin_host host(log.options());
    const auto report = host.apply_config(samples_config());
    BOOST_TEST(report.errors.empty(), (report.errors.empty() ? "" : report.errors.front()));
    const auto snap = host.current();
    std::vector<std::string> order;
    for (const auto& r : snap->records) {
        order.push_back(r.id);
    }
    BOOST_TEST(
        (order == std::vector<std::string>{"model-router", "request-guard", "stream-rewriter",
                                           "usage-logger", "echo-executor"}));
    BOOST_TEST(snap->records[0].capabilities.model_router);
    BOOST_TEST(snap->records[2].capabilities.stream_chunk_interceptor);
    BOOST_TEST(snap->records[4].capabilities.executor);
    BOOST_TEST(snap->records[4].schema_version == 3U);
}

BOOST_AUTO_TEST_CASE(a_web_search_request_is_routed_to_the_echo_executor) {
    recorder log;
    plugin_host host(log.options());
    host.apply_config(samples_config());
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    pipeline_trace trace;
    const auto response = p.execute(chat("gpt-x", "find the news", true), &trace);
    BOOST_TEST(response.status == 200, response.error);
    BOOST_TEST(trace.served_by == "plugin echo-executor");
    BOOST_TEST(trace.route.router_id == "model-router");
    BOOST_TEST(content_of(response.body.view()) == "find the news");
    // The request guard ran before auth: its header reached the executor's request (echoed
    // nowhere), and its lifecycle hook got exactly one completion.
    host.drain_async();
    const auto guard = log.from("request-guard");
    BOOST_TEST(!guard.empty());
}

BOOST_AUTO_TEST_CASE(other_requests_fall_through_to_the_provider) {
    recorder log;
    plugin_host host(log.options());
    host.apply_config(samples_config());
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    pipeline_trace trace;
    const auto response = p.execute(chat("canned-model", "hello"), &trace);
    BOOST_TEST(response.status == 200, response.error);
    BOOST_TEST(trace.served_by == "provider canned");
    BOOST_TEST(response.body.view() == R"({"canned":"canned-model"})");
    BOOST_TEST(!trace.route.decision.has_value());
    BOOST_TEST_REQUIRE(trace.route.trail.size() == 1U);
    BOOST_TEST(trace.route.trail[0].outcome == "declined");
    const auto unknown = p.execute(chat("no-such-model", "hello"));
    BOOST_TEST(unknown.status == 400);
}

BOOST_AUTO_TEST_CASE(the_request_guard_terminates_with_429) {
    recorder log;
    plugin_host host(log.options());
    auto config = samples_config();
    config.configs["request-guard"].raw_yaml = "limits: {busy-model: 1}\n";
    host.apply_config(config);
    cpa::request_intercept_request request;
    request.model = "busy-model";
    request.request_id = "r1";
    const auto first = host.intercept_request_before(request);
    BOOST_TEST(!first.terminated);
    BOOST_TEST((first.headers == cpa::headers{{"X-Request-Guard", {"checked"}}}));
    request.request_id = "r2"; // r1 is still in flight: one more is over the limit
    const auto second = host.intercept_request_before(request);
    BOOST_TEST(second.terminated);
    BOOST_TEST(second.terminated_by == "request-guard");
    BOOST_TEST(second.status_code == 429);
}

// A termination with a status outside 200..599 becomes 403; the direct response's headers are
// filtered; the lifecycle event is `rejected`.
struct terminator {
    static cpa::metadata metadata() {
        return {.name = "terminator",
                .version = "1.0.0",
                .author = "tests",
                .github_repository = "https://example.invalid/tests"};
    }
    cpa::request_intercept_response
    intercept_request_before(const cpa::request_intercept_request&) {
        return {.terminate = true,
                .status_code = 0,
                .response_headers = {{"Set-Cookie", {"a=b"}}, {"X-Policy", {"blocked"}}},
                .response_body = cpa::bytes(R"({"error":"blocked"})")};
    }
};

BOOST_AUTO_TEST_CASE(a_termination_is_a_direct_response) {
    recorder log;
    plugin_host host(log.options());
    host.add_in_process("terminator", in_process<terminator>());
    auto config = samples_config();
    config.configs["terminator"] = {.id = "terminator", .enabled = true, .priority = 60};
    host.apply_config(config);
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    pipeline_trace trace;
    const auto response = p.execute(chat("canned-model", "hello"), &trace);
    BOOST_TEST(response.status == 403);
    BOOST_TEST(response.body.view() == R"({"error":"blocked"})");
    BOOST_TEST((response.headers ==
                cpa::headers{{"Content-Type", {"application/json"}}, {"X-Policy", {"blocked"}}}));
    BOOST_TEST((trace.steps.back() == "request.complete: rejected 403"));
}

BOOST_AUTO_TEST_CASE(an_async_stream_goes_through_the_bridge_and_the_rewriter) {
    recorder log;
    plugin_host host(log.options());
    host.apply_config(samples_config());
    pipeline p(host);
    std::vector<std::string> chunks;
    // More words than the host's 16-chunk buffer: the bridge applies back-pressure.
    std::string text;
    for (int i = 0; i < 40; ++i) {
        text += (i == 0 ? "" : " ") + std::string(i % 2 == 0 ? "colour" : "w") + std::to_string(i);
    }
    auto request = chat("gpt-x", text, true);
    request.stream = true;
    pipeline_trace trace;
    const auto response = p.execute_stream(
        request, [&](std::string_view c) { chunks.emplace_back(c); }, &trace);
    BOOST_TEST(response.status == 200, response.error);
    BOOST_TEST(trace.served_by == "plugin echo-executor");
    BOOST_TEST_REQUIRE(chunks.size() == 40U);
    BOOST_TEST(chunks[0].find(R"("content":"color0 ")") != std::string::npos, chunks[0]);
    BOOST_TEST(chunks[1].find(R"("content":"w1 ")") != std::string::npos, chunks[1]);
    BOOST_TEST(chunks[39].find(R"("content":"w39 ")") != std::string::npos, chunks[39]);
}

BOOST_AUTO_TEST_CASE(provider_streams_drop_keep_alives) {
    recorder log;
    plugin_host host(log.options());
    host.apply_config(samples_config());
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    auto request = chat("canned-model", "hi");
    request.stream = true;
    std::vector<std::string> chunks;
    const auto response =
        p.execute_stream(request, [&](std::string_view c) { chunks.emplace_back(c); });
    BOOST_TEST(response.status == 200, response.error);
    BOOST_TEST_REQUIRE(chunks.size() == 2U);
    BOOST_TEST(chunks[0].find("color one") != std::string::npos, chunks[0]);
    BOOST_TEST(chunks[1].find("color two") != std::string::npos, chunks[1]);
}

BOOST_AUTO_TEST_CASE(usage_reaches_the_usage_logger_through_host_log) {
    recorder log;
    plugin_host host(log.options());
    host.apply_config(samples_config());
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    p.execute(chat("canned-model", "one"));
    p.execute(chat("canned-model", "two"));
    host.drain_async();
    std::vector<log_event> lines;
    for (const auto& e : log.from("usage-logger")) {
        if (e.message == "usage") {
            lines.push_back(e);
        }
    }
    BOOST_TEST_REQUIRE(lines.size() == 2U);
    const std::map<std::string, std::string> fields(lines[1].fields.begin(), lines[1].fields.end());
    BOOST_TEST(fields.at("provider") == "canned");
    BOOST_TEST(fields.at("requests_total") == "2");
}

BOOST_AUTO_TEST_CASE(unloading_the_router_changes_the_route_and_reloading_restores_it) {
    recorder log;
    plugin_host host(log.options());
    const auto config = samples_config();
    host.apply_config(config);
    pipeline p(host);
    p.add_provider(std::make_shared<canned_provider>());
    BOOST_TEST(host.unload_plugin("model-router"));
    pipeline_trace after_unload;
    const auto r1 = p.execute(chat("gpt-x", "find", true), &after_unload);
    BOOST_TEST(r1.status == 400); // no router: gpt-x is no provider's model
    BOOST_TEST(after_unload.route.trail.empty());
    host.apply_config(config);
    pipeline_trace reloaded;
    const auto r2 = p.execute(chat("gpt-x", "find", true), &reloaded);
    BOOST_TEST(r2.status == 200, r2.error);
    BOOST_TEST(reloaded.served_by == "plugin echo-executor");
}

// An in-process plugin: no library, no JSON, same chain rules.
struct shouting_router {
    static cpa::metadata metadata() {
        return {.name = "shouting-router",
                .version = "1.0.0",
                .author = "tests",
                .github_repository = "https://example.invalid/tests"};
    }
    cpa::model_route_response route_model(const cpa::model_route_request& r) {
        if (r.requested_model != "shout") {
            return {};
        }
        return {.handled = true,
                .target_kind = cpa::route_target_kind::executor,
                .target = "echo-executor",
                .reason = "in-process"};
    }
};

BOOST_AUTO_TEST_CASE(an_in_process_router_takes_part_in_routing) {
    recorder log;
    plugin_host host(log.options());
    host.add_in_process("shouting-router", in_process<shouting_router>());
    auto config = samples_config();
    config.configs["shouting-router"] = {.id = "shouting-router", .enabled = true, .priority = 200};
    host.apply_config(config);
    BOOST_TEST_REQUIRE(!host.current()->records.empty());
    BOOST_TEST(host.current()->records[0].id == "shouting-router");
    BOOST_TEST(host.current()->records[0].path == "in-process:shouting-router");
    pipeline p(host);
    pipeline_trace trace;
    const auto response = p.execute(chat("shout", "hey"), &trace);
    BOOST_TEST(response.status == 200, response.error);
    BOOST_TEST(trace.route.router_id == "shouting-router");
    BOOST_TEST(trace.route.decision->reason == "in-process");
    BOOST_TEST(content_of(response.body.view()) == "hey");
}

BOOST_AUTO_TEST_SUITE_END()
