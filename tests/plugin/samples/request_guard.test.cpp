// request-guard loaded through the raw dlopen harness: every answer and every host.log call
// compared whole, and the per-model in-flight counting checked under concurrency.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using cpa_test::b64;
using cpa_test::plugin_harness;
using cpa_test::recorded_call;
using reply = plugin_harness::reply;
using strings = std::vector<std::string>;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":3,"metadata":{"Name":"request-guard",)"
    R"("Version":"1.0.0","Author":"cpa-sdk samples",)"
    R"("GitHubRepository":"https://example.invalid/cpa-sdk","Logo":"",)"
    R"("ConfigFields":[{"Name":"limits","Type":"object","EnumValues":null,)"
    R"("Description":"Most requests in flight per model name."},)"
    R"({"Name":"default_limit","Type":"integer","EnumValues":null,)"
    R"("Description":"Limit of models not in limits; 0 means unlimited."}]},)"
    R"("capabilities":{"model_registrar":false,"model_provider":false,"auth_provider":false,)"
    R"("frontend_auth_provider":false,"frontend_auth_provider_exclusive":false,)"
    R"("scheduler":false,"model_router":false,"executor":false,"executor_model_scope":"",)"
    R"("request_translator":false,"request_normalizer":false,"request_interceptor":true,)"
    R"("request_lifecycle_plugin":true,"response_translator":false,)"
    R"("response_before_translator":false,"response_after_translator":false,)"
    R"("response_interceptor":false,"response_stream_interceptor":false,)"
    R"("thinking_applier":false,"usage_plugin":false,"command_line_plugin":false,)"
    R"("management_api":false}}})";

/// A request.intercept_before (or _after) request as the host sends it.
std::string intercept(std::string_view id, std::string_view model,
                      std::string_view requested_model = {}, std::string_view callback_id = "21") {
    std::string out =
        R"({"RequestID":")" + std::string(id) +
        R"(","TraceID":"a1b2c3d4","SourceFormat":"openai","ToFormat":"","Model":")" +
        std::string(model) + R"(","RequestedModel":")" + std::string(requested_model) +
        R"(","Stream":false,"Headers":{"Authorization":["Bearer sk-client"]},"Body":")" +
        b64(R"({"model":")" + std::string(model) + R"(","messages":[]})") +
        R"(","Metadata":{"request_path":"/v1/chat/completions"})";
    if (!callback_id.empty()) {
        out += R"(,"host_callback_id":")" + std::string(callback_id) + R"(")";
    }
    return out + "}";
}

/// A request.complete request as the host sends it.
std::string completion(std::string_view id, std::string_view model, std::string_view outcome,
                       int status, std::string_view requested_model = {},
                       std::string_view callback_id = "22") {
    std::string out = R"({"RequestID":")" + std::string(id) +
                      R"(","TraceID":"","SourceFormat":"openai","Model":")" + std::string(model) +
                      R"(","RequestedModel":")" + std::string(requested_model) +
                      R"(","Stream":false,"Outcome":")" + std::string(outcome) +
                      R"(","StatusCode":)" + std::to_string(status) +
                      R"(,"Error":"","StartedAt":"2026-01-02T03:04:05.123456789+08:00",)"
                      R"("CompletedAt":"2026-01-02T03:04:06Z","Metadata":null)";
    if (!callback_id.empty()) {
        out += R"(,"host_callback_id":")" + std::string(callback_id) + R"(")";
    }
    return out + "}";
}

/// The answer of a request that may go on: the guard's header, nothing else changed.
const std::string pass =
    R"({"ok":true,"result":{"Headers":{"X-Request-Guard":["checked"]},"Body":null,)"
    R"("ClearHeaders":null,"Terminate":false,"StatusCode":0,"ResponseHeaders":null,)"
    R"("ResponseBody":null}})";

/// The client body of a rejected request.
std::string rejection_body(std::int64_t limit, std::string_view model) {
    return R"({"error":{"type":"rate_limited","message":"more than )" + std::to_string(limit) +
           " requests in flight for model " + std::string(model) + R"("}})";
}

/// The answer of a request over its model's limit: 429 to the client, no executor.
std::string rejected(std::int64_t limit, std::string_view model) {
    return R"({"ok":true,"result":{"Headers":{"X-Request-Guard":["checked"]},"Body":null,)"
           R"("ClearHeaders":null,"Terminate":true,"StatusCode":429,)"
           R"("ResponseHeaders":{"Content-Type":["application/json"],"Retry-After":["1"]},)"
           R"("ResponseBody":")" +
           b64(rejection_body(limit, model)) + R"("}})";
}

/// The answer of a method the guard does not change anything in.
const std::string no_change =
    R"({"ok":true,"result":{"Headers":null,"Body":null,"ClearHeaders":null,"Terminate":false,)"
    R"("StatusCode":0,"ResponseHeaders":null,"ResponseBody":null}})";

const std::string completed = R"({"ok":true,"result":{}})";

