// model-router loaded through the raw dlopen harness: every answer and every host.log call
// compared whole.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cpa_test::b64;
using cpa_test::plugin_harness;
using cpa_test::recorded_call;
using reply = plugin_harness::reply;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":3,"metadata":{"Name":"model-router",)"
    R"("Version":"1.0.0","Author":"cpa-sdk samples",)"
    R"("GitHubRepository":"https://example.invalid/cpa-sdk","Logo":"",)"
    R"("ConfigFields":[{"Name":"target","Type":"string","EnumValues":null,)"
    R"("Description":"Plugin ID of the executor that gets web search requests."},)"
    R"({"Name":"tool_prefix","Type":"string","EnumValues":null,)"
    R"("Description":"Tool types starting with this are web search tools."},)"
    R"({"Name":"formats","Type":"array","EnumValues":null,)"
    R"("Description":"Source formats this router routes (default [claude])."}]},)"
    R"("capabilities":{"model_registrar":false,"model_provider":false,"auth_provider":false,)"
    R"("frontend_auth_provider":false,"frontend_auth_provider_exclusive":false,)"
    R"("scheduler":false,"model_router":true,"executor":false,"executor_model_scope":"",)"
    R"("request_translator":false,"request_normalizer":false,"request_interceptor":false,)"
    R"("request_lifecycle_plugin":false,"response_translator":false,)"
    R"("response_before_translator":false,"response_after_translator":false,)"
    R"("response_interceptor":false,"response_stream_interceptor":false,)"
    R"("thinking_applier":false,"usage_plugin":false,"command_line_plugin":false,)"
    R"("management_api":false}}})";

/// The Claude Messages body of the spec's model.route example (section 8.2): one server-side web
/// search tool.
const std::string web_search_body =
    R"({"model":"claude-sonnet-4-5","max_tokens":1024,)"
    R"("tools":[{"type":"web_search_20250305","name":"web_search"}],)"
    R"("messages":[{"role":"user","content":"news?"}],"stream":true})";

/// A Claude body whose tools are `tools_json`.
std::string claude_body(std::string_view tools_json) {
    return R"({"model":"claude-sonnet-4-5","max_tokens":16,"tools":)" + std::string(tools_json) +
           R"(,"messages":[{"role":"user","content":"hi"}]})";
}

/// A model.route request as the host sends it; the body travels base64 encoded.
std::string route_request(std::string_view source_format, std::string_view model,
                          std::string_view body, std::string_view callback_id = "12") {
    std::string out = R"({"Plugin":{"Name":"model-router","Version":"1.0.0",)"
                      R"("Author":"cpa-sdk samples","GitHubRepository":"",)"
                      R"("Logo":"","ConfigFields":null},"PluginID":"model-router",)"
                      R"("SourceFormat":")" +
                      std::string(source_format) + R"(","RequestedModel":")" + std::string(model) +
                      R"(","Stream":false,"Headers":{"Content-Type":["application/json"]},)"
                      R"("Query":null,"Body":")" +
                      b64(body) +
                      R"(","Metadata":{"request_path":"/v1/messages"},)"
                      R"("AvailableProviders":["claude"])";
    if (!callback_id.empty()) {
        out += R"(,"host_callback_id":")" + std::string(callback_id) + R"(")";
    }
    return out + "}";
}

std::string routed(std::string_view target) {
    return R"({"ok":true,"result":{"Handled":true,"TargetKind":"executor","Target":")" +
           std::string(target) + R"(","TargetModel":"","Reason":"web search tool"}})";
}

std::string declined(std::string_view reason) {
    return R"({"ok":true,"result":{"Handled":false,"TargetKind":"","Target":"","TargetModel":"",)"
           R"("Reason":")" +
           std::string(reason) + R"("}})";
}

const std::string no_tool = declined("no web search tool");

std::string not_routed(std::string_view format) {
    return declined("source format " + std::string(format) + " is not routed");
}

