// stream-rewriter loaded through the raw dlopen harness: every answer compared whole.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using cpa_test::b64;
using cpa_test::plugin_harness;
using reply = plugin_harness::reply;

constexpr const char* intercept = CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":3,"metadata":{"Name":"stream-rewriter",)"
    R"("Version":"1.0.0","Author":"cpa-sdk samples",)"
    R"("GitHubRepository":"https://example.invalid/cpa-sdk","Logo":"",)"
    R"("ConfigFields":[{"Name":"replace","Type":"object","EnumValues":null,)"
    R"("Description":"Strings to replace in streamed text, from -\u003e to (default {colour: color})."}]},)"
    R"("capabilities":{"model_registrar":false,"model_provider":false,"auth_provider":false,)"
    R"("frontend_auth_provider":false,"frontend_auth_provider_exclusive":false,)"
    R"("scheduler":false,"model_router":false,"executor":false,"executor_model_scope":"",)"
    R"("request_translator":false,"request_normalizer":false,"request_interceptor":false,)"
    R"("request_lifecycle_plugin":false,"response_translator":false,)"
    R"("response_before_translator":false,"response_after_translator":false,)"
    R"("response_interceptor":false,"response_stream_interceptor":true,)"
    R"("thinking_applier":false,"usage_plugin":false,"command_line_plugin":false,)"
    R"("management_api":false}}})";

// The answers of response.intercept_stream_chunk.
const std::string unchanged =
    R"({"ok":true,"result":{"Headers":null,"Body":null,"ClearHeaders":null,"DropChunk":false}})";
const std::string dropped =
    R"({"ok":true,"result":{"Headers":null,"Body":null,"ClearHeaders":null,"DropChunk":true}})";

/// The answer that replaces the chunk with `body`.
std::string rewritten(std::string_view body) {
    return R"({"ok":true,"result":{"Headers":null,"Body":")" + b64(body) +
           R"(","ClearHeaders":null,"DropChunk":false}})";
}

/// An OpenAI stream chunk whose one choice's delta says `content` (raw JSON string content).
std::string delta(std::string_view content) {
    return R"({"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-5",)"
           R"("choices":[{"index":0,"delta":{"content":")" +
           std::string(content) + R"("},"finish_reason":null}]})";
}

/// A payload call of a schema-3 plugin (OriginalRequest and RequestBody null), `index` >= 0.
std::string payload_call(std::int64_t index, std::string_view body) {
    return R"({"RequestID":"req-1","SourceFormat":"openai","Model":"gpt-5",)"
           R"("RequestedModel":"gpt-5","RequestHeaders":{"Accept":["text/event-stream"]},)"
           R"("ResponseHeaders":{"Content-Type":["text/event-stream"]},)"
           R"("OriginalRequest":null,"RequestBody":null,"Body":")" +
           b64(body) + R"(","HistoryChunks":null,"ChunkIndex":)" + std::to_string(index) +
           R"(,"Metadata":{"requested_model":"gpt-5"},"host_callback_id":"31"})";
}

/// The header-init call (ChunkIndex -1): request bodies present, Body null.
const std::string header_init_call =
    R"({"RequestID":"req-1","SourceFormat":"openai","Model":"gpt-5","RequestedModel":"gpt-5",)"
    R"("RequestHeaders":{"Accept":["text/event-stream"]},)"
    R"("ResponseHeaders":{"Content-Type":["text/event-stream"]},)"
    R"("OriginalRequest":"eyJtb2RlbCI6ImdwdC01In0=","RequestBody":"eyJtb2RlbCI6ImdwdC01In0=",)"
    R"("Body":null,"HistoryChunks":null,"ChunkIndex":-1,)"
    R"("Metadata":{"requested_model":"gpt-5"},"host_callback_id":"30"})";

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

/// Sends `body` as chunk 0 and checks the whole answer.
void check_chunk(plugin_harness& h, std::string_view body, const std::string& answer) {
    BOOST_TEST_CONTEXT("chunk " << body) {
        check_reply(h.call(intercept, payload_call(0, body)), 0, answer);
    }
}