/// The host.log request of one completion.
std::string completion_log(std::string_view id, std::string_view model, std::string_view outcome,
                           int status, std::string_view callback_id = "22") {
    std::string out = "{";
    if (!callback_id.empty()) {
        out += R"("host_callback_id":")" + std::string(callback_id) + R"(",)";
    }
    return out + R"("level":"info","message":"request complete","fields":{"model":")" +
           std::string(model) + R"(","outcome":")" + std::string(outcome) + R"(","request_id":")" +
           std::string(id) + R"(","status_code":)" + std::to_string(status) + "}}";
}

std::string error_answer(std::string_view code, std::string_view message) {
    return R"({"ok":false,"error":{"code":")" + std::string(code) + R"(","message":")" +
           std::string(message) + R"("}})";
}

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

/// The requests of the recorded host calls, which must all be host.log calls.
strings logs(const plugin_harness& h) {
    strings out;
    for (const recorded_call& c : h.host_calls()) {
        BOOST_TEST(c.method == CLIPROXY_HOST_LOG);
        out.push_back(c.request);
    }
    return out;
}

struct guard {
    plugin_harness h{cpa_test::sample_path("request-guard")};

    reply before(std::string_view id, std::string_view model, std::string_view requested = {}) {
        return h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, intercept(id, model, requested));
    }
    reply complete(std::string_view id, std::string_view model,
                   std::string_view outcome = "succeeded", int status = 200) {
        return h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, completion(id, model, outcome, status));
    }
};

struct guard_unlimited : guard {
    guard_unlimited() { BOOST_TEST_REQUIRE(h.register_plugin("").json == registration); }
};