/// The request of the host.log call each route decision makes.
std::string route_log(std::string_view model, bool was_routed,
                      std::string_view callback_id = "12") {
    std::string out = "{";
    if (!callback_id.empty()) {
        out += R"("host_callback_id":")" + std::string(callback_id) + R"(",)";
    }
    return out + R"("level":"debug","message":"route decision","fields":{"model":")" +
           std::string(model) + R"(","routed":)" + (was_routed ? "true" : "false") + "}}";
}

std::string invalid_config(std::string_view message) {
    return R"({"ok":false,"error":{"code":"invalid_config","message":")" + std::string(message) +
           R"("}})";
}

std::string invalid_request(std::string_view message) {
    return R"({"ok":false,"error":{"code":"invalid_request","message":"model.route: )"
           R"(model_route_request: )" +
           std::string(message) + R"("}})";
}

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

/// The requests of the recorded host calls, which must all be host.log calls.
std::vector<std::string> logs(const plugin_harness& h) {
    std::vector<std::string> out;
    for (const recorded_call& c : h.host_calls()) {
        BOOST_TEST(c.method == CLIPROXY_HOST_LOG);
        out.push_back(c.request);
    }
    return out;
}

using strings = std::vector<std::string>;

struct router {
    plugin_harness h{cpa_test::sample_path("model-router")};
};

struct router_default : router {
    router_default() { BOOST_TEST_REQUIRE(h.register_plugin("").json == registration); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registration_and_configuration)

BOOST_FIXTURE_TEST_CASE(register_answers_the_full_registration, router) {
    check_reply(h.register_plugin(""), 0, registration);
    check_reply(h.register_plugin("enabled: true\npriority: 10\ntarget: web-exec\n"
                                  "tool_prefix: web_fetch\nformats: [claude, openai]\n"),
                0, registration);
    // The plugin's own schema version, whatever the host speaks.
    check_reply(h.register_plugin("target: x\n", 1), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(reconfigure_answers_the_full_registration, router_default) {
    check_reply(h.reconfigure("target: other\n"), 0, registration);
    check_reply(h.reconfigure("formats: []\ntool_prefix: x\n"), 0, registration);
    check_reply(h.reconfigure(""), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(invalid_yaml_is_refused_and_keeps_the_previous_configuration, router) {
    check_reply(h.register_plugin("target: kept\n"), 0, registration);
    check_reply(h.reconfigure("formats: [\n"), 0,
                invalid_config("config_yaml line 2, column 1: did not find expected node content"));
    check_reply(h.reconfigure("- claude\n"), 0,
                invalid_config("config_yaml: the configuration must be a mapping, got a sequence"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("kept"));
}

BOOST_FIXTURE_TEST_CASE(register_request_errors, router) {
    check_reply(
        h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"config_yaml":5})"), 0,
        R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
        R"(register_request: field config_yaml: expected a base64 string, got a number"}})");
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, R"({"schema_version":"3"})"), 0,
                R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.reconfigure: )"
                R"(register_request: field schema_version: expected an integer, got a string"}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(routing)

