// echo-executor loaded through the raw dlopen harness: every answer compared whole.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cpa_test::b64;
using cpa_test::plugin_harness;
using reply = plugin_harness::reply;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":3,"metadata":{"Name":"echo-executor",)"
    R"("Version":"1.0.0","Author":"cpa-sdk samples",)"
    R"("GitHubRepository":"https://example.invalid/cpa-sdk","Logo":"",)"
    R"("ConfigFields":[{"Name":"stream_mode","Type":"enum","EnumValues":["async","inline"],)"
    R"("Description":"How streams are delivered."}]},)"
    R"("capabilities":{"model_registrar":false,"model_provider":false,"auth_provider":false,)"
    R"("frontend_auth_provider":false,"frontend_auth_provider_exclusive":false,)"
    R"("scheduler":false,"model_router":false,"executor":true,"executor_model_scope":"both",)"
    R"("executor_input_formats":["openai"],"executor_output_formats":["openai"],)"
    R"("request_translator":false,"request_normalizer":false,"request_interceptor":false,)"
    R"("request_lifecycle_plugin":false,"response_translator":false,)"
    R"("response_before_translator":false,"response_after_translator":false,)"
    R"("response_interceptor":false,"response_stream_interceptor":false,)"
    R"("thinking_applier":false,"usage_plugin":false,"command_line_plugin":false,)"
    R"("management_api":false}}})";

const std::string stream_headers = R"({"Content-Type":["text/event-stream"]})";

/// An OpenAI chat request whose last message says `content`.
std::string chat(std::string_view content) {
    return R"({"model":"m","messages":[{"role":"user","content":")" + std::string(content) +
           R"("}]})";
}

/// An executor_request body; `extra` is appended inside the object (e.g. a stream_id).
std::string exec_request(std::string_view model, std::string_view content,
                         std::string_view extra = {}) {
    std::string out = R"({"Model":")" + std::string(model) + R"(","Payload":")" +
                      b64(chat(content)) + R"(","host_callback_id":"7")";
    if (!extra.empty()) {
        out += ",";
        out += extra;
    }
    return out + "}";
}

/// What `execute` answers for `model` and the last message `content`.
std::string completion(std::string_view model, std::string_view content) {
    return R"({"id":"echo-1","object":"chat.completion","model":")" + std::string(model) +
           R"(","choices":[{"index":0,"message":{"role":"assistant","content":")" +
           std::string(content) + R"("},"finish_reason":"stop"}]})";
}

std::string execute_answer(std::string_view model, std::string_view content) {
    return R"({"ok":true,"result":{"Payload":")" + b64(completion(model, content)) +
           R"(","Headers":{"Content-Type":["application/json"]},"Metadata":null}})";
}

/// One stream chunk: the word and a space.
std::string chunk(std::string_view word) {
    return R"({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" +
           std::string(word) + R"( "}}]})";
}

std::string inline_answer(const std::vector<std::string>& words) {
    std::string out = R"({"ok":true,"result":{"headers":)" + stream_headers + R"(,"chunks":[)";
    for (std::size_t i = 0; i < words.size(); ++i) {
        out += (i == 0 ? "" : ",");
        out += R"({"Payload":")" + b64(chunk(words[i])) + R"(","Err":null})";
    }
    return out + "]}}";
}

const std::string async_answer =
    R"({"ok":true,"result":{"headers":)" + stream_headers + R"(,"chunks":null}})";

std::vector<std::string> chunks_of(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (const auto& w : words) {
        out.push_back(chunk(w));
    }
    return out;
}

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

struct echo {
    plugin_harness h{cpa_test::sample_path("echo-executor")};
};

struct echo_async : echo {
    echo_async() {
        BOOST_TEST_REQUIRE(h.register_plugin("stream_mode: async\n").json == registration);
    }
};

