// Conformance catalogue: streams (8.11) through the handler layer (`pipeline`) and the executor
// stream bridge (`plugin_host::execute_stream`, `host.stream.emit` / `host.stream.close`).
#include "support/fake_plugin.hpp"

#include <cpa/host/pipeline.hpp>

#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace cpa_test;
using namespace std::chrono_literals;
using cpa::stream_chunk_intercept_request;
using cpa::stream_chunk_intercept_response;

namespace {

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

using strings = std::vector<std::string>;

std::vector<std::string> header(const cpa::headers& h, const std::string& name) {
    const auto it = h.find(name);
    return it == h.end() ? std::vector<std::string>{} : it->second;
}

/// A provider that streams the chunks the test sets, or fails to start.
class stream_provider final : public provider {
public:
    std::string name() const override { return "prov"; }
    std::vector<std::string> models() const override { return {"m"}; }
    cpa::executor_response execute(const cpa::executor_request&) override {
        ++calls;
        return {cpa::bytes("answer"), {}, {}};
    }
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request& r) override {
        ++calls;
        last = r;
        if (fail_status != 0) {
            throw cpa::call_error("upstream failed", fail_status);
        }
        return chunks;
    }
    std::atomic<int> calls{0};
    cpa::executor_request last;
    std::int64_t fail_status = 0;
    std::vector<cpa::bytes> chunks;
};

/// A stream-chunk interceptor that records every call.
struct chunk_recorder {
    std::shared_ptr<fake_plugin> plugin;
    std::mutex mutex;
    std::vector<stream_chunk_intercept_request> seen;
    std::function<stream_chunk_intercept_response(const stream_chunk_intercept_request&)> answer =
        [](const stream_chunk_intercept_request&) { return stream_chunk_intercept_response{}; };

    chunk_recorder(fake_directory& d, const std::string& id) {
        plugin = d.add(
            id, registration(id, [](cpa::capabilities& c) { c.stream_chunk_interceptor = true; }));
        plugin->on(plugin_methods::response_intercept_stream_chunk,
                   [this](const stream_chunk_intercept_request& r) {
                       {
                           std::lock_guard lock(mutex);
                           seen.push_back(r);
                       }
                       return answer(r);
                   });
    }
    std::vector<stream_chunk_intercept_request> all() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

client_request stream_request() {
    client_request r;
    r.model = "m";
    r.stream = true;
    r.body = cpa::bytes("client-body");
    return r;
}

cpa::register_response async_executor(std::string name) {
    return registration(std::move(name), [](auto& c) {
        c.executor = true;
        c.executor_input_formats = {"openai"};
        c.executor_output_formats = {"openai"};
    });
}

/// An executor plugin `exec` reached through a router `router` (an executor route).
std::shared_ptr<fake_plugin> routed_executor(fake_directory& d) {
    auto router = d.add("router", registration("router", [](auto& c) { c.model_router = true; }));
    router->on(plugin_methods::model_route, [](const cpa::model_route_request&) {
        return cpa::model_route_response{
            .handled = true, .target_kind = cpa::route_target_kind::executor, .target = "exec"};
    });
    auto exec = d.add("exec", async_executor("exec"));
    exec->on(plugin_methods::executor_identifier,
             [](const cpa::empty_message&) { return cpa::identifier_response{"exec"}; });
    return exec;
}

} // namespace

BOOST_AUTO_TEST_SUITE(handler_streams)

