// usage-logger loaded through the raw dlopen harness: every answer, and every host.log request the
// plugin sends, compared whole.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using cpa_test::plugin_harness;
using cpa_test::recorded_call;
using reply = plugin_harness::reply;

constexpr const char* usage_handle = CLIPROXY_METHOD_USAGE_HANDLE;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":3,"metadata":{"Name":"usage-logger",)"
    R"("Version":"1.0.0","Author":"cpa-sdk samples",)"
    R"("GitHubRepository":"https://example.invalid/cpa-sdk","Logo":"",)"
    R"("ConfigFields":[{"Name":"level","Type":"enum",)"
    R"("EnumValues":["trace","debug","info","warn","error"],)"
    R"("Description":"Log level of the usage lines (default info)."}]},)"
    R"("capabilities":{"model_registrar":false,"model_provider":false,"auth_provider":false,)"
    R"("frontend_auth_provider":false,"frontend_auth_provider_exclusive":false,)"
    R"("scheduler":false,"model_router":false,"executor":false,"executor_model_scope":"",)"
    R"("request_translator":false,"request_normalizer":false,"request_interceptor":false,)"
    R"("request_lifecycle_plugin":false,"response_translator":false,)"
    R"("response_before_translator":false,"response_after_translator":false,)"
    R"("response_interceptor":false,"response_stream_interceptor":false,)"
    R"("thinking_applier":false,"usage_plugin":true,"command_line_plugin":false,)"
    R"("management_api":false}}})";

/// The answer of every successful usage.handle.
const std::string handled = R"({"ok":true,"result":{}})";

/// The parts of a usage record the plugin reads.
struct record {
    std::string provider = "codex";
    std::string model = "gpt-5";
    std::string auth_id;
    std::int64_t input = 10;
    std::int64_t output = 20;
    std::int64_t total = 30;
    std::int64_t latency_ns = 1500000000;
    bool failed = false;
    std::int64_t status = 0;
};

std::string str(std::int64_t v) {
    return std::to_string(v);
}

/// A whole `usage.handle` request (Go `UsageRecord`), as the host sends it.
std::string usage_request(const record& r) {
    return R"({"Provider":")" + r.provider + R"(","ExecutorType":"","Model":")" + r.model +
           R"(","Alias":"","APIKey":"","AuthID":")" + r.auth_id +
           R"(","AuthIndex":"","AuthType":"","Source":"","ReasoningEffort":"","ServiceTier":"",)"
           R"("Generate":true,"RequestedAt":"2026-01-02T03:04:05Z","Latency":)" +
           str(r.latency_ns) + R"(,"TTFT":300000000,"Failed":)" + (r.failed ? "true" : "false") +
           R"(,"Failure":{"StatusCode":)" + str(r.status) + R"(,"Body":")" +
           (r.failed ? "upstream failed" : "") + R"("},"Detail":{"InputTokens":)" + str(r.input) +
           R"(,"OutputTokens":)" + str(r.output) +
           R"(,"ReasoningTokens":7,"CachedTokens":3,"CacheReadTokens":2,"CacheCreationTokens":1,)"
           R"("TotalTokens":)" +
           str(r.total) + R"(},"ResponseHeaders":{"X-Request-Id":["abc"]}})";
}

/// The `host.log` request the plugin sends for `r`, running totals as written. The fields are a
/// JSON object, written like Go writes a map: keys sorted.
std::string log_line(const record& r, std::string_view level, std::int64_t total,
                     std::int64_t latency_ms, std::string_view requests_total,
                     std::string_view tokens_total) {
    return R"({"level":")" + std::string(level) + R"(","message":"usage","fields":{"auth_id":")" +
           r.auth_id + R"(","failed":)" + (r.failed ? "true" : "false") + R"(,"input_tokens":)" +
           str(r.input) + R"(,"latency_ms":)" + str(latency_ms) + R"(,"model":")" + r.model +
           R"(","output_tokens":)" + str(r.output) + R"(,"provider":")" + r.provider +
           R"(","requests_total":)" + std::string(requests_total) + R"(,"status_code":)" +
           str(r.status) + R"(,"tokens_total":)" + std::string(tokens_total) +
           R"(,"total_tokens":)" + str(total) + "}}";
}