struct echo_inline : echo {
    echo_inline() {
        BOOST_TEST_REQUIRE(h.register_plugin("stream_mode: inline\n").json == registration);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registration_and_configuration)

BOOST_FIXTURE_TEST_CASE(register_answers_the_full_registration, echo) {
    check_reply(h.register_plugin("enabled: true\npriority: 1\nstream_mode: async\n"), 0,
                registration);
    // The plugin's own schema version, whatever the host speaks.
    check_reply(h.register_plugin("stream_mode: inline\n", 1), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_answers_the_full_registration, echo_async) {
    check_reply(h.reconfigure("stream_mode: inline\n"), 0, registration);
    check_reply(h.reconfigure(""), 0, registration);
}

BOOST_FIXTURE_TEST_CASE(reconfigure_switches_stream_modes, echo_async) {
    const std::string s1 = exec_request("m", "one two", R"("stream_id":"s1")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s1), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("s1"); }, 5s));
    BOOST_TEST(h.emitted("s1") == chunks_of({"one", "two"}));

    check_reply(h.reconfigure("stream_mode: inline\n"), 0, registration);
    const std::string s2 = exec_request("m", "one two", R"("stream_id":"s2")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s2), 0,
                inline_answer({"one", "two"}));
    BOOST_TEST(h.host_calls(CLIPROXY_HOST_STREAM_EMIT).size() == 2U); // only those of s1

    check_reply(h.reconfigure("stream_mode: async\n"), 0, registration);
    const std::string s3 = exec_request("m", "three", R"("stream_id":"s3")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s3), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("s3"); }, 5s));
    BOOST_TEST(h.emitted("s3") == chunks_of({"three"}));

    // Without a setting the default is async.
    check_reply(h.reconfigure(""), 0, registration);
    const std::string s4 = exec_request("m", "four", R"("stream_id":"s4")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s4), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("s4"); }, 5s));
}

BOOST_FIXTURE_TEST_CASE(invalid_yaml_is_refused_and_keeps_the_previous_configuration, echo_inline) {
    check_reply(h.reconfigure("stream_mode: [\n"), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"config_yaml line 2, )"
                R"(column 1: did not find expected node content"}})");
    const std::string s = exec_request("m", "still inline", R"("stream_id":"s")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0,
                inline_answer({"still", "inline"}));
}

BOOST_FIXTURE_TEST_CASE(register_request_errors, echo) {
    check_reply(
        h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":5})"), 0,
        R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
        R"(register_request: field config_yaml: expected a base64 string, got a number"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.reconfigure: )"
                R"(register_request: invalid JSON at offset 1: syntax error"}})");
}

BOOST_AUTO_TEST_CASE(a_second_init_of_the_loaded_library_is_refused) {
    plugin_harness first(cpa_test::sample_path("echo-executor"));
    try {
        plugin_harness second(cpa_test::sample_path("echo-executor"));
        BOOST_FAIL("a second init succeeded");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "plugin_harness: " + cpa_test::sample_path("echo-executor") +
                       ": cliproxy_plugin_init returned 4");
    }
    check_reply(first.register_plugin(""), 0, registration);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(methods)

BOOST_FIXTURE_TEST_CASE(execute_echoes_the_last_message, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, exec_request("gpt-x", "hello big world")),
                0, execute_answer("gpt-x", "hello big world"));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(execute_request_errors, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"executor.execute: )"
                R"(executor_request: invalid JSON at offset 1: syntax error"}})");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, R"({"Model":5})"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"executor.execute: )"
                R"(executor_request: field Model: expected a string, got a number"}})");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, R"({"Payload":"aGk"})"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"executor.execute: )"
                R"(executor_request: field Payload: invalid base64 at offset 3: missing base64 )"
                R"(padding"}})");
}

BOOST_FIXTURE_TEST_CASE(execute_with_an_empty_body_reads_it_as_an_empty_object, echo_async) {
    const reply empty = h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, "");
    check_reply(empty, 0, execute_answer("", ""));
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, "{}"), 0, empty.json);
}

BOOST_FIXTURE_TEST_CASE(execute_with_a_payload_that_is_not_a_chat_request, echo_async) {
    // Whatever the payload holds, a request without a readable last message echoes "".
    for (const std::string payload : {"not json", "[1]", "null", R"({"messages":5})",
                                      R"({"messages":[1]})", R"({"messages":[{"content":5}]})"}) {
        check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE,
                           R"({"Model":"m","Payload":")" + b64(payload) + R"("})"),
                    0, execute_answer("m", ""));
    }
}