/// gpt-4o may have 2 requests in flight, other models are unlimited.
struct guard_gpt4o_2 : guard {
    guard_gpt4o_2() {
        BOOST_TEST_REQUIRE(h.register_plugin("limits:\n  gpt-4o: 2\n").json == registration);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registration_and_configuration)

BOOST_FIXTURE_TEST_CASE(register_answers_the_full_registration, guard) {
    check_reply(h.register_plugin(""), 0, registration);
    check_reply(h.register_plugin("enabled: true\npriority: 5\nlimits:\n  gpt-4o: 2\n"
                                  "  claude-sonnet-4-5: 1\ndefault_limit: 10\n"),
                0, registration);
    // The plugin's own schema version, whatever the host speaks.
    check_reply(h.register_plugin("default_limit: 3\n", 1), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_answers_the_full_registration, guard_gpt4o_2) {
    check_reply(h.reconfigure("limits: {gpt-4o: 1}\n"), 0, registration);
    check_reply(h.reconfigure("default_limit: 4\n"), 0, registration);
    check_reply(h.reconfigure(""), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(invalid_yaml_is_refused_and_keeps_the_previous_limits, guard) {
    check_reply(h.register_plugin("limits:\n  gpt-4o: 1\n"), 0, registration);
    check_reply(h.reconfigure("limits: {gpt-4o: 5\n"), 0,
                error_answer("invalid_config", "config_yaml line 2, column 1: did not find "
                                               "expected ',' or '}' (while parsing a flow "
                                               "mapping at line 1, column 9)"));
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, rejected(1, "gpt-4o"));
}

BOOST_FIXTURE_TEST_CASE(register_request_errors, guard) {
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":true})"), 0,
                error_answer("invalid_request", "plugin.register: register_request: field "
                                                "config_yaml: expected a base64 string, got a "
                                                "boolean"));
    // Bytes may also be an array of small integers, as Go reads them.
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":["bGltaXRzOiB7fQ=="]})"),
                0,
                error_answer("invalid_request", "plugin.register: register_request: field "
                                                "config_yaml[0]: expected an integer, got a "
                                                "string"));
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, R"({"schema_version":-1})"), 0,
                error_answer("invalid_request",
                             "plugin.reconfigure: register_request: field "
                             "schema_version: integer -1 out of range for a 32-bit "
                             "unsigned field"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(intercept_before)

BOOST_FIXTURE_TEST_CASE(the_spec_example_request_gets_the_guard_header, guard_unlimited) {
    // Section 8.5 of the wire contract, as the host sends it.
    const std::string request = R"({
  "RequestID": "6f1c2d9e-4b0a-4c55-9d0e-3f2a1b7c8d90",
  "TraceID": "a1b2c3d4",
  "SourceFormat": "openai",
  "ToFormat": "",
  "Model": "gpt-5",
  "RequestedModel": "gpt-5",
  "Stream": false,
  "Headers": {"Authorization": ["Bearer sk-client"], "Content-Type": ["application/json"]},
  "Body": "eyJtb2RlbCI6ImdwdC01IiwibWVzc2FnZXMiOlt7InJvbGUiOiJ1c2VyIiwiY29udGVudCI6ImhpIn1dfQ==",
  "Metadata": {"generate": true, "request_path": "/v1/chat/completions", "requested_model": "gpt-5", "service_tier": "auto"},
  "host_callback_id": "21"
})";
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, request), 0, pass);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(without_limits_every_request_passes, guard_unlimited) {
    for (int i = 0; i < 100; ++i) {
        check_reply(before("r" + std::to_string(i), "gpt-4o"), 0, pass);
    }
    // An empty request is read as {}: no request ID, no model.
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, ""), 0, pass);
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, "{}"), 0, pass);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(the_limit_terminates_with_429_once_exceeded, guard_gpt4o_2) {
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, pass);
    const reply third = before("r3", "gpt-4o");
    check_reply(third, 0, rejected(2, "gpt-4o"));
    // The client gets this body.
    BOOST_TEST(rejection_body(2, "gpt-4o") ==
               R"({"error":{"type":"rate_limited","message":"more than 2 requests in flight )"
               R"(for model gpt-4o"}})");
    // Rejected requests are not counted and keep being rejected while the limit is reached.
    check_reply(before("r4", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    check_reply(before("r5", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // Other models have their own count (here: none).
    check_reply(before("o1", "gpt-4o-mini"), 0, pass);
    check_reply(before("o2", "claude-sonnet-4-5"), 0, pass);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(completion_frees_the_slot, guard_gpt4o_2) {
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, pass);
    check_reply(before("r3", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    check_reply(complete("r1", "gpt-4o"), 0, completed);
    check_reply(before("r4", "gpt-4o"), 0, pass);
    check_reply(before("r5", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    check_reply(complete("r2", "gpt-4o", "failed", 502), 0, completed);
    check_reply(complete("r4", "gpt-4o", "canceled", 0), 0, completed);
    check_reply(before("r6", "gpt-4o"), 0, pass);
    check_reply(before("r7", "gpt-4o"), 0, pass);
    check_reply(before("r8", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    BOOST_TEST(logs(h) == (strings{completion_log("r1", "gpt-4o", "succeeded", 200),
                                   completion_log("r2", "gpt-4o", "failed", 502),
                                   completion_log("r4", "gpt-4o", "canceled", 0)}));
}

BOOST_FIXTURE_TEST_CASE(completing_a_rejected_or_unknown_request_frees_nothing, guard_gpt4o_2) {
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, pass);
    check_reply(before("r3", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // The host reports the request the guard terminated as rejected.
    check_reply(complete("r3", "gpt-4o", "rejected", 429), 0, completed);
    check_reply(before("r4", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // Requests never seen (another interceptor terminated them first) free nothing either.
    check_reply(complete("never-seen", "gpt-4o", "rejected", 403), 0, completed);
    check_reply(before("r5", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // A second completion of the same request frees nothing more.
    check_reply(complete("r1", "gpt-4o"), 0, completed);
    check_reply(complete("r1", "gpt-4o"), 0, completed);
    check_reply(before("r6", "gpt-4o"), 0, pass);
    check_reply(before("r7", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    BOOST_TEST(logs(h) == (strings{completion_log("r3", "gpt-4o", "rejected", 429),
                                   completion_log("never-seen", "gpt-4o", "rejected", 403),
                                   completion_log("r1", "gpt-4o", "succeeded", 200),
                                   completion_log("r1", "gpt-4o", "succeeded", 200)}));
}

BOOST_FIXTURE_TEST_CASE(the_requested_model_is_counted_before_the_model, guard) {
    check_reply(h.register_plugin("limits:\n  my-alias: 1\n  gpt-4o: 5\n"), 0, registration);
    // Counted under the client's requested model, whatever it resolved to.
    check_reply(before("a1", "gpt-4o", "my-alias"), 0, pass);
    check_reply(before("a2", "gpt-4o-2024-08-06", "my-alias"), 0, rejected(1, "my-alias"));
    // Without a requested model, under the model.
    check_reply(before("m1", "my-alias"), 0, rejected(1, "my-alias"));
    check_reply(before("m2", "gpt-4o"), 0, pass);
    // The completion releases the model it was counted under, whatever it names, and logs that.
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE,
                       completion("a1", "something-else", "succeeded", 200, "other-alias")),
                0, completed);
    check_reply(before("a3", "gpt-4o", "my-alias"), 0, pass);
    // An uncounted completion logs the requested model, else the model.
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE,
                       completion("x1", "resolved", "failed", 500, "requested")),
                0, completed);
    check_reply(
        h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, completion("x2", "resolved", "failed", 500)), 0,
        completed);
    BOOST_TEST(logs(h) == (strings{completion_log("a1", "my-alias", "succeeded", 200),
                                   completion_log("x1", "requested", "failed", 500),
                                   completion_log("x2", "resolved", "failed", 500)}));
}

BOOST_FIXTURE_TEST_CASE(default_limit_applies_to_models_without_an_entry, guard) {
    check_reply(
        h.register_plugin("default_limit: 1\nlimits:\n  gpt-4o: 2\n  free: 0\n  negative: -3\n"), 0,
        registration);
    check_reply(before("d1", "any-model"), 0, pass);
    check_reply(before("d2", "any-model"), 0, rejected(1, "any-model"));
    check_reply(before("d3", "other-model"), 0, pass); // counted per model
    check_reply(before("g1", "gpt-4o"), 0, pass);
    check_reply(before("g2", "gpt-4o"), 0, pass);
    check_reply(before("g3", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // An entry of 0 (or less) is unlimited, whatever the default.
    for (int i = 0; i < 5; ++i) {
        check_reply(before("f" + std::to_string(i), "free"), 0, pass);
        check_reply(before("n" + std::to_string(i), "negative"), 0, pass);
    }
    // Model names are matched exactly.
    check_reply(before("c1", "GPT-4O"), 0, pass);
    check_reply(before("c2", "GPT-4O"), 0, rejected(1, "GPT-4O"));
}

BOOST_FIXTURE_TEST_CASE(a_non_integer_limits_entry_falls_back_to_default_limit, guard) {
    // The sample reads `limits` itself and uses an entry only when it is an integer: an entry
    // written as a string, a float or a mapping, or a `limits` that is no mapping, silently means
    // default_limit (unlike default_limit itself, whose wrong types are errors; see below).
    check_reply(h.register_plugin("default_limit: 1\nlimits:\n  quoted: \"3\"\n  float: 3.0\n"
                                  "  word: three\n  map: {max: 3}\n"),
                0, registration);
    for (const std::string model : {"quoted", "float", "word", "map"}) {
        check_reply(before(model + "-1", model), 0, pass);
        check_reply(before(model + "-2", model), 0, rejected(1, model));
    }
    check_reply(h.reconfigure("default_limit: 1\nlimits: [3]\n"), 0, registration);
    check_reply(before("l-1", "listed"), 0, pass);
    check_reply(before("l-2", "listed"), 0, rejected(1, "listed"));
    // Without default_limit such a model is unlimited.
    check_reply(h.reconfigure("limits:\n  quoted: \"1\"\n"), 0, registration);
    check_reply(before("quoted-3", "quoted"), 0, pass);
    check_reply(before("quoted-4", "quoted"), 0, pass);
}

BOOST_FIXTURE_TEST_CASE(a_wrongly_typed_default_limit_is_answered_as_invalid_config, guard) {
    check_reply(h.register_plugin("default_limit: many\nlimits:\n  gpt-4o: 1\n"), 0, registration);
    // Read per call: models with an integer entry never read default_limit.
    check_reply(before("g1", "gpt-4o"), 0, pass);
    check_reply(before("g2", "gpt-4o"), 0, rejected(1, "gpt-4o"));
    const std::string error = error_answer(
        "invalid_config", R"(request.intercept_before: config key \"default_limit\": expected )"
                          R"(an integer, got a string)");
    check_reply(before("o1", "other"), 0, error);
    check_reply(before("o2", "other"), 0, error);
    check_reply(h.reconfigure("default_limit: 1.5\n"), 0, registration);
    check_reply(before("o3", "other"), 0,
                error_answer("invalid_config",
                             R"(request.intercept_before: config key \"default_limit\": expected )"
                             R"(an integer, got a number with a fraction)"));
    // Failed calls counted nothing: with a valid limit, o-requests start from zero.
    check_reply(h.reconfigure("default_limit: 1\n"), 0, registration);
    check_reply(before("o4", "other"), 0, pass);
    check_reply(before("o5", "other"), 0, rejected(1, "other"));
    // A float without a fraction is an integer.
    check_reply(h.reconfigure("default_limit: 2.0\n"), 0, registration);
    check_reply(before("o6", "other"), 0, pass);
    check_reply(before("o7", "other"), 0, rejected(2, "other"));
}

BOOST_FIXTURE_TEST_CASE(requests_without_an_id_are_not_counted, guard) {
    check_reply(h.register_plugin("default_limit: 1\n"), 0, registration);
    for (int i = 0; i < 3; ++i) {
        check_reply(before("", "m"), 0, pass);
        check_reply(
            h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, R"({"RequestID":null,"Model":"m"})"),
            0, pass);
    }
    check_reply(before("r1", "m"), 0, pass);
    check_reply(before("r2", "m"), 0, rejected(1, "m"));
}

BOOST_FIXTURE_TEST_CASE(a_request_seen_again_is_counted_once, guard) {
    check_reply(h.register_plugin("default_limit: 2\n"), 0, registration);
    check_reply(before("r1", "m"), 0, pass);
    // The same request again (a retry of the same execution) passes and is not counted again.
    check_reply(before("r1", "m"), 0, pass);
    check_reply(before("r1", "m"), 0, pass);
    check_reply(before("r2", "m"), 0, pass);
    check_reply(before("r2", "m"), 0, pass); // at the limit, but already counted
    check_reply(before("r3", "m"), 0, rejected(2, "m"));
    // One completion frees its one slot.
    check_reply(complete("r1", "m"), 0, completed);
    check_reply(before("r4", "m"), 0, pass);
    check_reply(before("r5", "m"), 0, rejected(2, "m"));
}

BOOST_FIXTURE_TEST_CASE(keys_match_case_insensitively_and_the_last_duplicate_wins, guard) {
    check_reply(h.register_plugin("default_limit: 1\n"), 0, registration);
    check_reply(
        h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, R"({"requestid":"r1","MODEL":"m"})"), 0,
        pass);
    // Go's encoding/json: each key, exact or folded, sets the field, so the last one wins.
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE,
                       R"({"RequestID":"r2","requestid":"r1","Model":"m"})"),
                0, pass); // r1 again
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE,
                       R"({"RequestID":"r1","requestid":"r2","Model":"m"})"),
                0, rejected(1, "m"));
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, R"({"requestID":"r1","model":"m"})"), 0,
                completed);
    check_reply(before("r3", "m"), 0, pass);
    BOOST_TEST(logs(h) == strings{completion_log("r1", "m", "", 0, "")});
}

BOOST_FIXTURE_TEST_CASE(request_fields_of_the_wrong_type_are_errors_naming_the_field, guard) {
    check_reply(h.register_plugin("default_limit: 1\n"), 0, registration);
    const auto error = [](std::string_view message) {
        return error_answer("invalid_request",
                            "request.intercept_before: request_intercept_request: " +
                                std::string(message));
    };
    const struct {
        std::string request;
        std::string answer;
    } cases[] = {
        {"{not json", error("invalid JSON at offset 1: syntax error")},
        {R"(["r1"])", error("expected an object, got an array")},
        {R"({"RequestID":1,"Model":"m"})",
         error("field RequestID: expected a string, got a number")},
        {R"({"RequestID":"r1","Model":{"name":"m"}})",
         error("field Model: expected a string, got an object")},
        {R"({"RequestID":"r1","Model":"m","RequestedModel":false})",
         error("field RequestedModel: expected a string, got a boolean")},
        {R"({"RequestID":"r1","Model":"m","Stream":"no"})",
         error("field Stream: expected a boolean, got a string")},
        {R"({"RequestID":"r1","Model":"m","Headers":{"X-A":"b"}})",
         error("field Headers.X-A: expected an array, got a string")},
        {R"({"RequestID":"r1","Model":"m","Headers":{"X-A":[1]}})",
         error("field Headers.X-A[0]: expected a string, got a number")},
        {R"({"RequestID":"r1","Model":"m","Body":"e30"})",
         error("field Body: invalid base64 at offset 3: missing base64 padding")},
        {R"({"RequestID":"r1","Model":"m","Metadata":"x"})",
         error("field Metadata: expected an object, got a string")},
        {R"({"RequestID":"r1","Model":"m","host_callback_id":21})",
         error("field host_callback_id: expected a string, got a number")},
    };
    for (const auto& c : cases) {
        check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, c.request), 0, c.answer);
    }
    // None of them was counted.
    check_reply(before("r1", "m"), 0, pass);
    check_reply(before("r2", "m"), 0, rejected(1, "m"));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_changes_the_limits_at_run_time, guard) {
    check_reply(h.register_plugin(""), 0, registration);
    for (int i = 1; i <= 3; ++i) {
        check_reply(before("r" + std::to_string(i), "gpt-4o"), 0, pass);
    }
    // The requests in flight stay counted: a lower limit rejects until enough complete.
    check_reply(h.reconfigure("limits:\n  gpt-4o: 2\n"), 0, registration);
    check_reply(before("r4", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    check_reply(complete("r1", "gpt-4o"), 0, completed);
    check_reply(before("r5", "gpt-4o"), 0, rejected(2, "gpt-4o")); // still 2 in flight
    check_reply(complete("r2", "gpt-4o"), 0, completed);
    check_reply(before("r6", "gpt-4o"), 0, pass);
    check_reply(before("r7", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    // A higher limit admits at once.
    check_reply(h.reconfigure("limits:\n  gpt-4o: 3\n"), 0, registration);
    check_reply(before("r8", "gpt-4o"), 0, pass);
    check_reply(before("r9", "gpt-4o"), 0, rejected(3, "gpt-4o"));
    // default_limit now covers it.
    check_reply(h.reconfigure("default_limit: 4\n"), 0, registration);
    check_reply(before("r10", "gpt-4o"), 0, pass);
    check_reply(before("r11", "gpt-4o"), 0, rejected(4, "gpt-4o"));
    // No limits: everything passes, and is still counted for later.
    check_reply(h.reconfigure(""), 0, registration);
    check_reply(before("r12", "gpt-4o"), 0, pass);
    check_reply(before("r13", "gpt-4o"), 0, pass);
    check_reply(h.reconfigure("default_limit: 6\n"), 0, registration);
    check_reply(before("r14", "gpt-4o"), 0, rejected(6, "gpt-4o"));
}

BOOST_FIXTURE_TEST_CASE(methods_of_other_capabilities_are_unknown, guard_unlimited) {
    for (const char* method :
         {CLIPROXY_METHOD_MODEL_ROUTE, CLIPROXY_METHOD_EXECUTOR_EXECUTE,
          CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER, CLIPROXY_METHOD_PLUGIN_SHUTDOWN}) {
        check_reply(h.call(method, "{}"), 0,
                    error_answer("unknown_method", "unknown method " + std::string(method)));
    }
    check_reply(h.call(nullptr, "{}"), 1, error_answer("invalid_method", "method is NULL"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(intercept_after)

BOOST_FIXTURE_TEST_CASE(intercept_after_changes_nothing_and_counts_nothing, guard) {
    check_reply(h.register_plugin("default_limit: 1\n"), 0, registration);
    for (int i = 0; i < 3; ++i) {
        check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER,
                           intercept("a" + std::to_string(i), "m")),
                    0, no_change);
    }
    // Not even decoded: the SDK answers the default for a member the plugin does not define.
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER, R"({"RequestID":5})"), 0,
                no_change);
    check_reply(before("r1", "m"), 0, pass);
    check_reply(before("r2", "m"), 0, rejected(1, "m"));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_complete)

BOOST_FIXTURE_TEST_CASE(the_wire_example_completion_is_logged, guard_unlimited) {
    // cpa-wire-examples.txt, "request.complete request".
    const std::string request =
        R"({"RequestID":"r","TraceID":"","SourceFormat":"","Model":"","RequestedModel":"",)"
        R"("Stream":false,"Outcome":"succeeded","StatusCode":200,"Error":"",)"
        R"("StartedAt":"2026-01-02T03:04:05.123456789+08:00","CompletedAt":"2026-01-02T03:04:06Z",)"
        R"("Metadata":null,"host_callback_id":"22"})";
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, request), 0, completed);
    BOOST_TEST(logs(h) == strings{completion_log("r", "", "succeeded", 200)});
}

BOOST_FIXTURE_TEST_CASE(every_outcome_is_logged_with_its_spelling, guard_unlimited) {
    check_reply(before("s", "m"), 0, pass);
    check_reply(complete("s", "m", "succeeded", 200), 0, completed);
    check_reply(complete("f", "m", "failed", 503), 0, completed);
    check_reply(complete("r", "m", "rejected", 429), 0, completed);
    check_reply(complete("c", "m", "canceled", 0), 0, completed);
    // Spellings the SDK does not know read as unset, logged as "".
    check_reply(complete("u", "m", "cancelled", 0), 0, completed);
    check_reply(complete("v", "m", "SUCCEEDED", 200), 0, completed);
    // Without a host_callback_id the log line carries none.
    check_reply(
        h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, completion("w", "m", "failed", 500, "", "")), 0,
        completed);
    BOOST_TEST(
        logs(h) ==
        (strings{completion_log("s", "m", "succeeded", 200),
                 completion_log("f", "m", "failed", 503), completion_log("r", "m", "rejected", 429),
                 completion_log("c", "m", "canceled", 0), completion_log("u", "m", "", 0),
                 completion_log("v", "m", "", 200), completion_log("w", "m", "failed", 500, "")}));
}

BOOST_FIXTURE_TEST_CASE(an_empty_completion_reads_as_an_empty_object, guard_unlimited) {
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, ""), 0, completed);
    check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, "{}"), 0, completed);
    BOOST_TEST(logs(h) == strings(2, completion_log("", "", "", 0, "")));
}