/// The `host.log` request the plugin sends for `r`. `total` is the token count it logs (the
/// record's TotalTokens, or input + output when that is 0); the two running totals are given.
std::string log_request(const record& r, std::string_view level, std::int64_t total,
                        std::int64_t latency_ms, std::int64_t requests_total,
                        std::int64_t tokens_total) {
    return log_line(r, level, total, latency_ms, str(requests_total), str(tokens_total));
}

/// Replaces the integer after `"key":` in `line` with "#" and returns it (-1 when absent).
std::int64_t take_number(std::string& line, std::string_view key) {
    const std::string tag = "\"" + std::string(key) + "\":";
    const auto at = line.find(tag);
    if (at == std::string::npos) {
        return -1;
    }
    const std::size_t from = at + tag.size();
    std::size_t to = from;
    while (to < line.size() && line[to] >= '0' && line[to] <= '9') {
        ++to;
    }
    if (to == from) {
        return -1;
    }
    const std::int64_t value = std::stoll(line.substr(from, to - from));
    line.replace(from, to - from, "#");
    return value;
}

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

/// The requests of every host callback so far, which must all be host.log.
std::vector<std::string> logged(const plugin_harness& h) {
    std::vector<std::string> out;
    for (const recorded_call& c : h.host_calls()) {
        BOOST_TEST(c.method == CLIPROXY_HOST_LOG);
        out.push_back(c.request);
    }
    return out;
}

struct logger {
    plugin_harness h{cpa_test::sample_path("usage-logger")};
};

/// Registered with the default settings (level info).
struct logger_default : logger {
    logger_default() { BOOST_TEST_REQUIRE(h.register_plugin("").json == registration); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registration_and_configuration)

BOOST_FIXTURE_TEST_CASE(register_answers_the_full_registration, logger) {
    check_reply(h.register_plugin(""), 0, registration);
    check_reply(h.register_plugin("enabled: true\npriority: 3\nlevel: debug\n"), 0, registration);
    // The plugin's own schema version (3), whatever the host speaks.
    check_reply(h.register_plugin("level: warn\n", 2), 0, registration);
    BOOST_TEST(h.host_calls().empty()); // registering logs nothing
}

BOOST_FIXTURE_TEST_CASE(reconfigure_answers_the_full_registration, logger_default) {
    check_reply(h.reconfigure("level: error\n"), 0, registration);
    check_reply(h.reconfigure("level: trace\n"), 0, registration);
    check_reply(h.reconfigure(""), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_changes_the_log_level_at_run_time, logger_default) {
    // Each line is sent at the level of the configuration as of its call; the running totals go
    // on across reconfigurations.
    const record r;
    struct step {
        std::string yaml;
        std::string level;
    };
    const std::vector<step> steps = {
        {"", "info"},
        {"level: trace\n", "trace"},
        {"level: debug\n", "debug"},
        {"level: info\n", "info"},
        {"level: warn\n", "warn"},
        {"level: error\n", "error"},
        // Anything unrecognised, case included, is info.
        {"level: warning\n", "info"},
        {"level: WARN\n", "info"},
        {"level: ''\n", "info"},
        {"level: verbose\n", "info"},
        {"level:\n", "info"},
        {"enabled: true\n", "info"},
        {"level: error\n", "error"},
    };
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        BOOST_TEST_CONTEXT("settings " << steps[i].yaml) {
            check_reply(h.reconfigure(steps[i].yaml), 0, registration);
            check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
            const auto n = static_cast<std::int64_t>(i) + 1;
            expected.push_back(log_request(r, steps[i].level, 30, 1500, n, 30 * n));
            BOOST_TEST(logged(h) == expected, boost::test_tools::per_element());
        }
    }
}

BOOST_FIXTURE_TEST_CASE(a_level_of_the_wrong_type_fails_the_call, logger) {
    // The sample has no configure(): the level is read, and refused, during the call.
    BOOST_TEST_REQUIRE(h.register_plugin("level: 5\n").json == registration);
    const record r;
    check_reply(h.call(usage_handle, usage_request(r)), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"usage.handle: config )"
                R"(key \"level\": expected a string, got an integer"}})");
    check_reply(h.reconfigure("level: [info]\n"), 0, registration);
    check_reply(h.call(usage_handle, usage_request(r)), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"usage.handle: config )"
                R"(key \"level\": expected a string, got a sequence"}})");
    BOOST_TEST(h.host_calls().empty()); // nothing was logged
    // The totals are counted before the level is read: the two refused records are in them.
    check_reply(h.reconfigure("level: warn\n"), 0, registration);
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    BOOST_TEST(logged(h) == std::vector<std::string>{log_request(r, "warn", 30, 1500, 3, 90)},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(invalid_yaml_is_refused_and_keeps_the_previous_configuration, logger) {
    BOOST_TEST_REQUIRE(h.register_plugin("level: error\n").json == registration);
    check_reply(h.reconfigure("level: [\n"), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"config_yaml line 2, )"
                R"(column 1: did not find expected node content"}})");
    check_reply(h.reconfigure("- level\n"), 0,
                R"({"ok":false,"error":{"code":"invalid_config","message":"config_yaml: the )"
                R"(configuration must be a mapping, got a sequence"}})");
    const record r;
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    BOOST_TEST(logged(h) == std::vector<std::string>{log_request(r, "error", 30, 1500, 1, 30)},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(register_request_errors, logger) {
    check_reply(
        h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":5})"), 0,
        R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
        R"(register_request: field config_yaml: expected a base64 string, got a number"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.reconfigure: )"
                R"(register_request: invalid JSON at offset 1: syntax error"}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(usage)

