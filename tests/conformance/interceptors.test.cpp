// Conformance catalogue: interceptors (8.9), lifecycle events (8.10) and streams (8.11), over
// scripted plugins and a scripted provider.
#include "support/fake_plugin.hpp"

#include <cpa/host/pipeline.hpp>

#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace cpa_test;
using namespace std::chrono_literals;
using cpa::request_intercept_request;
using cpa::request_intercept_response;
using cpa::stream_chunk_intercept_request;
using cpa::stream_chunk_intercept_response;

namespace {

cpa::register_response interceptor(std::string name, std::uint32_t schema = 3) {
    return registration(
        std::move(name),
        [](cpa::capabilities& c) {
            c.request_interceptor = true;
            c.response_interceptor = true;
            c.stream_chunk_interceptor = true;
        },
        schema);
}

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

/// A provider whose answer, or failure, the test sets.
class scripted_provider final : public provider {
public:
    std::string name() const override { return "prov"; }
    std::vector<std::string> models() const override { return {"m"}; }
    cpa::executor_response execute(const cpa::executor_request& r) override {
        ++calls;
        last = r;
        if (fail_status != 0) {
            throw cpa::call_error("upstream failed", fail_status);
        }
        return {cpa::bytes("upstream"), {{"X-Upstream", {"1"}}}, {}};
    }
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request& r) override {
        ++calls;
        last = r;
        return {cpa::bytes("first"), cpa::bytes("drop"), cpa::bytes("second")};
    }
    std::atomic<int> calls{0};
    cpa::executor_request last;
    std::int64_t fail_status = 0;
};

client_request model_request(std::string body = "body") {
    client_request r;
    r.model = "m";
    r.body = cpa::bytes(std::move(body));
    return r;
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
};

} // namespace

BOOST_AUTO_TEST_SUITE(interceptors)

BOOST_AUTO_TEST_CASE(INT_01_before_auth_pipeline_merges_headers_and_bodies) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    request_intercept_request seen_by_high;
    high->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        seen_by_high = r;
        request_intercept_response a;
        a.body = cpa::bytes(text(r.body) + "|high");
        a.headers = {{"X-Plugin", {"high"}}};
        return a;
    });
    low->on(plugin_methods::request_intercept_before, [](const request_intercept_request& r) {
        request_intercept_response a;
        a.body = cpa::bytes(text(r.body) + "|low");
        a.headers = {{"X-Plugin", {"low"}}, {"X-Low", {"1"}}};
        a.clear_headers = {"X-Remove"};
        return a;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    request_intercept_request request;
    request.source_format = "openai";
    request.model = "m";
    request.requested_model = "requested";
    request.headers = {{"X-Remove", {"yes"}}};
    request.body = cpa::bytes("start");
    const auto caller_headers = request.headers;
    const auto out = host.intercept_request_before(request);
    BOOST_TEST(text(out.body) == "start|high|low");
    BOOST_TEST((out.headers == cpa::headers{{"X-Low", {"1"}}, {"X-Plugin", {"low"}}}));
    BOOST_TEST((request.headers == caller_headers));
    BOOST_TEST(seen_by_high.source_format == "openai");
    BOOST_TEST(seen_by_high.model == "m");
    BOOST_TEST(seen_by_high.requested_model == "requested");
    BOOST_TEST(!seen_by_high.host_callback_id.empty());
}

BOOST_AUTO_TEST_CASE(INT_02_after_auth_sees_the_target_format) {
    fake_directory d;
    auto p = d.add("after", interceptor("after"));
    request_intercept_request seen;
    p->on(plugin_methods::request_intercept_after, [&](const request_intercept_request& r) {
        seen = r;
        request_intercept_response a;
        a.body = cpa::bytes(text(r.body) + "|after");
        return a;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"after", 0}}));
    request_intercept_request request;
    request.source_format = "openai";
    request.to_format = "codex";
    request.body = cpa::bytes("body");
    const auto out = host.intercept_request_after(request);
    BOOST_TEST(seen.source_format == "openai");
    BOOST_TEST(seen.to_format == "codex");
    BOOST_TEST(text(out.body) == "body|after");
}