BOOST_FIXTURE_TEST_CASE(completion_fields_of_the_wrong_type_are_errors_naming_the_field,
                        guard_gpt4o_2) {
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, pass);
    const auto error = [](std::string_view message) {
        return error_answer("invalid_request",
                            "request.complete: request_completion: " + std::string(message));
    };
    const struct {
        std::string request;
        std::string answer;
    } cases[] = {
        {"{not json", error("invalid JSON at offset 1: syntax error")},
        {R"({"RequestID":["r1"]})", error("field RequestID: expected a string, got an array")},
        {R"({"RequestID":"r1","Outcome":1})",
         error("field Outcome: expected a string, got a number")},
        {R"({"RequestID":"r1","StatusCode":"200"})",
         error("field StatusCode: expected an integer, got a string")},
        {R"({"RequestID":"r1","StatusCode":200.0})",
         error("field StatusCode: expected an integer, got a number with a fraction, an exponent "
               "or out of 64-bit range")},
        {R"({"RequestID":"r1","StartedAt":""})",
         error(R"(field StartedAt: invalid RFC 3339 time \"\": empty time)")},
        {R"({"RequestID":"r1","CompletedAt":"2026-01-02T03:04:06"})",
         error(R"(field CompletedAt: invalid RFC 3339 time \"2026-01-02T03:04:06\": missing )"
               R"(time zone)")},
        {R"({"RequestID":"r1","Stream":null,"Metadata":[1]})",
         error("field Metadata: expected an object, got an array")},
    };
    for (const auto& c : cases) {
        check_reply(h.call(CLIPROXY_METHOD_REQUEST_COMPLETE, c.request), 0, c.answer);
    }
    // None of them released r1's slot, and none logged.
    check_reply(before("r3", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(a_failing_host_log_does_not_change_the_answer, guard_gpt4o_2) {
    h.answer_host_method(CLIPROXY_HOST_LOG, [](std::string_view) -> std::string {
        throw std::runtime_error("log sink is full");
    });
    check_reply(before("r1", "gpt-4o"), 0, pass);
    check_reply(before("r2", "gpt-4o"), 0, pass);
    check_reply(complete("r1", "gpt-4o"), 0, completed);
    // The slot was freed all the same.
    check_reply(before("r3", "gpt-4o"), 0, pass);
    check_reply(before("r4", "gpt-4o"), 0, rejected(2, "gpt-4o"));
    BOOST_TEST(logs(h) == strings{completion_log("r1", "gpt-4o", "succeeded", 200)});
}

BOOST_FIXTURE_TEST_CASE(the_host_may_call_the_guard_again_from_inside_host_log, guard) {
    // The completion is logged after the guard's lock is released: a host that calls the plugin
    // again before answering the log callback does not deadlock and sees the slot freed.
    check_reply(h.register_plugin("default_limit: 1\n"), 0, registration);
    check_reply(before("r1", "m"), 0, pass);
    std::vector<std::string> nested;
    h.answer_host_method(CLIPROXY_HOST_LOG, [&](std::string_view) {
        nested.push_back(before("r2", "m").json);
        nested.push_back(before("r3", "m").json);
        return std::string("{}");
    });
    check_reply(complete("r1", "m"), 0, completed);
    BOOST_TEST(nested == (strings{pass, rejected(1, "m")}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_FIXTURE_TEST_CASE(with_limit_5_exactly_5_of_200_concurrent_requests_pass, guard) {
    constexpr std::int64_t limit = 5;
    check_reply(h.register_plugin("limits:\n  gpt-4o: 5\n"), 0, registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 25;
    const std::string rejection = rejected(limit, "gpt-4o");
    std::atomic<int> wrong{0}; // Boost.Test assertions are not thread-safe: count instead
    std::vector<std::vector<std::string>> passed(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < calls_per_thread; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    const reply r = before(id, "gpt-4o");
                    if (r.rc == 0 && r.json == pass) {
                        passed[static_cast<std::size_t>(t)].push_back(id);
                    } else if (r.rc != 0 || r.json != rejection) {
                        wrong.fetch_add(1);
                    }
                }
            });
        }
    }
    BOOST_TEST(wrong.load() == 0);
    std::vector<std::string> all_passed;
    for (const auto& p : passed) {
        all_passed.insert(all_passed.end(), p.begin(), p.end());
    }
    BOOST_TEST(all_passed.size() == std::size_t{limit});

    // The host reports the rejected ones as rejected: that frees nothing.
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < calls_per_thread; ++i) {
            const std::string id = std::to_string(t) + "-" + std::to_string(i);
            if (std::ranges::find(all_passed, id) == all_passed.end()) {
                check_reply(complete(id, "gpt-4o", "rejected", 429), 0, completed);
            }
        }
    }
    check_reply(before("late-0", "gpt-4o"), 0, rejection);
    // Completing those that passed frees all five slots, and no more.
    for (const auto& id : all_passed) {
        check_reply(complete(id, "gpt-4o"), 0, completed);
    }
    for (int i = 1; i <= 5; ++i) {
        check_reply(before("late-" + std::to_string(i), "gpt-4o"), 0, pass);
    }
    check_reply(before("late-6", "gpt-4o"), 0, rejection);
    BOOST_TEST(h.host_calls().size() == std::size_t{threads * calls_per_thread});
}