struct rewriter {
    plugin_harness h{cpa_test::sample_path("stream-rewriter")};
};

/// Registered with the default settings (colour -> color).
struct rewriter_default : rewriter {
    rewriter_default() { BOOST_TEST_REQUIRE(h.register_plugin("").json == registration); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registration_and_configuration)

BOOST_FIXTURE_TEST_CASE(register_answers_the_full_registration, rewriter) {
    check_reply(h.register_plugin(""), 0, registration);
    check_reply(h.register_plugin("enabled: true\npriority: 5\nreplace:\n  a: b\n"), 0,
                registration);
    // The plugin's own schema version (3), whatever the host speaks.
    check_reply(h.register_plugin("replace: {x: y}\n", 1), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_answers_the_full_registration, rewriter_default) {
    check_reply(h.reconfigure("replace:\n  colour: COLOUR\n"), 0, registration);
    check_reply(h.reconfigure("replace: {}\n"), 0, registration);
    check_reply(h.reconfigure(""), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_changes_the_rewrites_at_run_time, rewriter_default) {
    const std::string chunk = delta("the colour of the sea");
    check_chunk(h, chunk, rewritten(delta("the color of the sea")));

    check_reply(h.reconfigure("replace:\n  sea: sky\n  the: a\n"), 0, registration);
    check_chunk(h, chunk, rewritten(delta("a colour of a sky")));

    // An empty mapping: no rules, every chunk passes unchanged (keep-alives are still dropped).
    check_reply(h.reconfigure("replace: {}\n"), 0, registration);
    check_chunk(h, chunk, unchanged);
    check_chunk(h, R"({"object":"keepalive"})", dropped);

    // A null value is the same as no setting: the default rule again.
    check_reply(h.reconfigure("replace:\n"), 0, registration);
    check_chunk(h, chunk, rewritten(delta("the color of the sea")));

    check_reply(h.reconfigure("replace: {colour: ''}\n"), 0, registration);
    check_chunk(h, chunk, rewritten(delta("the  of the sea")));

    check_reply(h.reconfigure(""), 0, registration);
    check_chunk(h, chunk, rewritten(delta("the color of the sea")));
}

BOOST_FIXTURE_TEST_CASE(rules_apply_in_document_order, rewriter) {
    BOOST_TEST_REQUIRE(h.register_plugin("replace:\n  a: b\n  b: c\n").json == registration);
    check_chunk(h, delta("ab"), rewritten(delta("cc")));
    check_reply(h.reconfigure("replace:\n  b: c\n  a: b\n"), 0, registration);
    check_chunk(h, delta("ab"), rewritten(delta("bc")));
    // A replacement that contains what it replaces is not rewritten again.
    check_reply(h.reconfigure("replace:\n  a: aa\n"), 0, registration);
    check_chunk(h, delta("aaa"), rewritten(delta("aaaaaa")));
    // An empty "from" is ignored; the other rules still apply.
    check_reply(h.reconfigure("replace:\n  '': x\n  b: B\n"), 0, registration);
    check_chunk(h, delta("abc"), rewritten(delta("aBc")));
    check_chunk(h, delta("ac"), unchanged);
}

BOOST_FIXTURE_TEST_CASE(invalid_yaml_is_refused_and_keeps_the_previous_configuration, rewriter) {
    BOOST_TEST_REQUIRE(h.register_plugin("replace: {cat: dog}\n").json == registration);
    check_reply(h.reconfigure("replace: [\n"), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"config_yaml line 2, )"
                R"(column 1: did not find expected node content"}})");
    check_chunk(h, delta("cat colour"), rewritten(delta("dog colour")));
}

BOOST_FIXTURE_TEST_CASE(settings_of_the_wrong_shape_fail_each_chunk_call, rewriter) {
    // The sample has no configure(): settings are read, and refused, during the call. The host
    // then skips this interceptor for the chunk (contract 4.21).
    BOOST_TEST_REQUIRE(h.register_plugin("replace: [colour, color]\n").json == registration);
    const std::string not_a_mapping =
        R"({"ok":false,"error":{"code":"invalid_config","message":)"
        R"("response.intercept_stream_chunk: config key \"replace\": expected a mapping of )"
        R"(from -\u003e to"}})";
    check_chunk(h, delta("colour"), not_a_mapping);
    check_chunk(h, R"({"object":"keepalive"})", not_a_mapping);
    // Chunks decided before the settings are read still get their answer.
    check_chunk(h, ": keep-alive", dropped);
    check_chunk(h, "[DONE]", unchanged);

    check_reply(h.reconfigure("replace:\n  colour: 5\n"), 0, registration);
    check_chunk(h, delta("colour"),
                R"({"ok":false,"error":{"code":"invalid_config","message":)"
                R"("response.intercept_stream_chunk: config key \"replace\": values must be )"
                R"(strings"}})");
    check_reply(h.reconfigure("replace: colour\n"), 0, registration);
    check_chunk(h, delta("colour"), not_a_mapping);

    check_reply(h.reconfigure("replace: {colour: colr}\n"), 0, registration);
    check_chunk(h, delta("colour"), rewritten(delta("colr")));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(register_request_errors, rewriter) {
    check_reply(
        h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":5})"), 0,
        R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
        R"(register_request: field config_yaml: expected a base64 string, got a number"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.reconfigure: )"
                R"(register_request: invalid JSON at offset 1: syntax error"}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chunks)