BOOST_FIXTURE_TEST_CASE(the_contract_example_record, logger_default) {
    // cpa-wire-examples.txt, "usage.handle request", byte for byte.
    const std::string example = R"({
  "Provider": "codex",
  "ExecutorType": "",
  "Model": "gpt-5",
  "Alias": "",
  "APIKey": "",
  "AuthID": "",
  "AuthIndex": "",
  "AuthType": "",
  "Source": "",
  "ReasoningEffort": "",
  "ServiceTier": "",
  "Generate": true,
  "RequestedAt": "2026-01-02T03:04:05Z",
  "Latency": 1500000000,
  "TTFT": 300000000,
  "Failed": false,
  "Failure": {
    "StatusCode": 0,
    "Body": ""
  },
  "Detail": {
    "InputTokens": 10,
    "OutputTokens": 20,
    "ReasoningTokens": 0,
    "CachedTokens": 0,
    "CacheReadTokens": 0,
    "CacheCreationTokens": 0,
    "TotalTokens": 30
  },
  "ResponseHeaders": null
})";
    check_reply(h.call(usage_handle, example), 0, handled);
    const auto calls = h.host_calls();
    BOOST_TEST_REQUIRE(calls.size() == 1U);
    BOOST_TEST(calls[0].method == CLIPROXY_HOST_LOG);
    // No host_callback_id: usage.handle carries none.
    BOOST_TEST(calls[0].request ==
               R"({"level":"info","message":"usage","fields":{"auth_id":"","failed":false,)"
               R"("input_tokens":10,"latency_ms":1500,"model":"gpt-5","output_tokens":20,)"
               R"("provider":"codex","requests_total":1,"status_code":0,"tokens_total":30,)"
               R"("total_tokens":30}})");
}

