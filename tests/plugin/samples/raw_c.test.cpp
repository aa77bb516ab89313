// raw-c (plain C against <cpa/abi.h> alone) loaded through the raw dlopen harness.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using cpa_test::plugin_harness;
using reply = plugin_harness::reply;

const std::string registration =
    R"({"ok":true,"result":{"schema_version":1,"metadata":{"Name":"raw-c","Version":"1.0.0",)"
    R"("Author":"cpa-sdk samples","GitHubRepository":"https://example.invalid/cpa-sdk"},)"
    R"("capabilities":{"model_router":true}}})";
const std::string declined = R"({"ok":true,"result":{"Handled":false}})";
const std::string log_line = R"({"level":"info","message":"raw-c declines the request"})";
const std::string unknown =
    R"({"ok":false,"error":{"code":"unknown_method","message":"unknown method"}})";

void check_reply(const reply& actual, int rc, const std::string& json) {
    BOOST_TEST(actual.rc == rc);
    BOOST_TEST(actual.json == json);
}

struct raw_c {
    plugin_harness h{cpa_test::sample_path("raw-c")};
};

} // namespace

BOOST_FIXTURE_TEST_CASE(register_and_reconfigure, raw_c) {
    check_reply(h.register_plugin("enabled: true\n"), 0, registration);
    check_reply(h.reconfigure("enabled: false\n"), 0, registration);
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(model_route_logs_then_declines, raw_c) {
    check_reply(h.register_plugin(""), 0, registration);
    const std::size_t buffers_before = plugin_harness::outstanding_host_buffers();
    const std::string request =
        R"({"Model":"gpt-x","Payload":")" + cpa_test::b64(R"({"model":"gpt-x"})") + R"("})";
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, request), 0, declined);
    // host.log arrived while the call ran, before its answer, and its answer buffer went back.
    const auto calls = h.host_calls();
    BOOST_TEST_REQUIRE(calls.size() == 1U);
    BOOST_TEST(calls[0].method == CLIPROXY_HOST_LOG);
    BOOST_TEST(calls[0].request == log_line);
    BOOST_TEST(plugin_harness::outstanding_host_buffers() == buffers_before);

    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, ""), 0, declined);
    BOOST_TEST(h.host_calls(CLIPROXY_HOST_LOG).size() == 2U);
}

BOOST_FIXTURE_TEST_CASE(model_route_still_declines_when_the_log_fails, raw_c) {
    h.answer_host_method(CLIPROXY_HOST_LOG,
                         [](std::string_view) -> std::string { throw std::runtime_error("full"); });
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}"), 0, declined);
    BOOST_TEST(h.host_calls().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(unknown_and_null_methods, raw_c) {
    check_reply(h.call("executor.execute", "{}"), 0, unknown);
    check_reply(h.call("no.such.method", ""), 0, unknown);
    check_reply(h.call(nullptr, "{}"), 1,
                R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})");
    BOOST_TEST(h.host_calls().empty());
}

BOOST_FIXTURE_TEST_CASE(bodies_are_not_read, raw_c) {
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{not json"), 0, declined);
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, R"({"schema_version":"3"})"), 0,
                registration);
}

BOOST_FIXTURE_TEST_CASE(no_host_call_after_shutdown, raw_c) {
    check_reply(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}"), 0, declined);
    h.shutdown();
    BOOST_TEST(h.host_calls().size() == 1U);
    BOOST_CHECK_THROW(h.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}"), std::logic_error);
}