BOOST_FIXTURE_TEST_CASE(the_contract_example_chunk, rewriter) {
    // Section 8.6 of the contract: {"choices":[{"delta":{"content":"Hel"}}]} rewritten to "HEL".
    const std::string spec_call =
        R"({"RequestID":"6f1c2d9e-4b0a-4c55-9d0e-3f2a1b7c8d90","SourceFormat":"openai",)"
        R"("Model":"gpt-5","RequestedModel":"gpt-5",)"
        R"("RequestHeaders":{"Accept":["text/event-stream"],"Content-Type":["application/json"]},)"
        R"("ResponseHeaders":{"Content-Type":["text/event-stream"],"X-Plugin-Seen":["1"]},)"
        R"("OriginalRequest":null,"RequestBody":null,)"
        R"("Body":"eyJjaG9pY2VzIjpbeyJkZWx0YSI6eyJjb250ZW50IjoiSGVsIn19XX0=",)"
        R"("HistoryChunks":null,"ChunkIndex":0,"Metadata":{"requested_model":"gpt-5"},)"
        R"("host_callback_id":"31"})";
    BOOST_TEST_REQUIRE(h.register_plugin("").json == registration);
    check_reply(h.call(intercept, spec_call), 0, unchanged);
    check_reply(h.reconfigure("replace: {Hel: HEL}\n"), 0, registration);
    check_reply(h.call(intercept, spec_call), 0,
                R"({"ok":true,"result":{"Headers":null,)"
                R"("Body":"eyJjaG9pY2VzIjpbeyJkZWx0YSI6eyJjb250ZW50IjoiSEVMIn19XX0=",)"
                R"("ClearHeaders":null,"DropChunk":false}})");
}