BOOST_AUTO_TEST_CASE(INT_03_except_skips_the_origin_in_every_chain) {
    fake_directory d;
    auto origin = d.add("origin", interceptor("origin"));
    auto other = d.add("other", interceptor("other"));
    for (const auto& entry :
         {std::pair{origin, std::string("origin")}, std::pair{other, std::string("other")}}) {
        const auto& p = entry.first;
        const std::string name = entry.second;
        p->on(plugin_methods::request_intercept_before, [name](const request_intercept_request& r) {
            return request_intercept_response{
                .body = cpa::bytes(text(r.body) + "|" + name + "-request")};
        });
        p->on(plugin_methods::request_intercept_after, [name](const request_intercept_request& r) {
            return request_intercept_response{
                .body = cpa::bytes(text(r.body) + "|" + name + "-request")};
        });
        p->on(plugin_methods::response_intercept_after,
              [name](const cpa::response_intercept_request& r) {
                  return cpa::response_intercept_response{
                      .body = cpa::bytes(text(r.body) + "|" + name + "-response")};
              });
        p->on(plugin_methods::response_intercept_stream_chunk,
              [name](const stream_chunk_intercept_request& r) {
                  return stream_chunk_intercept_response{
                      .body = cpa::bytes(text(r.body) + "|" + name + "-stream")};
              });
    }
    plugin_host host(d.options());
    host.apply_config(d.config({{"origin", 20}, {"other", 10}}));
    request_intercept_request rq;
    rq.body = cpa::bytes("body");
    BOOST_TEST(text(host.intercept_request_before(rq, "origin").body) == "body|other-request");
    BOOST_TEST(text(host.intercept_request_after(rq, "origin").body) == "body|other-request");
    cpa::response_intercept_request rs;
    rs.body = cpa::bytes("body");
    BOOST_TEST(text(host.intercept_response(rs, "origin").body) == "body|other-response");
    stream_chunk_intercept_request sc;
    sc.body = cpa::bytes("body");
    BOOST_TEST(text(host.intercept_stream_chunk(sc, "origin").body) == "body|other-stream");
    int origin_calls = 0;
    int other_calls = 0;
    for (const auto m :
         {method_id::request_intercept_before, method_id::request_intercept_after,
          method_id::response_intercept_after, method_id::response_intercept_stream_chunk}) {
        origin_calls += origin->calls(m);
        other_calls += other->calls(m);
    }
    BOOST_TEST(origin_calls == 0);
    BOOST_TEST(other_calls == 4);
}

BOOST_AUTO_TEST_CASE(INT_04_errors_are_skipped_panics_fuse) {
    fake_directory d;
    auto error = d.add("error", interceptor("error"));
    auto panic = d.add("panic", interceptor("panic"));
    auto success = d.add("success", interceptor("success"));
    error->on(plugin_methods::request_intercept_before,
              [](const request_intercept_request&) -> request_intercept_response {
                  throw cpa::call_error("nope");
              });
    panic->on(plugin_methods::request_intercept_before,
              [](const request_intercept_request&) -> request_intercept_response {
                  throw std::runtime_error("boom");
              });
    success->on(plugin_methods::request_intercept_before, [](const request_intercept_request& r) {
        return request_intercept_response{.body = cpa::bytes(text(r.body) + "|success")};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"error", 30}, {"panic", 20}, {"success", 10}}));
    request_intercept_request rq;
    rq.body = cpa::bytes("body");
    BOOST_TEST(text(host.intercept_request_before(rq).body) == "body|success");
    BOOST_TEST(!host.fuse_reason("panic").empty());
    BOOST_TEST(host.fuse_reason("error").empty());
}