BOOST_FIXTURE_TEST_CASE(the_spec_example_web_search_request_goes_to_the_executor, router_default) {
    // Section 8.2 of the wire contract, byte for byte as the host sends it.
    const std::string request = R"({
  "Plugin": {"Name": "claude-web-search-router", "Version": "0.1.0", "Author": "router-for-me",
             "GitHubRepository": "https://github.com/router-for-me/CLIProxyAPI", "Logo": "", "ConfigFields": null},
  "PluginID": "claude-web-search-router",
  "SourceFormat": "claude",
  "RequestedModel": "claude-sonnet-4-5",
  "Stream": true,
  "Headers": {"Anthropic-Version": ["2023-06-01"], "Content-Type": ["application/json"], "X-Api-Key": ["sk-client"]},
  "Query": null,
  "Body": "eyJtb2RlbCI6ImNsYXVkZS1zb25uZXQtNC01IiwibWF4X3Rva2VucyI6MTAyNCwidG9vbHMiOlt7InR5cGUiOiJ3ZWJfc2VhcmNoXzIwMjUwMzA1IiwibmFtZSI6IndlYl9zZWFyY2gifV0sIm1lc3NhZ2VzIjpbeyJyb2xlIjoidXNlciIsImNvbnRlbnQiOiJuZXdzPyJ9XSwic3RyZWFtIjp0cnVlfQ==",
  "Metadata": {"request_path": "/v1/messages", "requested_model": "claude-sonnet-4-5"},
  "AvailableProviders": ["antigravity", "codex", "claude"],
  "host_callback_id": "12"
})";
    BOOST_TEST_REQUIRE(b64(web_search_body) ==
                       "eyJtb2RlbCI6ImNsYXVkZS1zb25uZXQtNC01IiwibWF4X3Rva2VucyI6MTAyNCwidG9vbHMiOlt"
                       "7InR5cGUiOiJ3ZWJfc2VhcmNoXzIwMjUwMzA1IiwibmFtZSI6IndlYl9zZWFyY2gifV0sIm1lc3"
                       "NhZ2VzIjpbeyJyb2xlIjoidXNlciIsImNvbnRlbnQiOiJuZXdzPyJ9XSwic3RyZWFtIjp0cnVlf"
                       "Q==");
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, request), 0, routed("echo-executor"));
    BOOST_TEST(logs(h) == strings{route_log("claude-sonnet-4-5", true)});
}

BOOST_FIXTURE_TEST_CASE(the_wire_example_request_without_tools_is_declined, router_default) {
    // cpa-wire-examples.txt, "model.route request": a Claude body without tools.
    const std::string request =
        R"({"Plugin":{"Name":"example","Version":"0.1.0","Author":"me",)"
        R"("GitHubRepository":"https://github.com/me/example","Logo":"","ConfigFields":null},)"
        R"("PluginID":"my-router","SourceFormat":"claude","RequestedModel":"claude-sonnet-4-5",)"
        R"("Stream":true,"Headers":{"Anthropic-Version":["2023-06-01"]},"Query":null,)"
        R"("Body":"eyJtb2RlbCI6ImNsYXVkZS1zb25uZXQtNC01In0=",)"
        R"("Metadata":{"requested_model":"claude-sonnet-4-5"},)"
        R"("AvailableProviders":["codex","claude"],"host_callback_id":"12"})";
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, request), 0, no_tool);
    BOOST_TEST(logs(h) == strings{route_log("claude-sonnet-4-5", false)});
}

BOOST_FIXTURE_TEST_CASE(any_tool_whose_type_starts_with_web_search_is_enough, router_default) {
    for (const std::string tools :
         {R"([{"type":"web_search_20250305","name":"web_search","max_uses":5}])",
          R"([{"type":"web_search"}])",
          R"([{"name":"get_weather","input_schema":{"type":"object"}},)"
          R"({"type":"web_search_20260101"}])",
          R"([{"type":"bash_20250124","name":"bash"},{"type":"web_search_x"},5])"}) {
        check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                           route_request("claude", "claude-opus-4", claude_body(tools))),
                    0, routed("echo-executor"));
    }
    BOOST_TEST(logs(h) == strings(4, route_log("claude-opus-4", true)));
}

BOOST_FIXTURE_TEST_CASE(requests_without_a_web_search_tool_are_declined, router_default) {
    for (const std::string tools :
         {R"([])", R"([{"name":"web_search","input_schema":{"type":"object"}}])",
          R"([{"type":"custom","name":"web_search"}])", R"([{"type":"Web_search_20250305"}])",
          R"([{"type":"x_web_search"}])", R"([{"type":5}])", R"([{"type":null}])",
          R"([{"type":["web_search"]}])", R"(["web_search"])", R"([[{"type":"web_search"}]])",
          R"({"type":"web_search"})", R"("web_search")", "null"}) {
        check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                           route_request("claude", "claude-opus-4", claude_body(tools))),
                    0, no_tool);
    }
    BOOST_TEST(logs(h) == strings(13, route_log("claude-opus-4", false)));
}