BOOST_AUTO_TEST_CASE(STR_04_stream_interception_through_the_handler) {
    fake_directory d;
    auto stage =
        d.add("stage", registration("stage", [](auto& c) { c.request_interceptor = true; }));
    stage->on(plugin_methods::request_intercept_before, [](const cpa::request_intercept_request&) {
        return cpa::request_intercept_response{.headers = {{"X-Stage", {"before"}}},
                                               .body = cpa::bytes("before-body")};
    });
    stage->on(plugin_methods::request_intercept_after, [](const cpa::request_intercept_request&) {
        return cpa::request_intercept_response{.headers = {{"X-Stage", {"after"}}},
                                               .body = cpa::bytes("after-body")};
    });
    chunk_recorder streamer(d, "streamer");
    streamer.answer = [](const stream_chunk_intercept_request& r) {
        if (r.chunk_index < 0) {
            return stream_chunk_intercept_response{.headers = {{"X-Stream", {"plugin"}}}};
        }
        if (text(r.body) == "drop") {
            return stream_chunk_intercept_response{.drop_chunk = true};
        }
        return stream_chunk_intercept_response{.body = cpa::bytes(text(r.body) + "|plugin")};
    };
    plugin_host host(d.options());
    host.apply_config(d.config({{"stage", 20}, {"streamer", 10}}));
    pipeline p(host);
    auto prov = std::make_shared<stream_provider>();
    prov->chunks = {cpa::bytes("first"), cpa::bytes("drop"), cpa::bytes("second")};
    p.add_provider(prov);

    std::string client;
    const auto response =
        p.execute_stream(stream_request(), [&](std::string_view c) { client.append(c); });
    BOOST_TEST(response.status == 200);
    BOOST_TEST(client == "first|pluginsecond|plugin");
    BOOST_TEST(header(response.headers, "X-Stream") == strings{"plugin"});
    const auto seen = streamer.all();
    BOOST_TEST_REQUIRE(seen.size() == 4U); // header-init + 3 chunks
    BOOST_TEST(seen[0].chunk_index == -1);
    BOOST_TEST(text(seen[0].body).empty());
    BOOST_TEST(text(seen[0].original_request) == "after-body");
    BOOST_TEST(text(seen[0].request_body) == "after-body");
    BOOST_TEST(header(seen[0].request_headers, "X-Stage") == strings{"after"});
    for (std::size_t i = 1; i < seen.size(); ++i) {
        BOOST_TEST(seen[i].chunk_index == static_cast<std::int64_t>(i - 1));
        BOOST_TEST(text(seen[i].original_request).empty()); // schema 3: no bodies
        BOOST_TEST(text(seen[i].request_body).empty());
        BOOST_TEST(header(seen[i].request_headers, "X-Stage") == strings{"after"});
    }
    BOOST_TEST_REQUIRE(seen[3].history_chunks.size() == 1U);
    BOOST_TEST(text(seen[3].history_chunks[0]) == "first|plugin");
}