BOOST_AUTO_TEST_CASE(INT_05_termination_stops_the_chain) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    high->on(plugin_methods::request_intercept_before, [](const request_intercept_request&) {
        return request_intercept_response{
            .terminate = true,
            .status_code = 403,
            .response_headers = {{"Content-Type", {"application/json"}}},
            .response_body = cpa::bytes(R"({"error":"blocked"})")};
    });
    low->on(plugin_methods::request_intercept_before,
            [](const request_intercept_request&) { return request_intercept_response{}; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    const auto out = host.intercept_request_before({});
    BOOST_TEST(out.terminated);
    BOOST_TEST(out.status_code == 403);
    BOOST_TEST((out.response_headers == cpa::headers{{"Content-Type", {"application/json"}}}));
    BOOST_TEST(text(out.response_body) == R"({"error":"blocked"})");
    BOOST_TEST(low->calls(method_id::request_intercept_before) == 0);
}

BOOST_AUTO_TEST_CASE(INT_06_before_auth_termination_is_a_direct_response) {
    fake_directory d;
    auto guard = d.add("guard", interceptor("guard"));
    std::string intercept_id;
    guard->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        intercept_id = r.request_id;
        return request_intercept_response{.terminate = true,
                                          .status_code = 403,
                                          .response_headers = {{"X-Policy", {"blocked"}}},
                                          .response_body = cpa::bytes("denied")};
    });
    completions done;
    done.add(d, "watcher");
    plugin_host host(d.options());
    host.apply_config(d.config({{"guard", 10}, {"watcher", 0}}));
    pipeline p(host);
    auto upstream = std::make_shared<scripted_provider>();
    p.add_provider(upstream);
    const auto response = p.execute(model_request());
    host.drain_async();
    BOOST_TEST(response.status == 403);
    BOOST_TEST(text(response.body) == "denied");
    BOOST_TEST((response.headers.at("X-Policy") == std::vector<std::string>{"blocked"}));
    BOOST_TEST(upstream->calls.load() == 0);
    BOOST_TEST_REQUIRE(done.seen.size() == 1U);
    BOOST_TEST(done.seen[0].request_id == intercept_id);
    BOOST_TEST((done.seen[0].outcome == cpa::request_outcome::rejected));
    BOOST_TEST(done.seen[0].status_code == 403);
}

BOOST_AUTO_TEST_CASE(INT_08_termination_status_is_normalised) {
    for (const auto& [given, expected] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {0, 403}, {99, 403}, {600, 403}, {200, 200}, {599, 599}}) {
        fake_directory d;
        auto guard = d.add("guard", interceptor("guard"));
        guard->on(plugin_methods::request_intercept_before,
                  [given = given](const request_intercept_request&) {
                      return request_intercept_response{.terminate = true, .status_code = given};
                  });
        plugin_host host(d.options());
        host.apply_config(d.config({{"guard", 0}}));
        pipeline p(host);
        p.add_provider(std::make_shared<scripted_provider>());
        BOOST_TEST(p.execute(model_request()).status == expected, "status " << given);
    }
}

BOOST_AUTO_TEST_CASE(INT_12_failed_executions_skip_the_response_interceptors) {
    fake_directory d;
    auto p = d.add("resp", interceptor("resp"));
    p->on(plugin_methods::response_intercept_after, [](const cpa::response_intercept_request&) {
        return cpa::response_intercept_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"resp", 0}}));
    pipeline pl(host);
    auto upstream = std::make_shared<scripted_provider>();
    upstream->fail_status = 502;
    pl.add_provider(upstream);
    const auto response = pl.execute(model_request());
    BOOST_TEST(response.status == 502);
    BOOST_TEST(p->calls(method_id::response_intercept_after) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle_events)

BOOST_AUTO_TEST_CASE(LC_02_a_blocked_lifecycle_plugin_never_blocks_the_request) {
    fake_directory d;
    auto slow =
        d.add("slow", registration("slow", [](auto& c) { c.request_lifecycle_plugin = true; }));
    gate release;
    slow->on(plugin_methods::request_complete, [&](const cpa::request_completion&) {
        release.wait();
        return cpa::empty_message{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"slow", 0}}));
    cpa::request_completion c;
    c.request_id = "r";
    const auto started = std::chrono::steady_clock::now();
    host.complete_request(c);
    BOOST_TEST((std::chrono::steady_clock::now() - started < 1s));
    BOOST_TEST(release.wait_entered()); // the plugin is invoked all the same
    release.open();
    host.drain_async();
}