BOOST_FIXTURE_TEST_CASE(eight_threads_with_limit_8_each_holding_one_request_all_pass, guard) {
    check_reply(h.register_plugin("limits:\n  shared: 8\n"), 0, registration);
    constexpr int threads = 8;
    constexpr int cycles = 200;
    std::atomic<int> right{0};
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < cycles; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    const reply r = before(id, "shared");
                    const reply c = complete(id, "shared");
                    if (r.rc == 0 && r.json == pass && c.rc == 0 && c.json == completed) {
                        right.fetch_add(1);
                    } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                        first_wrong[static_cast<std::size_t>(t)] =
                            id + " -> " + r.json + " " + c.json;
                    }
                }
            });
        }
    }
    BOOST_TEST(right.load() == threads * cycles);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }
    // Every completion logged once, exactly.
    std::vector<std::string> expected_logs;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < cycles; ++i) {
            expected_logs.push_back(completion_log(std::to_string(t) + "-" + std::to_string(i),
                                                   "shared", "succeeded", 200));
        }
    }
    std::vector<std::string> actual_logs = logs(h);
    std::ranges::sort(expected_logs);
    std::ranges::sort(actual_logs);
    BOOST_TEST(actual_logs == expected_logs);
    // Nothing leaked: exactly 8 fresh requests pass.
    for (int i = 0; i < 8; ++i) {
        check_reply(before("fresh-" + std::to_string(i), "shared"), 0, pass);
    }
    check_reply(before("fresh-8", "shared"), 0, rejected(8, "shared"));
}