BOOST_FIXTURE_TEST_CASE(text_in_delta_content_is_rewritten, rewriter_default) {
    check_chunk(h, delta("colour"), rewritten(delta("color")));
    check_chunk(h, delta("colour, colours and multicolour"),
                rewritten(delta("color, colors and multicolor")));
    // Case-sensitive.
    check_chunk(h, delta("Colour COLOUR"), unchanged);
    // Every choice, and only delta.content.
    check_chunk(h,
                R"({"choices":[{"index":0,"delta":{"content":"colour one"}},)"
                R"({"index":1,"delta":{"content":"two colour"}},)"
                R"({"index":2,"delta":{"content":"three"}}]})",
                rewritten(R"({"choices":[{"index":0,"delta":{"content":"color one"}},)"
                          R"({"index":1,"delta":{"content":"two color"}},)"
                          R"({"index":2,"delta":{"content":"three"}}]})"));
    check_chunk(h,
                R"({"colour":"colour","choices":[{"message":{"content":"colour"},)"
                R"("delta":{"role":"colour","content":"colour"}}]})",
                rewritten(R"({"colour":"colour","choices":[{"message":{"content":"colour"},)"
                          R"("delta":{"role":"colour","content":"color"}}]})"));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(a_rewritten_chunk_is_serialised_compactly, rewriter_default) {
    // The rewritten chunk is re-serialised: whitespace goes, escapes are normalised (non-ASCII as
    // UTF-8), key order and integers are kept.
    check_chunk(h,
                "{ \"id\" : \"x\",\n  \"choices\" : [ { \"delta\" : { \"content\" : "
                "\"colour \\u00e9\\/\\\"q\\\"\" } } ] }\n",
                rewritten("{\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":"
                          "\"color \xC3\xA9/\\\"q\\\"\"}}]}"));
    // Text the rule creates across an escape is matched on the decoded text.
    check_chunk(h, delta(R"(col\u006fur)"), rewritten(delta("color")));
    // Numbers with a fraction or an exponent are re-spelled by Boost.JSON (equal values, other
    // bytes); integers are kept as written.
    check_chunk(h,
                R"({"p":1.5,"q":-0.25,"r":100,"s":1e2,"choices":[{"delta":{"content":"colour"}}]})",
                rewritten(R"({"p":1.5E0,"q":-2.5E-1,"r":100,"s":1E2,)"
                          R"("choices":[{"delta":{"content":"color"}}]})"));
}

BOOST_FIXTURE_TEST_CASE(chunks_without_matching_text_pass_unchanged, rewriter_default) {
    for (const std::string& body : {
             delta("no match here"),
             std::string(R"({"choices":[{"index":0,"delta":{"role":"assistant"}}]})"),
             std::string(R"({"choices":[{"delta":{"content":null}}]})"),
             std::string(R"({"choices":[{"delta":{"content":5}}]})"),
             std::string(R"({"choices":[{"delta":"colour"}]})"),
             std::string(R"({"choices":["colour"]})"),
             std::string(R"({"choices":{"delta":{"content":"colour"}}})"),
             std::string(R"({"choices":[],"usage":{"total_tokens":3}})"),
             std::string("{}"),
             std::string("[DONE]"),
             std::string(R"(["colour"])"),
             std::string(R"("colour")"),
             std::string("data: {\"choices\":[{\"delta\":{\"content\":\"colour\"}}]}\n\n"),
             std::string(R"({"choices":[{"delta":{"content":"colour"}}])"), // truncated JSON
             std::string(R"({"object":"keepalive2"})"),
             std::string(R"({"object":"KeepAlive"})"),
         }) {
        check_chunk(h, body, unchanged);
    }
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(keep_alive_chunks_are_dropped, rewriter_default) {
    for (const std::string& body : {
             std::string(""),
             std::string(" "),
             std::string(" \t\r\n"),
             std::string(": keep-alive"),
             std::string(":"),
             std::string("\r\n: ping\n\n"),
             std::string(R"({"object":"keepalive"})"),
             std::string(R"( {"object" : "keepalive", "choices" : []} )"),
             std::string(R"({"object":"keepalive","choices":[{"delta":{}}]})"),
             std::string(R"({"object":"keepalive","choices":[{"delta":{"content":5}}]})"),
         }) {
        check_chunk(h, body, dropped);
    }
    // A null Body is an empty chunk too.
    std::string null_body = payload_call(3, "");
    null_body.replace(null_body.find(R"("Body":"")"), 9, R"("Body":null)");
    check_reply(h.call(intercept, null_body), 0, dropped);
}

BOOST_FIXTURE_TEST_CASE(a_keep_alive_object_with_content_is_kept, rewriter_default) {
    check_chunk(h, R"({"object":"keepalive","choices":[{"delta":{"content":"plain"}}]})",
                unchanged);
    check_chunk(h, R"({"object":"keepalive","choices":[{"delta":{"content":"colour"}}]})",
                rewritten(R"({"object":"keepalive","choices":[{"delta":{"content":"color"}}]})"));
    check_chunk(h, R"({"object":"keepalive","choices":[{"delta":{"content":""}}]})", unchanged);
}

BOOST_FIXTURE_TEST_CASE(the_header_init_call_changes_nothing, rewriter_default) {
    check_reply(h.call(intercept, header_init_call), 0, unchanged);
    // Even with a body that would be rewritten or dropped at a payload index.
    std::string with_body = header_init_call;
    with_body.replace(with_body.find(R"("Body":null)"), 11,
                      R"("Body":")" + b64(delta("colour")) + R"(")");
    check_reply(h.call(intercept, with_body), 0, unchanged);
    // Another negative index is a payload call: a missing body is a blank chunk.
    std::string minus_two = header_init_call;
    minus_two.replace(minus_two.find(R"("ChunkIndex":-1)"), 15, R"("ChunkIndex":-2)");
    check_reply(h.call(intercept, minus_two), 0, dropped);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(the_rest_of_the_request_does_not_matter, rewriter_default) {
    // Schema < 3 requests (bodies on every chunk), history, other indexes, other formats.
    const std::string full =
        R"({"RequestID":"r","SourceFormat":"claude","Model":"m","RequestedModel":"alias",)"
        R"("RequestHeaders":null,"ResponseHeaders":null,)"
        R"("OriginalRequest":"eyJtb2RlbCI6ImdwdC01In0=","RequestBody":"eyJ9",)"
        R"("Body":")" +
        b64(delta("colour")) + R"(","HistoryChunks":[")" + b64(delta("colour")) +
        R"(","e30="],)"
        R"("ChunkIndex":41,"Metadata":{"a":[1,{"b":null}]}})";
    check_reply(h.call(intercept, full), 0, rewritten(delta("color")));
    // Only Body and ChunkIndex are needed.
    check_reply(h.call(intercept, R"({"Body":")" + b64(delta("colour")) + R"("})"), 0,
                rewritten(delta("color")));
    // An empty request is {}: chunk 0 with no body, a blank chunk.
    check_reply(h.call(intercept, ""), 0, dropped);
    check_reply(h.call(intercept, "{}"), 0, dropped);
}

BOOST_FIXTURE_TEST_CASE(request_fields_of_the_wrong_type_are_named, rewriter_default) {
    const auto error = [](std::string_view what) {
        return R"({"ok":false,"error":{"code":"invalid_request","message":)"
               R"("response.intercept_stream_chunk: stream_chunk_intercept_request: )" +
               std::string(what) + R"("}})";
    };
    check_reply(h.call(intercept, R"({"ChunkIndex":"0"})"), 0,
                error("field ChunkIndex: expected an integer, got a string"));
    check_reply(h.call(intercept, R"({"ChunkIndex":1.5})"), 0,
                error("field ChunkIndex: expected an integer, got a number with a fraction, an "
                      "exponent or out of 64-bit range"));
    check_reply(h.call(intercept, R"({"Body":5})"), 0,
                error("field Body: expected a base64 string, got a number"));
    check_reply(h.call(intercept, R"({"Body":"aGk"})"), 0,
                error("field Body: invalid base64 at offset 3: missing base64 padding"));
    check_reply(h.call(intercept, R"({"RequestID":["r"]})"), 0,
                error("field RequestID: expected a string, got an array"));
    check_reply(h.call(intercept, R"({"ResponseHeaders":{"A":"b"}})"), 0,
                error("field ResponseHeaders.A: expected an array, got a string"));
    check_reply(h.call(intercept, R"({"HistoryChunks":[5]})"), 0,
                error("field HistoryChunks[0]: expected a base64 string, got a number"));
    check_reply(h.call(intercept, R"({"HistoryChunks":"e30="})"), 0,
                error("field HistoryChunks: expected an array, got a string"));
    check_reply(h.call(intercept, R"({"Metadata":[]})"), 0,
                error("field Metadata: expected an object, got an array"));
    check_reply(h.call(intercept, "[]"), 0, error("expected an object, got an array"));
    check_reply(h.call(intercept, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":)"
                R"("response.intercept_stream_chunk: stream_chunk_intercept_request: invalid )"
                R"(JSON at offset 1: syntax error"}})");
}