BOOST_FIXTURE_TEST_CASE(count_tokens_counts_words, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS, exec_request("m", R"(a b  c\td)")), 0,
                R"({"ok":true,"result":{"Payload":")" + b64(R"({"input_tokens":4})") +
                    R"(","Headers":null,"Metadata":null}})");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS, ""), 0,
                R"({"ok":true,"result":{"Payload":")" + b64(R"({"input_tokens":0})") +
                    R"(","Headers":null,"Metadata":null}})");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS, R"({"Payload":true})"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":)"
                R"("executor.count_tokens: executor_request: field Payload: expected a base64 )"
                R"(string, got a boolean"}})");
}

BOOST_FIXTURE_TEST_CASE(identifier, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, "{}"), 0,
                R"({"ok":true,"result":{"identifier":"echo"}})");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, ""), 0,
                R"({"ok":true,"result":{"identifier":"echo"}})");
}

BOOST_FIXTURE_TEST_CASE(http_request_is_not_implemented, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("executor.http_request is not implemented by plugin echo-executor"}})");
}

BOOST_FIXTURE_TEST_CASE(methods_of_other_capabilities_are_unknown, echo_async) {
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method model.route"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_SHUTDOWN, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method plugin.shutdown"}})");
    check_reply(h.call("", "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":"unknown method "}})");
    check_reply(h.call(nullptr, ""), 1,
                R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})");
}

BOOST_FIXTURE_TEST_CASE(eight_threads_execute_concurrently, echo_async) {
    constexpr int threads = 8;
    constexpr int calls_per_thread = 200;
    std::atomic<int> right{0};
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                const std::string model = "model-" + std::to_string(t);
                for (int i = 0; i < calls_per_thread; ++i) {
                    const std::string content =
                        "thread " + std::to_string(t) + " call " + std::to_string(i);
                    const reply r =
                        h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, exec_request(model, content));
                    if (r.rc == 0 && r.json == execute_answer(model, content)) {
                        right.fetch_add(1);
                    } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                        first_wrong[static_cast<std::size_t>(t)] =
                            content + " -> rc " + std::to_string(r.rc) + " " + r.json;
                    }
                }
            });
        }
    }
    BOOST_TEST(right.load() == threads * calls_per_thread);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }
    BOOST_TEST(h.host_calls().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(streams)

BOOST_FIXTURE_TEST_CASE(inline_mode_answers_every_chunk, echo_inline) {
    const std::string s = exec_request("m", "hello big world", R"("stream_id":"s1")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0,
                inline_answer({"hello", "big", "world"}));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(inline_mode_without_chunks_closes_the_stream_before_answering,
                        echo_inline) {
    const std::string s = exec_request("m", "   ", R"("stream_id":"s0")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0, async_answer);
    const auto calls = h.host_calls();
    BOOST_TEST_REQUIRE(calls.size() == 1U);
    BOOST_TEST(calls[0].method == CLIPROXY_HOST_STREAM_CLOSE);
    BOOST_TEST(calls[0].request == R"({"stream_id":"s0"})");
}

BOOST_FIXTURE_TEST_CASE(a_host_callback_may_call_the_plugin_again, echo_inline) {
    // The empty inline stream is closed from inside the call; the host answers that callback
    // only after calling the plugin again on the same thread (re-entrancy).
    std::string nested;
    h.answer_host_method(CLIPROXY_HOST_STREAM_CLOSE, [&](std::string_view) {
        nested =
            h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE, exec_request("inner", "nested call")).json;
        return std::string("{}");
    });
    const std::string s = exec_request("m", "", R"("stream_id":"s0")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0, async_answer);
    BOOST_TEST(nested == execute_answer("inner", "nested call"));
}

BOOST_FIXTURE_TEST_CASE(async_mode_emits_each_word_then_closes, echo_async) {
    const std::string s = exec_request("m", "hello big world", R"("stream_id":"s1")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("s1"); }, 5s));
    BOOST_TEST(h.emitted("s1") == chunks_of({"hello", "big", "world"}));
    BOOST_TEST(h.close_error("s1") == "");
    const auto calls = h.host_calls();
    BOOST_TEST_REQUIRE(calls.size() == 4U);
    const std::vector<std::string> words = {"hello", "big", "world"};
    for (std::size_t i = 0; i < words.size(); ++i) {
        BOOST_TEST(calls[i].method == CLIPROXY_HOST_STREAM_EMIT);
        BOOST_TEST(calls[i].request ==
                   R"({"stream_id":"s1","payload":")" + b64(chunk(words[i])) + R"("})");
    }
    BOOST_TEST(calls[3].method == CLIPROXY_HOST_STREAM_CLOSE);
    BOOST_TEST(calls[3].request == R"({"stream_id":"s1"})");
}

BOOST_FIXTURE_TEST_CASE(a_failed_emit_ends_the_stream_with_the_error, echo_async) {
    h.answer_host_method(CLIPROXY_HOST_STREAM_EMIT, [](std::string_view) -> std::string {
        throw std::runtime_error("client went away");
    });
    const std::string s = exec_request("m", "hello big world", R"("stream_id":"s1")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("s1"); }, 5s));
    BOOST_TEST(h.emitted("s1").size() == 1U); // recorded, then refused
    BOOST_TEST(h.close_error("s1") == "host.stream.emit: client went away");
}

BOOST_FIXTURE_TEST_CASE(eight_threads_open_async_streams, echo_async) {
    constexpr int threads = 8;
    constexpr int streams_per_thread = 20;
    std::atomic<int> answered{0}; // Boost.Test assertions are not thread-safe: count instead
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < streams_per_thread; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    const reply r = h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
                                           exec_request("m", "stream " + id + " ends",
                                                        R"("stream_id":")" + id + R"(")"));
                    answered.fetch_add(r.rc == 0 && r.json == async_answer ? 1 : 0);
                }
            });
        }
    }
    BOOST_TEST(answered.load() == threads * streams_per_thread);
    const auto all_closed = [&] {
        for (int t = 0; t < threads; ++t) {
            for (int i = 0; i < streams_per_thread; ++i) {
                if (!h.closed(std::to_string(t) + "-" + std::to_string(i))) {
                    return false;
                }
            }
        }
        return true;
    };
    BOOST_TEST_REQUIRE(h.wait_for(all_closed, 10s));
    int exact = 0;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < streams_per_thread; ++i) {
            const std::string id = std::to_string(t) + "-" + std::to_string(i);
            exact += h.emitted(id) == chunks_of({"stream", id, "ends"}) && h.close_error(id).empty()
                         ? 1
                         : 0;
        }
    }
    BOOST_TEST(exact == threads * streams_per_thread);
    BOOST_TEST(h.host_calls().size() == std::size_t{threads * streams_per_thread * 4});
}