BOOST_FIXTURE_TEST_CASE(eight_threads_cycling_never_exceed_limit_3_and_leak_no_slot, guard) {
    check_reply(h.register_plugin("limits:\n  hot: 3\n  cold: 2\n"), 0, registration);
    constexpr int threads = 8;
    constexpr int cycles = 300;
    // The test's own count of requests in flight: raised after the guard admitted one, lowered
    // before it is completed, so it never exceeds the guard's count.
    std::atomic<int> in_flight{0};
    std::atomic<int> most_in_flight{0};
    std::atomic<int> admitted{0};
    std::atomic<int> refused{0};
    std::atomic<int> wrong{0};
    const std::string rejection = rejected(3, "hot");
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < cycles; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    const reply r = before(id, "hot");
                    if (r.rc == 0 && r.json == pass) {
                        admitted.fetch_add(1);
                        const int now = in_flight.fetch_add(1) + 1;
                        int most = most_in_flight.load();
                        while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
                        }
                        std::this_thread::yield();
                        in_flight.fetch_sub(1);
                        wrong.fetch_add(complete(id, "hot").json == completed ? 0 : 1);
                    } else if (r.rc == 0 && r.json == rejection) {
                        refused.fetch_add(1);
                        // The host reports the rejection: it must free nothing.
                        wrong.fetch_add(complete(id, "hot", "rejected", 429).json == completed ? 0
                                                                                               : 1);
                    } else {
                        wrong.fetch_add(1);
                    }
                    // Another model's count is independent.
                    if (i % 10 == 0) {
                        const std::string cold = "cold-" + id;
                        const reply c = before(cold, "cold");
                        wrong.fetch_add(c.json == pass || c.json == rejected(2, "cold") ? 0 : 1);
                        if (c.json == pass) {
                            wrong.fetch_add(complete(cold, "cold").json == completed ? 0 : 1);
                        }
                    }
                }
            });
        }
    }
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(admitted.load() + refused.load() == threads * cycles);
    BOOST_TEST(admitted.load() >= 3);
    BOOST_TEST(most_in_flight.load() <= 3);
    // Every admission and rejection was completed: the counts are back to zero.
    for (int i = 0; i < 3; ++i) {
        check_reply(before("fresh-" + std::to_string(i), "hot"), 0, pass);
    }
    check_reply(before("fresh-3", "hot"), 0, rejection);
    check_reply(before("fresh-cold-1", "cold"), 0, pass);
    check_reply(before("fresh-cold-2", "cold"), 0, pass);
    check_reply(before("fresh-cold-3", "cold"), 0, rejected(2, "cold"));
}