BOOST_AUTO_TEST_CASE(STR_05_no_stream_interceptor_means_no_calls) {
    fake_directory d;
    // Handlers for the chunk hook, but no stream-interceptor capability.
    auto other =
        d.add("other", registration("other", [](auto& c) { c.response_interceptor = true; }));
    other->on(plugin_methods::response_intercept_stream_chunk,
              [](const stream_chunk_intercept_request&) {
                  return stream_chunk_intercept_response{.drop_chunk = true};
              });
    plugin_host host(d.options());
    host.apply_config(d.config({{"other", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<stream_provider>();
    prov->chunks = {cpa::bytes("a"), cpa::bytes("b")};
    p.add_provider(prov);
    BOOST_TEST(!host.has_stream_interceptors());
    std::string client;
    BOOST_TEST(p.execute_stream(stream_request(), [&](std::string_view c) {
                    client.append(c);
                }).status == 200);
    BOOST_TEST(client == "ab");
    BOOST_TEST(other->calls(method_id::response_intercept_stream_chunk) == 0);
}

BOOST_AUTO_TEST_CASE(STR_05_history_keeps_64_chunks_and_1_mib) {
    fake_directory d;
    chunk_recorder streamer(d, "streamer");
    plugin_host host(d.options());
    host.apply_config(d.config({{"streamer", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<stream_provider>();
    for (int i = 0; i < 74; ++i) {
        prov->chunks.emplace_back(std::string(1, static_cast<char>('0' + i)));
    }
    p.add_provider(prov);
    BOOST_TEST(p.execute_stream(stream_request(), [](std::string_view) {}).status == 200);
    auto seen = streamer.all();
    BOOST_TEST_REQUIRE(seen.size() == 75U);
    const auto& last = seen.back().history_chunks; // while handling chunk #73
    BOOST_TEST_REQUIRE(last.size() == 64U);
    BOOST_TEST(text(last.front()) == std::string(1, static_cast<char>('0' + 9)));
    BOOST_TEST(text(last.back()) == std::string(1, static_cast<char>('0' + 72)));

    streamer.seen.clear();
    const std::string big(512 * 1024 + 1, 'x');
    prov->chunks = {cpa::bytes(big), cpa::bytes(big), cpa::bytes(big), cpa::bytes("tail")};
    BOOST_TEST(p.execute_stream(stream_request(), [](std::string_view) {}).status == 200);
    seen = streamer.all();
    BOOST_TEST_REQUIRE(seen.size() == 5U);
    for (const auto& r : seen) {
        std::size_t total = 0;
        for (const auto& h : r.history_chunks) {
            total += h.size();
        }
        BOOST_TEST(total <= std::size_t{1} << 20);
    }
    BOOST_TEST(seen[3].history_chunks.size() == 1U); // two big chunks would exceed 1 MiB
    BOOST_TEST(seen[4].history_chunks.size() == 1U);
}

BOOST_AUTO_TEST_CASE(STR_05_headers_are_final_when_the_stream_returns) {
    for (const bool empty_stream : {false, true}) {
        fake_directory d;
        chunk_recorder streamer(d, "streamer");
        gate init_blocked;
        streamer.answer = [&](const stream_chunk_intercept_request& r) {
            if (r.chunk_index < 0) {
                init_blocked.wait();
                return stream_chunk_intercept_response{.headers = {{"X-Init", {"1"}}}};
            }
            // Changes after the first delivered chunk never reach the client.
            if (r.chunk_index >= 1) {
                return stream_chunk_intercept_response{.headers = {{"X-Late", {"1"}}}};
            }
            return stream_chunk_intercept_response{};
        };
        plugin_host host(d.options());
        host.apply_config(d.config({{"streamer", 0}}));
        pipeline p(host);
        auto prov = std::make_shared<stream_provider>();
        if (!empty_stream) {
            prov->chunks = {cpa::bytes("a"), cpa::bytes("b")};
        }
        p.add_provider(prov);
        auto running = std::async(std::launch::async, [&] {
            return p.execute_stream(stream_request(), [](std::string_view) {});
        });
        BOOST_TEST_REQUIRE(init_blocked.wait_entered());
        // Still inside the header-init call: the stream cannot have returned.
        BOOST_TEST((running.wait_for(50ms) == std::future_status::timeout));
        init_blocked.open();
        BOOST_TEST_REQUIRE((running.wait_for(10s) == std::future_status::ready));
        const auto response = running.get();
        BOOST_TEST(response.status == 200);
        BOOST_TEST(header(response.headers, "X-Init") == strings{"1"}, "empty " << empty_stream);
        BOOST_TEST(header(response.headers, "X-Late").empty(), "empty " << empty_stream);
        BOOST_TEST(streamer.all().size() == (empty_stream ? 1U : 3U));
    }
}

BOOST_AUTO_TEST_CASE(STR_05_headers_up_to_the_first_delivered_chunk_by_route) {
    // Provider routes (the auth-manager path): payload calls up to the first delivered chunk
    // still shape the client's headers. Executor routes: only the header-init call does.
    for (const bool executor_route : {false, true}) {
        fake_directory d;
        chunk_recorder streamer(d, "streamer");
        streamer.answer = [](const stream_chunk_intercept_request& r) {
            if (r.chunk_index < 0) {
                return stream_chunk_intercept_response{};
            }
            if (r.chunk_index == 0) {
                return stream_chunk_intercept_response{.headers = {{"X-Dropped", {"1"}}},
                                                       .drop_chunk = true};
            }
            if (r.chunk_index == 1) {
                return stream_chunk_intercept_response{.headers = {{"X-First", {"1"}}}};
            }
            return stream_chunk_intercept_response{.headers = {{"X-Late", {"1"}}}};
        };
        std::shared_ptr<fake_plugin> exec;
        if (executor_route) {
            exec = routed_executor(d);
            exec->on(plugin_methods::executor_execute_stream, [](const cpa::executor_request&) {
                cpa::executor_stream_response s;
                for (const char* c : {"a", "b", "c"}) {
                    s.chunks.push_back({.payload = cpa::bytes(c)});
                }
                return s;
            });
        }
        plugin_host host(d.options());
        host.apply_config(executor_route ? d.config({{"streamer", 0}, {"router", 10}, {"exec", 0}})
                                         : d.config({{"streamer", 0}}));
        pipeline p(host);
        auto prov = std::make_shared<stream_provider>();
        prov->chunks = {cpa::bytes("a"), cpa::bytes("b"), cpa::bytes("c")};
        p.add_provider(prov);
        std::string client;
        const auto response =
            p.execute_stream(stream_request(), [&](std::string_view c) { client.append(c); });
        BOOST_TEST(response.status == 200);
        BOOST_TEST(client == "bc");
        BOOST_TEST(prov->calls.load() == (executor_route ? 0 : 1));
        const strings expected = executor_route ? strings{} : strings{"1"};
        BOOST_TEST(header(response.headers, "X-Dropped") == expected,
                   "executor " << executor_route);
        BOOST_TEST(header(response.headers, "X-First") == expected, "executor " << executor_route);
        BOOST_TEST(header(response.headers, "X-Late").empty());
    }
}

BOOST_AUTO_TEST_CASE(STR_06_start_errors_and_first_chunk_errors_skip_the_interceptors) {
    fake_directory d;
    chunk_recorder streamer(d, "streamer");
    auto resp = d.add("resp", registration("resp", [](auto& c) { c.response_interceptor = true; }));
    resp->on(plugin_methods::response_intercept_after, [](const cpa::response_intercept_request&) {
        return cpa::response_intercept_response{};
    });
    auto exec = routed_executor(d);
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        // The error is the first thing the stream carries.
        exec->services->stream_close({r.stream_id, "upstream failed"});
        return cpa::executor_stream_response{.headers = {{"X-Upstream", {"1"}}}};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"streamer", 0}, {"resp", 0}}));
    pipeline p(host);
    auto prov = std::make_shared<stream_provider>();
    prov->fail_status = 502;
    p.add_provider(prov);
    int delivered = 0;

    // A start error: the executor's status.
    const auto start = p.execute_stream(stream_request(), [&](std::string_view) { ++delivered; });
    BOOST_TEST(start.status == 502);
    BOOST_TEST(prov->calls.load() == 1);

    // An error as the first chunk (executor route): no header-init call either. This host's
    // bridge errors carry no status (6.6), so the request fails with 500.
    host.apply_config(d.config({{"streamer", 0}, {"resp", 0}, {"router", 10}, {"exec", 0}}));
    const auto first = p.execute_stream(stream_request(), [&](std::string_view) { ++delivered; });
    BOOST_TEST(first.status == 500);
    BOOST_TEST(first.error == "upstream failed");
    BOOST_TEST(header(first.headers, "X-Upstream").empty()); // an error reply, not the stream's
    BOOST_TEST(exec->calls(method_id::executor_execute_stream) == 1);

    BOOST_TEST(delivered == 0);
    BOOST_TEST(streamer.all().empty());
    BOOST_TEST(resp->calls(method_id::response_intercept_after) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stream_bridge)

BOOST_AUTO_TEST_CASE(STR_09_abort_discards_buffered_chunks) {
    for (const bool graceful_close_pending : {false, true}) {
        fake_directory d;
        auto exec = d.add("exec", async_executor("exec"));
        std::string stream_id;
        exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
            stream_id = r.stream_id;
            return cpa::executor_stream_response{};
        });
        plugin_host host(d.options());
        host.apply_config(d.config({{"exec", 0}}));
        auto reader = host.execute_stream("exec", {});
        auto services = exec->services;
        for (int i = 0; i < 16; ++i) {
            services->stream_emit({stream_id, cpa::bytes("c" + std::to_string(i)), {}});
        }
        std::future<std::string> blocked;
        if (graceful_close_pending) {
            services->stream_close({stream_id, {}});
        } else {
            blocked = std::async(std::launch::async, [&] {
                try {
                    services->stream_emit({stream_id, cpa::bytes("c16"), {}});
                    return std::string("accepted");
                } catch (const cpa::host_error& e) {
                    return std::string(e.what());
                }
            });
        }
        reader->abort(); // the cleanup path: the consumer is gone
        BOOST_TEST(!reader->next().has_value(), "pending close " << graceful_close_pending);
        if (blocked.valid()) {
            BOOST_TEST_REQUIRE((blocked.wait_for(10s) == std::future_status::ready));
            BOOST_TEST(blocked.get() == "stream " + stream_id + " is not open");
        }
        BOOST_CHECK_THROW(services->stream_emit({stream_id, cpa::bytes("late"), {}}),
                          cpa::host_error);
    }
}

BOOST_AUTO_TEST_CASE(STR_10_an_async_stream_stays_open_until_close) {
    fake_directory d;
    auto exec = d.add("exec", async_executor("exec"));
    std::string stream_id;
    std::string callback_id;
    exec->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        stream_id = r.stream_id;
        callback_id = r.host_callback_id;
        return cpa::executor_stream_response{.headers = {{"X-Async", {"1"}}}};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"exec", 0}}));
    auto services = exec->services;
    {
        auto reader = host.execute_stream("exec", {});
        BOOST_TEST(!callback_id.empty());
        BOOST_TEST(header(reader->headers(), "X-Async") == strings{"1"});
        // The call has returned; the stream is still open for emits.
        services->stream_emit({stream_id, cpa::bytes("a"), {}});
        services->stream_emit({stream_id, cpa::bytes("b"), {}});
        auto c = reader->next();
        BOOST_TEST_REQUIRE(c.has_value());
        BOOST_TEST(text(c->payload) == "a");
        services->stream_close({stream_id, {}});
        BOOST_CHECK_THROW(services->stream_emit({stream_id, cpa::bytes("late"), {}}),
                          cpa::host_error);
        c = reader->next(); // buffered before the close: still delivered
        BOOST_TEST_REQUIRE(c.has_value());
        BOOST_TEST(text(c->payload) == "b");
        BOOST_TEST(!reader->next().has_value());
    }
    {
        // Cancelled with a chunk pending: the stream closes and the chunk is dropped.
        auto reader = host.execute_stream("exec", {});
        services->stream_emit({stream_id, cpa::bytes("pending"), {}});
        reader->abort();
        BOOST_CHECK_THROW(services->stream_emit({stream_id, cpa::bytes("late"), {}}),
                          cpa::host_error);
        BOOST_TEST(!reader->next().has_value());
    }
    // Observed here through the stream slot (emits accepted until close or cancellation); the
    // callback scope named by `host_callback_id` is not looked at directly.
}

BOOST_AUTO_TEST_SUITE_END()