BOOST_FIXTURE_TEST_CASE(shutdown_stops_a_producing_stream_and_joins_it, echo_async) {
    // A slow host makes the producer still be emitting when shutdown comes.
    h.answer_host_method(CLIPROXY_HOST_STREAM_EMIT, [](std::string_view) {
        std::this_thread::sleep_for(2ms);
        return std::string("{}");
    });
    std::string text;
    constexpr int word_count = 2000;
    for (int i = 0; i < word_count; ++i) {
        text += (i == 0 ? "w" : " w") + std::to_string(i);
    }
    const std::string s = exec_request("m", text, R"("stream_id":"long")");
    check_reply(h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, s), 0, async_answer);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.emitted("long").size() >= 5; }, 5s));

    h.shutdown();
    const std::size_t calls_at_shutdown = h.host_calls().size();
    const auto emitted = h.emitted("long");
    BOOST_TEST(emitted.size() < std::size_t{word_count});
    for (std::size_t i = 0; i < emitted.size(); ++i) {
        BOOST_TEST(emitted[i] == chunk("w" + std::to_string(i)));
    }
    // The producer saw the stop request and returned; the SDK closed the stream before shutdown
    // returned.
    BOOST_TEST(h.closed("long"));
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(h.host_calls().size() == calls_at_shutdown);
    BOOST_CHECK_THROW(h.call(CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, "{}"), std::logic_error);
}

BOOST_AUTO_TEST_SUITE_END()