BOOST_FIXTURE_TEST_CASE(methods_of_other_capabilities_are_unknown, rewriter_default) {
    // Only the stream chunk interceptor: no response interceptor for non-streaming answers.
    check_reply(h.call(CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER,
                       R"({"Body":")" + b64(delta("colour")) + R"("})"),
                0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method response.intercept_after"}})");
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method request.intercept_before"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_SHUTDOWN, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method plugin.shutdown"}})");
    check_reply(h.call(nullptr, ""), 1,
                R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads)

BOOST_FIXTURE_TEST_CASE(eight_threads_intercept_concurrently, rewriter) {
    BOOST_TEST_REQUIRE(h.register_plugin("replace:\n  colour: color\n  grey: gray\n").json ==
                       registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 300;
    std::atomic<int> right{0}; // Boost.Test assertions are not thread-safe: count instead
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < calls_per_thread; ++i) {
                    const std::string id = std::to_string(t) + "/" + std::to_string(i);
                    std::string body;
                    std::string expected;
                    switch (i % 4) {
                    case 0:
                        body = delta("grey colour " + id);
                        expected = rewritten(delta("gray color " + id));
                        break;
                    case 1:
                        body = delta("plain " + id);
                        expected = unchanged;
                        break;
                    case 2:
                        body = (t % 2 == 0) ? ": keep-alive" : R"({"object":"keepalive"})";
                        expected = dropped;
                        break;
                    default:
                        body = "[DONE]";
                        expected = unchanged;
                        break;
                    }
                    const reply r = h.call(intercept, payload_call(i, body));
                    if (r.rc == 0 && r.json == expected) {
                        right.fetch_add(1);
                    } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                        first_wrong[static_cast<std::size_t>(t)] =
                            body + " -> rc " + std::to_string(r.rc) + " " + r.json;
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

BOOST_FIXTURE_TEST_CASE(reconfigure_during_concurrent_calls_never_mixes_settings, rewriter) {
    // Each call sees one configuration whole: both rules of the old one or both of the new one.
    const std::string old_settings = "replace:\n  colour: color\n  grey: gray\n";
    const std::string new_settings = "replace:\n  colour: COLOR\n  grey: GRAY\n";
    BOOST_TEST_REQUIRE(h.register_plugin(old_settings).json == registration);
    const std::string body = delta("grey colour");
    const std::string old_answer = rewritten(delta("gray color"));
    const std::string new_answer = rewritten(delta("GRAY COLOR"));
    constexpr int threads = 8;
    constexpr int calls_per_thread = 300;
    std::atomic<int> right{0};
    std::atomic<int> reconfigured{0};
    std::atomic<bool> done{false};
    std::vector<std::string> first_wrong(threads);
    {
        std::jthread flipper([&] {
            for (int i = 0; !done.load(); ++i) {
                const reply r = h.reconfigure(i % 2 == 0 ? new_settings : old_settings);
                reconfigured.fetch_add(r.rc == 0 && r.json == registration ? 1 : -1000000);
            }
        });
        {
            std::vector<std::jthread> pool;
            for (int t = 0; t < threads; ++t) {
                pool.emplace_back([&, t] {
                    for (int i = 0; i < calls_per_thread; ++i) {
                        const reply r = h.call(intercept, payload_call(i, body));
                        if (r.rc == 0 && (r.json == old_answer || r.json == new_answer)) {
                            right.fetch_add(1);
                        } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                            first_wrong[static_cast<std::size_t>(t)] =
                                "rc " + std::to_string(r.rc) + " " + r.json;
                        }
                    }
                });
            }
        }
        done.store(true);
    }
    BOOST_TEST(right.load() == threads * calls_per_thread);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }
    BOOST_TEST(reconfigured.load() > 0);
    check_reply(h.reconfigure(new_settings), 0, registration);
    check_chunk(h, body, new_answer);
}

BOOST_AUTO_TEST_SUITE_END()