BOOST_FIXTURE_TEST_CASE(each_record_logs_one_line_with_running_totals, logger_default) {
    record a;
    a.auth_id = "codex-1.json";
    record b;
    b.provider = "claude";
    b.model = "claude-sonnet";
    b.auth_id = "claude-2.json";
    b.input = 1200;
    b.output = 345;
    b.total = 1600; // the record's own total wins over input + output
    b.latency_ns = 2999999;
    record c; // no total: input + output
    c.provider = "gemini";
    c.model = "gemini-2.5-pro";
    c.input = 7;
    c.output = 5;
    c.total = 0;
    c.latency_ns = 999999; // under a millisecond
    record d;              // a failed request without tokens
    d.model = "gpt-5-mini";
    d.input = 0;
    d.output = 0;
    d.total = 0;
    d.latency_ns = 42000000;
    d.failed = true;
    d.status = 429;

    std::vector<std::string> expected;
    check_reply(h.call(usage_handle, usage_request(a)), 0, handled);
    expected.push_back(log_request(a, "info", 30, 1500, 1, 30));
    check_reply(h.call(usage_handle, usage_request(b)), 0, handled);
    expected.push_back(log_request(b, "info", 1600, 2, 2, 1630));
    check_reply(h.call(usage_handle, usage_request(c)), 0, handled);
    expected.push_back(log_request(c, "info", 12, 0, 3, 1642));
    check_reply(h.call(usage_handle, usage_request(d)), 0, handled);
    expected.push_back(log_request(d, "info", 0, 42, 4, 1642));
    BOOST_TEST(logged(h) == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(strings_in_the_fields_are_escaped, logger_default) {
    record r;
    r.provider = R"(a\"b)";        // a"b on the wire
    r.model = R"(m\u00e9<x>&\n)";  // mé<x>& and a newline
    r.auth_id = R"(\ud83d\ude00)"; // an emoji as a surrogate pair
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    BOOST_TEST(logged(h) ==
                   std::vector<std::string>{
                       R"({"level":"info","message":"usage","fields":{)"
                       "\"auth_id\":\"\xF0\x9F\x98\x80\",\"failed\":false,\"input_tokens\":10,"
                       "\"latency_ms\":1500,\"model\":\"m\xC3\xA9\\u003cx\\u003e\\u0026\\n\","
                       R"("output_tokens":20,"provider":"a\"b","requests_total":1,)"
                       R"("status_code":0,"tokens_total":30,"total_tokens":30}})"},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(an_empty_record_logs_zeros, logger_default) {
    const std::string zeros =
        R"({"level":"info","message":"usage","fields":{"auth_id":"","failed":false,)"
        R"("input_tokens":0,"latency_ms":0,"model":"","output_tokens":0,"provider":"",)"
        R"("requests_total":)";
    check_reply(h.call(usage_handle, ""), 0, handled);
    check_reply(h.call(usage_handle, "{}"), 0, handled);
    check_reply(h.call(usage_handle, R"({"Detail":null,"Failure":null,"Latency":null})"), 0,
                handled);
    BOOST_TEST(logged(h) ==
                   (std::vector<std::string>{
                       zeros + R"(1,"status_code":0,"tokens_total":0,"total_tokens":0}})",
                       zeros + R"(2,"status_code":0,"tokens_total":0,"total_tokens":0}})",
                       zeros + R"(3,"status_code":0,"tokens_total":0,"total_tokens":0}})"}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_failed_host_log_does_not_fail_the_call, logger_default) {
    h.answer_host_method(CLIPROXY_HOST_LOG, [](std::string_view) -> std::string {
        throw std::runtime_error("log sink is full");
    });
    const record r;
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    // The host got (and refused) both lines.
    BOOST_TEST(logged(h) == (std::vector<std::string>{log_request(r, "info", 30, 1500, 1, 30),
                                                      log_request(r, "info", 30, 1500, 2, 60)}),
               boost::test_tools::per_element());

    // A host answer that is no valid host.log answer is ignored the same way.
    h.answer_host_method(CLIPROXY_HOST_LOG, [](std::string_view) { return std::string("[1]"); });
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);

    // Once the host logs again the totals include the lines it lost.
    h.answer_host_method(CLIPROXY_HOST_LOG, [](std::string_view) { return std::string("{}"); });
    h.clear_host_calls();
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    BOOST_TEST(logged(h) == std::vector<std::string>{log_request(r, "info", 30, 1500, 4, 120)},
               boost::test_tools::per_element());
    BOOST_TEST(plugin_harness::outstanding_host_buffers() == 0U);
}

BOOST_FIXTURE_TEST_CASE(a_host_log_may_call_the_plugin_again, logger_default) {
    // While the host handles the first line it delivers another record on the same thread.
    record outer;
    outer.model = "outer";
    record inner;
    inner.model = "inner";
    inner.total = 5;
    std::atomic<int> depth{0};
    std::string nested;
    h.answer_host_method(CLIPROXY_HOST_LOG, [&](std::string_view) {
        if (depth.fetch_add(1) == 0) {
            nested = h.call(usage_handle, usage_request(inner)).json;
        }
        return std::string("{}");
    });
    check_reply(h.call(usage_handle, usage_request(outer)), 0, handled);
    BOOST_TEST(nested == handled);
    BOOST_TEST(logged(h) == (std::vector<std::string>{log_request(outer, "info", 30, 1500, 1, 30),
                                                      log_request(inner, "info", 5, 1500, 2, 35)}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(request_fields_of_the_wrong_type_are_named, logger_default) {
    const auto error = [](std::string_view what) {
        return R"({"ok":false,"error":{"code":"invalid_request","message":"usage.handle: )"
               R"(usage_record: )" +
               std::string(what) + R"("}})";
    };
    check_reply(h.call(usage_handle, R"({"Provider":5})"), 0,
                error("field Provider: expected a string, got a number"));
    check_reply(h.call(usage_handle, R"({"Latency":"1.5s"})"), 0,
                error("field Latency: expected an integer, got a string"));
    check_reply(h.call(usage_handle, R"({"Latency":1.5})"), 0,
                error("field Latency: expected an integer, got a number with a fraction, an "
                      "exponent or out of 64-bit range"));
    check_reply(h.call(usage_handle, R"({"Failed":"false"})"), 0,
                error("field Failed: expected a boolean, got a string"));
    check_reply(h.call(usage_handle, R"({"Failure":{"Body":5}})"), 0,
                error("field Failure.Body: expected a string, got a number"));
    check_reply(h.call(usage_handle, R"({"Detail":{"TotalTokens":"30"}})"), 0,
                error("field Detail.TotalTokens: expected an integer, got a string"));
    check_reply(h.call(usage_handle, R"({"Detail":[]})"), 0,
                error("field Detail: expected an object, got an array"));
    check_reply(h.call(usage_handle, R"({"RequestedAt":""})"), 0,
                error(R"(field RequestedAt: invalid RFC 3339 time \"\": empty time)"));
    check_reply(
        h.call(usage_handle, R"({"RequestedAt":"2026-01-02T03:04:05"})"), 0,
        error(R"(field RequestedAt: invalid RFC 3339 time \"2026-01-02T03:04:05\": missing )"
              R"(time zone)"));
    check_reply(h.call(usage_handle, R"({"ResponseHeaders":{"A":"b"}})"), 0,
                error("field ResponseHeaders.A: expected an array, got a string"));
    check_reply(h.call(usage_handle, "[]"), 0, error("expected an object, got an array"));
    check_reply(h.call(usage_handle, "{not json"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"usage.handle: )"
                R"(usage_record: invalid JSON at offset 1: syntax error"}})");
    // A refused record is neither logged nor counted.
    BOOST_TEST(h.host_calls().empty());
    const record r;
    check_reply(h.call(usage_handle, usage_request(r)), 0, handled);
    BOOST_TEST(logged(h) == std::vector<std::string>{log_request(r, "info", 30, 1500, 1, 30)},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(methods_of_other_capabilities_are_unknown, logger_default) {
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method request.complete"}})");
    check_reply(h.call(CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method response.intercept_stream_chunk"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_SHUTDOWN, "{}"), 0,
                R"({"ok":false,"error":{"code":"unknown_method","message":)"
                R"("unknown method plugin.shutdown"}})");
    check_reply(h.call(nullptr, ""), 1,
                R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})");
    BOOST_TEST(h.host_calls().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threads)

BOOST_FIXTURE_TEST_CASE(eight_threads_handle_usage_concurrently, logger) {
    BOOST_TEST_REQUIRE(h.register_plugin("level: warn\n").json == registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 150;
    constexpr int calls = threads * calls_per_thread;
    std::atomic<int> right{0}; // Boost.Test assertions are not thread-safe: count instead
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < calls_per_thread; ++i) {
                    record r;
                    r.model = "model-" + std::to_string(t);
                    r.auth_id = "call-" + std::to_string(i);
                    r.input = t + 1;
                    r.output = i;
                    r.total = 0;
                    const reply got = h.call(usage_handle, usage_request(r));
                    if (got.rc == 0 && got.json == handled) {
                        right.fetch_add(1);
                    } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                        first_wrong[static_cast<std::size_t>(t)] =
                            "rc " + std::to_string(got.rc) + " " + got.json;
                    }
                }
            });
        }
    }
    BOOST_TEST(right.load() == calls);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }

    // One line per record: everything but the running totals is exact; the request totals are
    // 1..calls, each once; the token totals are distinct and end at the sum of all tokens.
    const std::vector<std::string> lines = logged(h);
    BOOST_TEST_REQUIRE(lines.size() == std::size_t{calls});
    std::int64_t token_sum = 0;
    std::multiset<std::string> expected_lines;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < calls_per_thread; ++i) {
            record r;
            r.model = "model-" + std::to_string(t);
            r.auth_id = "call-" + std::to_string(i);
            r.input = t + 1;
            r.output = i;
            r.total = 0;
            expected_lines.insert(log_line(r, "warn", t + 1 + i, 1500, "#", "#"));
            token_sum += t + 1 + i;
        }
    }
    std::multiset<std::string> seen_lines;
    std::set<std::int64_t> requests_totals;
    std::set<std::int64_t> tokens_totals;
    for (std::string line : lines) {
        requests_totals.insert(take_number(line, "requests_total"));
        tokens_totals.insert(take_number(line, "tokens_total"));
        seen_lines.insert(line);
    }
    BOOST_TEST((seen_lines == expected_lines));
    BOOST_TEST(requests_totals.size() == std::size_t{calls});
    BOOST_TEST(*requests_totals.begin() == 1);
    BOOST_TEST(*requests_totals.rbegin() == calls);
    BOOST_TEST(tokens_totals.size() == std::size_t{calls}); // every record has tokens
    BOOST_TEST(*tokens_totals.begin() > 0);
    BOOST_TEST(*tokens_totals.rbegin() == token_sum);

    // A record after the storm sees the final totals.
    h.clear_host_calls();
    const record last;
    check_reply(h.call(usage_handle, usage_request(last)), 0, handled);
    BOOST_TEST(logged(h) == std::vector<std::string>{log_request(last, "warn", 30, 1500, calls + 1,
                                                                 token_sum + 30)},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_during_concurrent_calls, logger) {
    // Every line is sent at one of the two configured levels, never anything else.
    BOOST_TEST_REQUIRE(h.register_plugin("level: debug\n").json == registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 100;
    std::atomic<int> right{0};
    std::atomic<int> reconfigured{0};
    std::atomic<bool> done{false};
    {
        std::jthread flipper([&] {
            for (int i = 0; !done.load(); ++i) {
                const reply r = h.reconfigure(i % 2 == 0 ? "level: error\n" : "level: debug\n");
                reconfigured.fetch_add(r.rc == 0 && r.json == registration ? 1 : -1000000);
            }
        });
        {
            std::vector<std::jthread> pool;
            for (int t = 0; t < threads; ++t) {
                pool.emplace_back([&] {
                    for (int i = 0; i < calls_per_thread; ++i) {
                        const reply got = h.call(usage_handle, usage_request(record{}));
                        right.fetch_add(got.rc == 0 && got.json == handled ? 1 : 0);
                    }
                });
            }
        }
        done.store(true);
    }
    BOOST_TEST(right.load() == threads * calls_per_thread);
    BOOST_TEST(reconfigured.load() > 0);
    const std::vector<std::string> lines = logged(h);
    BOOST_TEST_REQUIRE(lines.size() == std::size_t{threads * calls_per_thread});
    const std::string debug_line = log_line(record{}, "debug", 30, 1500, "#", "#");
    const std::string error_line = log_line(record{}, "error", 30, 1500, "#", "#");
    const auto at_a_level = std::count_if(lines.begin(), lines.end(), [&](std::string l) {
        return take_number(l, "requests_total") > 0 && take_number(l, "tokens_total") > 0 &&
               (l == debug_line || l == error_line);
    });
    BOOST_TEST(at_a_level == threads * calls_per_thread);
}

BOOST_AUTO_TEST_SUITE_END()