BOOST_FIXTURE_TEST_CASE(reconfigure_while_eight_threads_intercept, guard) {
    // Each call sees one whole configuration; the counts survive every reconfiguration.
    check_reply(h.register_plugin("default_limit: 4\n"), 0, registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 100;
    std::atomic<int> admitted{0};
    std::atomic<int> wrong{0};
    std::atomic<bool> stop{false};
    std::atomic<int> reconfigured{0};
    std::atomic<int> bad_registrations{0};
    const std::string rejected_4 = rejected(4, "m");
    const std::string rejected_6 = rejected(6, "m");
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                while (reconfigured.load() == 0) { // overlap the reconfigurations
                    std::this_thread::yield();
                }
                for (int i = 0; i < calls_per_thread; ++i) {
                    const reply r = before(std::to_string(t) + "-" + std::to_string(i), "m");
                    if (r.rc == 0 && r.json == pass) {
                        admitted.fetch_add(1);
                    } else if (r.rc != 0 || (r.json != rejected_4 && r.json != rejected_6)) {
                        wrong.fetch_add(1);
                    }
                }
            });
        }
        std::jthread reconfigurer([&] {
            bool six = true;
            while (!stop.load()) {
                if (h.reconfigure(six ? "default_limit: 6\n" : "default_limit: 4\n").json !=
                    registration) {
                    bad_registrations.fetch_add(1);
                }
                reconfigured.fetch_add(1);
                six = !six;
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        });
        for (auto& th : pool) {
            th.join();
        }
        stop.store(true);
    }
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(bad_registrations.load() == 0);
    // Nothing completes: at most the higher limit passed, and at least the lower one.
    BOOST_TEST(admitted.load() >= 4);
    BOOST_TEST(admitted.load() <= 6);
    check_reply(h.reconfigure("default_limit: 7\n"), 0, registration);
    int more = 0;
    for (int i = 0; i < 10; ++i) {
        more += before("after-" + std::to_string(i), "m").json == pass ? 1 : 0;
    }
    BOOST_TEST(admitted.load() + more == 7);
}

BOOST_AUTO_TEST_SUITE_END()