BOOST_FIXTURE_TEST_CASE(malformed_bodies_are_declined, router_default) {
    // Whatever the raw client body holds, a body that is no JSON object with a tools array is
    // "no web search tool", never an error.
    for (const std::string& body :
         {std::string(), std::string("not json"), std::string(R"({"tools":[{"type":"web_search")"),
          web_search_body + " trailing", web_search_body + "}", "[" + web_search_body + "]",
          std::string("null"), std::string(R"("web_search")"),
          std::string(R"({"Tools":[{"type":"web_search"}]})"),
          std::string(R"({"tools":[{"Type":"web_search"}]})"), std::string("\xff\xfe{}")}) {
        check_reply(
            h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "claude-opus-4", body)), 0,
            no_tool);
    }
    // A null body and an absent one are the empty body.
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       R"({"SourceFormat":"claude","RequestedModel":"m","Body":null})"),
                0, no_tool);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"SourceFormat":"claude"})"), 0, no_tool);
}

BOOST_FIXTURE_TEST_CASE(other_source_formats_are_declined_even_with_a_web_search_tool,
                        router_default) {
    for (const std::string format :
         {"openai", "openai-response", "gemini", "codex", "Claude", "claude ", ""}) {
        check_reply(
            h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request(format, "gpt-5", web_search_body)), 0,
            not_routed(format));
    }
    BOOST_TEST(logs(h) == strings(7, route_log("gpt-5", false)));
}

BOOST_FIXTURE_TEST_CASE(an_empty_request_reads_as_an_empty_object, router_default) {
    const reply empty = h.call(CLIPROXY_METHOD_MODEL_ROUTE, "");
    check_reply(empty, 0, not_routed(""));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}"), 0, empty.json);
    // Without a host_callback_id the log line carries none.
    BOOST_TEST(logs(h) == strings(2, route_log("", false, "")));
}

BOOST_FIXTURE_TEST_CASE(keys_match_case_insensitively_and_the_last_duplicate_wins, router_default) {
    // As Go's encoding/json decodes: the host's exact names are not the only accepted spelling.
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       R"({"sourceformat":"claude","REQUESTEDMODEL":"m","body":")" +
                           b64(web_search_body) + R"("})"),
                0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       R"({"SourceFormat":"claude","SourceFormat":"openai","Body":")" +
                           b64(web_search_body) + R"("})"),
                0, not_routed("openai"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       R"({"SourceFormat":"gemini","sourceformat":"claude","Body":")" +
                           b64(web_search_body) + R"("})"),
                0, routed("echo-executor"));
    BOOST_TEST(logs(h) == (strings{route_log("m", true, ""), route_log("", false, ""),
                                   route_log("", true, "")}));
}