BOOST_AUTO_TEST_CASE(LC_05_one_completion_sharing_the_request_id) {
    fake_directory d;
    auto both = d.add("both", interceptor("both"));
    std::string intercept_id;
    std::string response_id;
    both->on(plugin_methods::request_intercept_before, [&](const request_intercept_request& r) {
        intercept_id = r.request_id;
        return request_intercept_response{};
    });
    both->on(plugin_methods::response_intercept_after,
             [&](const cpa::response_intercept_request& r) {
                 response_id = r.request_id;
                 return cpa::response_intercept_response{};
             });
    completions done;
    done.add(d, "watcher");
    plugin_host host(d.options());
    host.apply_config(d.config({{"both", 10}, {"watcher", 0}}));
    pipeline p(host);
    p.add_provider(std::make_shared<scripted_provider>());
    const auto response = p.execute(model_request());
    host.drain_async();
    BOOST_TEST(response.status == 200);
    BOOST_TEST_REQUIRE(done.seen.size() == 1U);
    const auto& c = done.seen[0];
    BOOST_TEST((c.outcome == cpa::request_outcome::succeeded));
    BOOST_TEST(c.status_code == 200);
    BOOST_TEST(!c.request_id.empty());
    BOOST_TEST(c.request_id == intercept_id);
    BOOST_TEST(c.request_id == response_id);
    BOOST_TEST((c.started_at.to_sys() <= c.completed_at.to_sys()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(streams)

BOOST_AUTO_TEST_CASE(STR_01_drop_stops_the_chunk_chain) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    high->on(plugin_methods::response_intercept_stream_chunk,
             [](const stream_chunk_intercept_request& r) {
                 return stream_chunk_intercept_response{.headers = {{"X-Stream", {"high"}}},
                                                        .body = cpa::bytes(text(r.body) + "|high"),
                                                        .drop_chunk = true};
             });
    low->on(
        plugin_methods::response_intercept_stream_chunk,
        [](const stream_chunk_intercept_request&) { return stream_chunk_intercept_response{}; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    stream_chunk_intercept_request rq;
    rq.body = cpa::bytes("chunk");
    const auto out = host.intercept_stream_chunk(rq);
    BOOST_TEST(out.dropped);
    BOOST_TEST(text(out.body) == "chunk|high");
    BOOST_TEST((out.headers == cpa::headers{{"X-Stream", {"high"}}}));
    BOOST_TEST(low->calls(method_id::response_intercept_stream_chunk) == 0);
}

BOOST_AUTO_TEST_CASE(STR_02_chunk_chain_is_a_pipeline_with_history) {
    fake_directory d;
    auto high = d.add("high", interceptor("high"));
    auto low = d.add("low", interceptor("low"));
    std::vector<std::vector<cpa::bytes>> histories;
    high->on(plugin_methods::response_intercept_stream_chunk,
             [&](const stream_chunk_intercept_request& r) {
                 histories.push_back(r.history_chunks);
                 return stream_chunk_intercept_response{.headers = {{"X-High", {"1"}}},
                                                        .body = cpa::bytes(text(r.body) + "|high"),
                                                        .clear_headers = {"X-Old"}};
             });
    cpa::headers low_saw;
    low->on(plugin_methods::response_intercept_stream_chunk,
            [&](const stream_chunk_intercept_request& r) {
                histories.push_back(r.history_chunks);
                low_saw = r.response_headers;
                return stream_chunk_intercept_response{.body = cpa::bytes(text(r.body) + "|low")};
            });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    stream_chunk_intercept_request rq;
    rq.body = cpa::bytes("chunk");
    rq.history_chunks = {cpa::bytes("first")};
    rq.response_headers = {{"X-Old", {"1"}}};
    const auto out = host.intercept_stream_chunk(rq);
    BOOST_TEST(text(out.body) == "chunk|high|low");
    BOOST_TEST((low_saw == cpa::headers{{"X-High", {"1"}}}));
    BOOST_TEST_REQUIRE(histories.size() == 2U);
    for (const auto& h : histories) {
        BOOST_TEST_REQUIRE(h.size() == 1U);
        BOOST_TEST(text(h[0]) == "first");
    }
}

BOOST_AUTO_TEST_CASE(STR_03_schema_3_plugins_get_no_request_bodies_on_payload_chunks) {
    fake_directory d;
    auto legacy = d.add("legacy", interceptor("legacy", 2));
    auto modern = d.add("modern", interceptor("modern", 3));
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> seen;
    for (const auto& entry :
         {std::pair{legacy, std::string("legacy")}, std::pair{modern, std::string("modern")}}) {
        const auto& p = entry.first;
        const std::string name = entry.second;
        p->on(plugin_methods::response_intercept_stream_chunk,
              [&seen, name](const stream_chunk_intercept_request& r) {
                  seen[name].emplace_back(text(r.original_request), text(r.request_body));
                  return stream_chunk_intercept_response{};
              });
    }
    plugin_host host(d.options());
    host.apply_config(d.config({{"legacy", 20}, {"modern", 10}}));
    stream_chunk_intercept_request rq;
    rq.original_request = cpa::bytes("original");
    rq.request_body = cpa::bytes("request");
    rq.chunk_index = 0;
    host.intercept_stream_chunk(rq);
    rq.chunk_index = cpa::stream_chunk_header_init_index;
    host.intercept_stream_chunk(rq);
    const std::pair<std::string, std::string> bodies{"original", "request"};
    const std::pair<std::string, std::string> none{"", ""};
    BOOST_TEST_REQUIRE(seen["legacy"].size() == 2U);
    BOOST_TEST_REQUIRE(seen["modern"].size() == 2U);
    BOOST_TEST((seen["legacy"][0] == bodies));
    BOOST_TEST((seen["modern"][0] == none));
    BOOST_TEST((seen["legacy"][1] == bodies));
    BOOST_TEST((seen["modern"][1] == bodies));
}

namespace {

cpa::register_response async_executor(std::string name) {
    return registration(std::move(name), [](auto& c) {
        c.executor = true;
        c.executor_input_formats = {"openai"};
        c.executor_output_formats = {"openai"};
    });
}

} // namespace

BOOST_AUTO_TEST_CASE(STR_07_a_full_buffer_blocks_emits_until_close) {
    fake_directory d;
    auto exec = d.add("exec", async_executor("exec"));
    std::string stream_id;
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        stream_id = r.stream_id;
        return cpa::executor_stream_response{.headers = {{"X-Async", {"1"}}}, .chunks = {}};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"exec", 0}}));
    auto reader = host.execute_stream("exec", {});
    BOOST_TEST_REQUIRE(!stream_id.empty());
    auto services = exec->services;
    for (int i = 0; i < 16; ++i) {
        services->stream_emit({stream_id, cpa::bytes("c" + std::to_string(i)), {}});
    }
    auto blocked = std::async(std::launch::async, [&] {
        try {
            services->stream_emit({stream_id, cpa::bytes("c16"), {}});
            return std::string("accepted");
        } catch (const cpa::host_error& e) {
            return std::string(e.what());
        }
    });
    BOOST_TEST((blocked.wait_for(200ms) == std::future_status::timeout));
    services->stream_close({stream_id, {}});
    BOOST_TEST(blocked.get() == "stream " + stream_id + " is not open");
    int delivered = 0;
    while (auto c = reader->next()) {
        BOOST_TEST(c->error.empty());
        ++delivered;
    }
    BOOST_TEST(delivered == 16);
}

BOOST_AUTO_TEST_CASE(STR_08_close_with_an_error_ends_the_stream_with_it) {
    fake_directory d;
    auto exec = d.add("exec", async_executor("exec"));
    std::string stream_id;
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        stream_id = r.stream_id;
        return cpa::executor_stream_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"exec", 0}}));
    {
        auto reader = host.execute_stream("exec", {});
        exec->services->stream_close({stream_id, "plugin stream failed"});
        auto c = reader->next();
        BOOST_TEST_REQUIRE(c.has_value());
        BOOST_TEST(c->error == "plugin stream failed");
        BOOST_TEST(!reader->next().has_value());
    }
    {
        auto reader = host.execute_stream("exec", {});
        for (int i = 0; i < 16; ++i) {
            exec->services->stream_emit({stream_id, cpa::bytes("c"), {}});
        }
        exec->services->stream_close({stream_id, "plugin stream failed"}); // returns at once
        int data = 0;
        std::string error;
        while (auto c = reader->next()) {
            if (c->error.empty()) {
                ++data;
            } else {
                error = c->error;
            }
        }
        BOOST_TEST(data == 16);
        BOOST_TEST(error == "plugin stream failed");
    }
}

BOOST_AUTO_TEST_SUITE_END()