BOOST_FIXTURE_TEST_CASE(request_fields_of_the_wrong_type_are_errors_naming_the_field,
                        router_default) {
    const std::string body = b64(web_search_body);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{not json"), 0,
                invalid_request("invalid JSON at offset 1: syntax error"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"([{"SourceFormat":"claude"}])"), 0,
                invalid_request("expected an object, got an array"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"SourceFormat":7,"Body":")" + body + "\"}"),
                0, invalid_request("field SourceFormat: expected a string, got a number"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"SourceFormat":"claude","Body":5})"), 0,
                invalid_request("field Body: expected a base64 string, got a number"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"SourceFormat":"claude","Body":"e30"})"), 0,
                invalid_request("field Body: invalid base64 at offset 3: missing base64 padding"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"RequestedModel":["m"]})"), 0,
                invalid_request("field RequestedModel: expected a string, got an array"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"Stream":"true"})"), 0,
                invalid_request("field Stream: expected a boolean, got a string"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"Headers":{"Accept":"*/*"}})"), 0,
                invalid_request("field Headers.Accept: expected an array, got a string"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"AvailableProviders":"claude"})"), 0,
                invalid_request("field AvailableProviders: expected an array, got a string"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"Metadata":[]})"), 0,
                invalid_request("field Metadata: expected an object, got an array"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, R"({"host_callback_id":12})"), 0,
                invalid_request("field host_callback_id: expected a string, got a number"));
    // Nothing was decided, so nothing was logged.
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(methods_of_other_capabilities_are_unknown, router_default) {
    for (const char* method :
         {CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, CLIPROXY_METHOD_EXECUTOR_EXECUTE,
          CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, CLIPROXY_METHOD_PLUGIN_SHUTDOWN}) {
        check_reply(h.call(method, "{}"), 0,
                    R"({"ok":false,"error":{"code":"unknown_method","message":"unknown method )" +
                        std::string(method) + R"("}})");
    }
    check_reply(h.call(nullptr, "{}"), 1,
                R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})");
    BOOST_TEST(h.host_calls().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(settings)

BOOST_FIXTURE_TEST_CASE(target_names_the_executor, router) {
    check_reply(h.register_plugin("target: web-search-executor\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("web-search-executor"));
    // A quoted target that YAML would otherwise read as a number is a string.
    check_reply(h.reconfigure("target: \"42\"\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("42"));
    // A null target is the default.
    check_reply(h.reconfigure("target: ~\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("echo-executor"));
}

BOOST_FIXTURE_TEST_CASE(tool_prefix_chooses_the_tools, router) {
    check_reply(h.register_plugin("tool_prefix: web_fetch\n"), 0, registration);
    const std::string fetch = claude_body(R"([{"type":"web_fetch_20250910","name":"web_fetch"}])");
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", fetch)), 0,
                routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, no_tool);
    // An empty prefix matches every tool that has a string type.
    check_reply(h.reconfigure("tool_prefix: \"\"\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       route_request("claude", "m", claude_body(R"([{"type":""}])"))),
                0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       route_request("claude", "m", claude_body(R"([{"name":"x"}])"))),
                0, no_tool);
}

BOOST_FIXTURE_TEST_CASE(formats_chooses_the_source_formats, router) {
    check_reply(h.register_plugin("formats: [claude, openai]\n"), 0, registration);
    const std::string openai_body =
        R"({"model":"gpt-5","tools":[{"type":"web_search_preview"}],"messages":[]})";
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "gpt-5", openai_body)),
                0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("gemini", "m", web_search_body)),
                0, not_routed("gemini"));
    // No format at all: nothing is routed.
    check_reply(h.reconfigure("formats: []\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, not_routed("claude"));
    // Only openai: claude is no longer routed.
    check_reply(h.reconfigure("formats:\n  - openai\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, not_routed("claude"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "gpt-5", openai_body)),
                0, routed("echo-executor"));
}

BOOST_FIXTURE_TEST_CASE(wrongly_typed_settings_are_answered_as_invalid_config, router) {
    // The settings are read per call, so the registration accepts them and the calls that read
    // them answer invalid_config (which the host treats as a declined router).
    check_reply(h.register_plugin("formats: claude\n"), 0, registration);
    const std::string formats_error =
        R"(model.route: config key \"formats\": expected a sequence of strings, got a string)";
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, invalid_config(formats_error));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "m", "{}")), 0,
                invalid_config(formats_error));
    check_reply(h.reconfigure("formats: [claude, 5]\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0,
                invalid_config(R"(model.route: config key \"formats\": item 1: expected a )"
                               R"(string, got an integer)"));

    // tool_prefix is read for routed formats only, target for routed requests only.
    check_reply(h.reconfigure("tool_prefix: [web]\ntarget: 5\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "m", web_search_body)),
                0, not_routed("openai"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0,
                invalid_config(R"(model.route: config key \"tool_prefix\": expected a string, )"
                               R"(got a sequence)"));
    check_reply(h.reconfigure("target: 5\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", "{}")), 0,
                no_tool);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0,
                invalid_config(R"(model.route: config key \"target\": expected a string, got )"
                               R"(an integer)"));
    // Only the calls that decided logged their decision.
    BOOST_TEST(logs(h) == (strings{route_log("m", false), route_log("m", false)}));
}

BOOST_FIXTURE_TEST_CASE(reconfigure_changes_routing_at_run_time, router) {
    const std::string claude = route_request("claude", "m", web_search_body);
    const std::string openai = route_request("openai", "m", web_search_body);
    check_reply(h.register_plugin(""), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, claude), 0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, openai), 0, not_routed("openai"));

    check_reply(h.reconfigure("target: exec-b\nformats: [openai]\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, claude), 0, not_routed("claude"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, openai), 0, routed("exec-b"));

    check_reply(h.reconfigure("tool_prefix: nothing\n"), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, claude), 0, no_tool);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, openai), 0, not_routed("openai"));

    // Back to the defaults.
    check_reply(h.reconfigure(""), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, claude), 0, routed("echo-executor"));
    BOOST_TEST(logs(h) ==
               (strings{route_log("m", true), route_log("m", false), route_log("m", false),
                        route_log("m", true), route_log("m", false), route_log("m", false),
                        route_log("m", true)}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(host_log)

BOOST_FIXTURE_TEST_CASE(each_decision_is_logged_with_the_callback_id, router_default) {
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                       route_request("claude", "claude-a", web_search_body, "101")),
                0, routed("echo-executor"));
    check_reply(
        h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "gpt-b", web_search_body, "")),
        0, not_routed("openai"));
    // A model name that needs escaping is escaped in the log line, `<` as Go escapes it.
    check_reply(
        h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", R"(a\"b<c)", "{}", "103")), 0,
        no_tool);
    BOOST_TEST(logs(h) ==
               (strings{route_log("claude-a", true, "101"), route_log("gpt-b", false, ""),
                        route_log(R"(a\"b\u003cc)", false, "103")}));
}

BOOST_FIXTURE_TEST_CASE(a_failing_host_log_does_not_change_the_answer, router_default) {
    h.answer_host_method(CLIPROXY_HOST_LOG, [](std::string_view) -> std::string {
        throw std::runtime_error("log sink is full");
    });
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", web_search_body)),
                0, routed("echo-executor"));
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "m", "{}")), 0,
                no_tool);
    BOOST_TEST(logs(h) == (strings{route_log("m", true), route_log("m", false)}));
}

BOOST_FIXTURE_TEST_CASE(the_host_may_route_again_from_inside_host_log, router_default) {
    // Re-entrancy: the host answers the log callback only after calling the plugin again.
    std::vector<std::string> nested;
    bool entered = false; // the nested call logs too: call again only once
    h.answer_host_method(CLIPROXY_HOST_LOG, [&](std::string_view) {
        if (!std::exchange(entered, true)) {
            nested.push_back(
                h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "inner", "{}", "2"))
                    .json);
        }
        return std::string("{}");
    });
    check_reply(
        h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("claude", "outer", web_search_body, "1")),
        0, routed("echo-executor"));
    BOOST_TEST(nested == strings{not_routed("openai")});
    BOOST_TEST(logs(h) == (strings{route_log("outer", true, "1"), route_log("inner", false, "2")}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_FIXTURE_TEST_CASE(eight_threads_route_concurrently, router_default) {
    constexpr int threads = 8;
    constexpr int calls_per_thread = 200;
    std::atomic<int> right{0}; // Boost.Test assertions are not thread-safe: count instead
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < calls_per_thread; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    // Three kinds of request in turn: routed, no tool, format not routed.
                    const int kind = (t + i) % 3;
                    const std::string format = kind == 2 ? "gemini" : "claude";
                    const std::string body = kind == 1 ? claude_body("[]") : web_search_body;
                    const std::string expected = kind == 0   ? routed("echo-executor")
                                                 : kind == 1 ? no_tool
                                                             : not_routed("gemini");
                    const reply r = h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                                           route_request(format, "model-" + id, body, id));
                    if (r.rc == 0 && r.json == expected) {
                        right.fetch_add(1);
                    } else if (first_wrong[static_cast<std::size_t>(t)].empty()) {
                        first_wrong[static_cast<std::size_t>(t)] =
                            id + " -> rc " + std::to_string(r.rc) + " " + r.json;
                    }
                }
            });
        }
    }
    BOOST_TEST(right.load() == threads * calls_per_thread);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }
    // Every decision logged once, with its own callback ID and model.
    std::vector<std::string> expected_logs;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < calls_per_thread; ++i) {
            const std::string id = std::to_string(t) + "-" + std::to_string(i);
            expected_logs.push_back(route_log("model-" + id, (t + i) % 3 == 0, id));
        }
    }
    std::vector<std::string> actual_logs = logs(h);
    std::ranges::sort(expected_logs);
    std::ranges::sort(actual_logs);
    BOOST_TEST(actual_logs == expected_logs);
}

BOOST_FIXTURE_TEST_CASE(reconfigure_while_eight_threads_route, router) {
    // Each call sees one whole configuration: exec-a with claude, or exec-b with openai only.
    const std::string config_a = "target: exec-a\nformats: [claude]\n";
    const std::string config_b = "target: exec-b\nformats: [openai]\n";
    BOOST_TEST_REQUIRE(h.register_plugin(config_a).json == registration);
    constexpr int threads = 8;
    constexpr int calls_per_thread = 150;
    std::atomic<int> as_a{0};
    std::atomic<int> as_b{0};
    std::atomic<int> wrong{0};
    std::atomic<bool> stop{false};
    std::atomic<int> reconfigured{0};
    std::atomic<int> bad_registrations{0};
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                while (reconfigured.load() == 0) { // overlap the reconfigurations
                    std::this_thread::yield();
                }
                for (int i = 0; i < calls_per_thread; ++i) {
                    // Claude requests: exec-a routes them, exec-b does not route claude.
                    const reply r =
                        h.call(CLIPROXY_METHOD_MODEL_ROUTE,
                               route_request("claude", "m", web_search_body, std::to_string(t)));
                    if (r.rc == 0 && r.json == routed("exec-a")) {
                        as_a.fetch_add(1);
                    } else if (r.rc == 0 && r.json == not_routed("claude")) {
                        as_b.fetch_add(1);
                    } else {
                        wrong.fetch_add(1);
                    }
                }
            });
        }
        std::jthread reconfigurer([&] {
            bool b = true;
            while (!stop.load()) {
                if (h.reconfigure(b ? config_b : config_a).json != registration) {
                    bad_registrations.fetch_add(1);
                }
                reconfigured.fetch_add(1);
                b = !b;
                std::this_thread::sleep_for(100us);
            }
        });
        for (auto& th : pool) {
            th.join();
        }
        stop.store(true);
    }
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(bad_registrations.load() == 0);
    BOOST_TEST(as_a.load() + as_b.load() == threads * calls_per_thread);
    BOOST_TEST(h.host_calls().size() == std::size_t{threads * calls_per_thread});
    // Once the reconfigurations stop, the last configuration decides.
    check_reply(h.reconfigure(config_b), 0, registration);
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, route_request("openai", "m", web_search_body)),
                0, routed("exec-b"));
}

BOOST_AUTO_TEST_SUITE_END()
