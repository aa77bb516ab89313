#include <boost/test/unit_test.hpp>

// The envelope: what encode_success / encode_failure write, and every row of the decision table
// that turns a return code and answer bytes into a result or a call_error (interpret_reply and
// decode_reply), with the exact messages CPA's host produces.
#include <cpa/api.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_view_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// interpret_reply that must fail; returns the error.
cpa::call_error reply_error(int rc, std::string_view answer, std::string_view method = "m") {
    auto r = cpa::interpret_reply(method, rc, answer);
    BOOST_TEST_REQUIRE(!r.has_value(), "unexpected success for rc " << rc << ": " << answer);
    return r.error();
}

// interpret_reply that must succeed; returns the result value.
cpa::json_value reply_value(int rc, std::string_view answer) {
    auto r = cpa::interpret_reply("m", rc, answer);
    BOOST_TEST_REQUIRE(r.has_value(), "unexpected failure for rc " << rc << ": " << answer << ": "
                                                                   << (r ? "" : r.error().what()));
    return std::move(*r);
}

// decode_reply<identifier_response> that must fail; returns the error.
cpa::call_error typed_error(int rc, std::string_view answer) {
    auto r = cpa::decode_reply<cpa::identifier_response>("m", rc, answer);
    BOOST_TEST_REQUIRE(!r.has_value(), "unexpected success for rc " << rc << ": " << answer);
    return r.error();
}

void check_error(const cpa::call_error& e, std::string_view message, std::int64_t http_status = 0,
                 std::string_view code = {}, bool retryable = false) {
    BOOST_TEST(std::string_view(e.what()) == message);
    BOOST_TEST(e.http_status() == http_status);
    BOOST_TEST(e.code() == code);
    BOOST_TEST(e.retryable() == retryable);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Writing envelopes

BOOST_AUTO_TEST_CASE(encode_success_writes_ok_and_result) {
    std::string out;
    cpa::encode_success(cpa::identifier_response{"codex"}, out);
    BOOST_TEST(out == R"({"ok":true,"result":{"identifier":"codex"}})");

    out = "previous";
    cpa::encode_success(cpa::empty_message{}, out);
    BOOST_TEST(out == R"(previous{"ok":true,"result":{}})");

    out.clear();
    cpa::model_route_response route;
    route.handled = true;
    route.target_kind = cpa::route_target_kind::self;
    cpa::encode_success(route, out);
    BOOST_TEST(
        out ==
        R"({"ok":true,"result":{"Handled":true,"TargetKind":"self","Target":"","TargetModel":"","Reason":""}})");
}

BOOST_AUTO_TEST_CASE(encode_failure_writes_ok_false_and_error) {
    std::string out;
    cpa::encode_failure({"plugin_error", "boom"}, out);
    BOOST_TEST(out == R"({"ok":false,"error":{"code":"plugin_error","message":"boom"}})");

    out.clear();
    cpa::encode_failure(
        {std::string(cpa::error_codes::executor_error), "<upstream> & co", true, 502}, out);
    BOOST_TEST(
        out ==
        R"({"ok":false,"error":{"code":"executor_error","message":"\u003cupstream\u003e \u0026 co","retryable":true,"http_status":502}})");

    out = "x";
    cpa::encode_failure({}, out);
    BOOST_TEST(out == R"(x{"ok":false,"error":{"code":"","message":""}})");
}

BOOST_AUTO_TEST_CASE(encoded_envelopes_read_back) {
    std::string ok;
    cpa::encode_success(cpa::identifier_response{"id"}, ok);
    const auto decoded = cpa::decode_reply<cpa::identifier_response>("m", 0, ok);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(decoded->identifier == "id");

    std::string failed;
    cpa::encode_failure({"quota", "  slow down ", true, 429}, failed);
    check_error(typed_error(0, failed), "slow down", 429, "quota", true);
    check_error(typed_error(7, failed), "slow down", 429, "quota", true);
}

// ---------------------------------------------------------------------------------------------
// rc 0

BOOST_AUTO_TEST_CASE(rc_zero_ok_true_gives_the_result) {
    BOOST_TEST(reply_value(0, R"({"ok":true,"result":{"identifier":"x"}})") ==
               boost::json::parse(R"({"identifier":"x"})"));
    BOOST_TEST(reply_value(0, R"({"ok":true,"result":[1,"a"]})") ==
               boost::json::parse(R"([1,"a"])"));

    const auto typed = cpa::decode_reply<cpa::identifier_response>(
        "m", 0, R"({"ok":true,"result":{"identifier":"x"}})");
    BOOST_TEST_REQUIRE(typed.has_value());
    BOOST_TEST(typed->identifier == "x");

    // An error object next to ok:true is ignored; so are unknown keys.
    BOOST_TEST(reply_value(0, R"({"ok":true,"error":{"message":"no"},"result":5,"extra":1})") ==
               boost::json::value(5));
}

BOOST_AUTO_TEST_CASE(rc_zero_ok_true_without_result_gives_null) {
    BOOST_TEST(reply_value(0, R"({"ok":true})").is_null());
    BOOST_TEST(reply_value(0, R"({"ok":true,"result":null})").is_null());
}

BOOST_AUTO_TEST_CASE(decode_reply_of_null_result_gives_default_message) {
    for (const auto answer : {R"({"ok":true})"sv, R"({"ok":true,"result":null})"sv}) {
        const auto id = cpa::decode_reply<cpa::identifier_response>("m", 0, answer);
        BOOST_TEST_REQUIRE(id.has_value());
        BOOST_TEST(id->identifier.empty());

        const auto route = cpa::decode_reply<cpa::model_route_response>("model.route", 0, answer);
        BOOST_TEST_REQUIRE(route.has_value());
        BOOST_TEST(!route->handled);
        BOOST_TEST(route->reason.empty());
    }
}

BOOST_AUTO_TEST_CASE(rc_zero_ok_false_gives_the_trimmed_message) {
    check_error(
        reply_error(
            0,
            R"({"ok":false,"error":{"code":"c","message":"  boom \n","retryable":true,"http_status":429}})"),
        "boom", 429, "c", true);
    check_error(typed_error(0, R"({"ok":false,"error":{"code":"c","message":"\tboom"}})"), "boom",
                0, "c");
    // Inner whitespace stays.
    check_error(reply_error(0, R"({"ok":false,"error":{"message":" a \n b "}})"), "a \n b");
}

BOOST_AUTO_TEST_CASE(rc_zero_ok_false_with_whitespace_only_message) {
    check_error(reply_error(0, R"({"ok":false,"error":{"code":"c","message":" \t\r\n\f\u000b "}})"),
                "plugin call failed", 0, "c");
    check_error(reply_error(0, R"({"ok":false,"error":{"message":""}})"), "plugin call failed");
    check_error(reply_error(0, R"({"ok":false,"error":{}})"), "plugin call failed");
}

BOOST_AUTO_TEST_CASE(rc_zero_ok_false_without_error) {
    check_error(reply_error(0, R"({"ok":false})"), "plugin call failed");
    check_error(reply_error(0, R"({"ok":false,"error":null})"), "plugin call failed");
    check_error(reply_error(0, R"({})"), "plugin call failed");
    check_error(reply_error(0, R"({"result":{"identifier":"x"}})"), "plugin call failed");
}

BOOST_AUTO_TEST_CASE(http_status_is_kept_only_when_positive) {
    check_error(reply_error(0, R"({"ok":false,"error":{"message":"x","http_status":503}})"), "x",
                503);
    check_error(reply_error(0, R"({"ok":false,"error":{"message":"x","http_status":-5}})"), "x", 0);
    check_error(reply_error(0, R"({"ok":false,"error":{"message":"x","http_status":0}})"), "x", 0);
}

BOOST_AUTO_TEST_CASE(rc_zero_empty_answer) {
    check_error(reply_error(0, ""), "decode plugin envelope m: unexpected end of JSON input");
    check_error(reply_error(0, "", "executor.execute"),
                "decode plugin envelope executor.execute: unexpected end of JSON input");
    check_error(typed_error(0, ""), "decode plugin envelope m: unexpected end of JSON input");
    check_error(reply_error(0, "  \n"), "decode plugin envelope m: unexpected end of JSON input");
    check_error(reply_error(0, R"({"ok":true)"),
                "decode plugin envelope m: unexpected end of JSON input");
}

BOOST_AUTO_TEST_CASE(rc_zero_not_json) {
    const auto e = reply_error(0, "nope");
    BOOST_TEST(std::string_view(e.what()).starts_with(
                   "decode plugin envelope m: invalid JSON at offset 0"),
               e.what());
    BOOST_TEST(e.http_status() == 0);
    BOOST_TEST(e.code().empty());

    const auto trailing = reply_error(0, R"({"ok":true} {"ok":true})");
    BOOST_TEST(std::string_view(trailing.what()).starts_with("decode plugin envelope m: "),
               trailing.what());
}

BOOST_AUTO_TEST_CASE(rc_zero_not_an_object) {
    check_error(reply_error(0, "[]"), "decode plugin envelope m: expected an object, got an array");
    check_error(reply_error(0, R"("ok")"),
                "decode plugin envelope m: expected an object, got a string");
    check_error(reply_error(0, "1"), "decode plugin envelope m: expected an object, got a number");
    check_error(reply_error(0, "true"),
                "decode plugin envelope m: expected an object, got a boolean");
}

BOOST_AUTO_TEST_CASE(rc_zero_bare_null) {
    check_error(reply_error(0, "null"), "plugin call failed");
    check_error(reply_error(0, " null \n"), "plugin call failed");
    check_error(typed_error(0, "null"), "plugin call failed");
}

BOOST_AUTO_TEST_CASE(ok_given_as_a_string_is_an_envelope_error) {
    const auto e = reply_error(0, R"({"ok":"true","result":{}})");
    const std::string_view what = e.what();
    BOOST_TEST(what.starts_with("decode plugin envelope m: "), what);
    BOOST_TEST(contains(what, "ok"), what);
    BOOST_TEST(contains(what, "expected a boolean, got a string"), what);

    const auto number = reply_error(0, R"({"ok":1})");
    BOOST_TEST(contains(number.what(), "expected a boolean, got a number"), number.what());

    const auto error_type = reply_error(0, R"({"ok":false,"error":"boom"})");
    BOOST_TEST(std::string_view(error_type.what()).starts_with("decode plugin envelope m: "),
               error_type.what());
    BOOST_TEST(contains(error_type.what(), "expected an object, got a string"), error_type.what());

    const auto status_type = reply_error(0, R"({"ok":false,"error":{"http_status":"500"}})");
    BOOST_TEST(std::string_view(status_type.what()).starts_with("decode plugin envelope m: "),
               status_type.what());
}

BOOST_AUTO_TEST_CASE(envelope_keys_match_case_insensitively) {
    BOOST_TEST(reply_value(0, R"({"OK":true,"Result":{"identifier":"x"}})") ==
               boost::json::parse(R"({"identifier":"x"})"));
    check_error(
        reply_error(
            0,
            R"({"Ok":false,"ERROR":{"Code":"c","Message":"m","Retryable":true,"HTTP_STATUS":502}})"),
        "m", 502, "c", true);
    // Underscores still count: HttpStatus is not http_status.
    check_error(reply_error(0, R"({"ok":false,"error":{"message":"m","HttpStatus":502}})"), "m", 0);
    // Kelvin sign and long s fold as well.
    BOOST_TEST(reply_value(0, "{\"o\xE2\x84\xAA\":true,\"re\xC5\xBFult\":3}") ==
               boost::json::value(3));
}

BOOST_AUTO_TEST_CASE(duplicate_ok_keys_last_wins) {
    check_error(reply_error(0, R"({"ok":true,"ok":false})"), "plugin call failed");
    check_error(reply_error(0, R"({"OK":true,"ok":false})"), "plugin call failed");
    // Go reads ok=false, ok=true, ok=false: the call failed.
    check_error(reply_error(0, R"({"ok":false,"OK":true,"ok":false,"error":{"message":"m"}})"),
                "m");
}

// ---------------------------------------------------------------------------------------------
// rc != 0

BOOST_AUTO_TEST_CASE(rc_nonzero_error_envelope_is_read_as_for_rc_zero) {
    check_error(
        reply_error(3, R"({"ok":false,"error":{"code":"c","message":" boom ","http_status":503}})"),
        "boom", 503, "c");
    check_error(reply_error(-1, R"({"ok":false,"error":{"message":"  "}})"), "plugin call failed");
    check_error(reply_error(3, R"({"ok":false,"error":{}})"), "plugin call failed");
    check_error(typed_error(3, R"({"OK":false,"Error":{"retryable":true,"message":"r"}})"), "r", 0,
                "", true);
}

BOOST_AUTO_TEST_CASE(rc_nonzero_without_error_object_reports_the_answer) {
    check_error(reply_error(3, R"({"ok":false,"error":null})"),
                R"(plugin call m returned 3: {"ok":false,"error":null})");
    check_error(reply_error(3, R"({"ok":false})"), R"(plugin call m returned 3: {"ok":false})");
    check_error(reply_error(3, "{}"), "plugin call m returned 3: {}");
}

BOOST_AUTO_TEST_CASE(rc_nonzero_with_ok_true_reports_the_answer) {
    check_error(reply_error(3, R"({"ok":true,"result":{"identifier":"x"}})"),
                R"(plugin call m returned 3: {"ok":true,"result":{"identifier":"x"}})");
    check_error(typed_error(1, R"({"ok":true})"), R"(plugin call m returned 1: {"ok":true})");
}

BOOST_AUTO_TEST_CASE(rc_nonzero_with_anything_else_reports_the_answer) {
    check_error(reply_error(3, ""), "plugin call m returned 3: ");
    check_error(reply_error(3, "null"), "plugin call m returned 3: null");
    check_error(reply_error(-1, "segfault"), "plugin call m returned -1: segfault");
    check_error(reply_error(2, "[1,2]"), "plugin call m returned 2: [1,2]");
    check_error(reply_error(2, R"({"ok":"false","error":{"message":"m"}})"),
                R"(plugin call m returned 2: {"ok":"false","error":{"message":"m"}})");
    check_error(reply_error(2, R"({"ok":false,"error":{"http_status":"x"}})"),
                R"(plugin call m returned 2: {"ok":false,"error":{"http_status":"x"}})");
    check_error(reply_error(5, "  trailing space \n", "host.log"),
                "plugin call host.log returned 5:   trailing space \n");
}

BOOST_AUTO_TEST_CASE(non_utf8_garbage_answer) {
    const std::string_view garbage = "\xff\xfe garbage \x80";
    const auto rc0 = reply_error(0, garbage);
    BOOST_TEST(std::string_view(rc0.what())
                   .starts_with("decode plugin envelope m: invalid JSON at offset 0"),
               rc0.what());
    // With a return code, the raw bytes are the message.
    check_error(reply_error(9, garbage), "plugin call m returned 9: \xff\xfe garbage \x80");

    // Invalid UTF-8 inside an otherwise valid envelope is accepted.
    const auto inside = reply_error(0, "{\"ok\":false,\"error\":{\"message\":\"bad \xff\"}}");
    BOOST_TEST(std::string_view(inside.what()).starts_with("bad "), inside.what());
}

// ---------------------------------------------------------------------------------------------
// Results

BOOST_AUTO_TEST_CASE(result_that_does_not_decode) {
    check_error(typed_error(0, R"({"ok":true,"result":{"identifier":5}})"),
                "decode plugin result m: identifier_response: field identifier: expected a "
                "string, got a number");
    check_error(typed_error(0, R"({"ok":true,"result":[]})"),
                "decode plugin result m: identifier_response: expected an object, got an array");

    const auto nested = cpa::decode_reply<cpa::model_response>(
        "model.static", 0, R"({"ok":true,"result":{"Models":[{"ID":"a"},{"Created":"x"}]}})");
    BOOST_TEST_REQUIRE(!nested.has_value());
    check_error(nested.error(), "decode plugin result model.static: model_response: field "
                                "Models[1].Created: expected an integer, got a string");
}

BOOST_AUTO_TEST_CASE(result_value_lives_in_the_given_storage) {
    boost::json::monotonic_resource mr;
    const boost::json::storage_ptr sp(&mr);
    const auto r = cpa::interpret_reply("m", 0, R"({"ok":true,"result":{"a":[1,2,3]}})", sp);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->storage().get() == sp.get());
    BOOST_TEST(*r == boost::json::parse(R"({"a":[1,2,3]})"));

    const auto empty = cpa::interpret_reply("m", 0, R"({"ok":true})", sp);
    BOOST_TEST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->is_null());
    BOOST_TEST(empty->storage().get() == sp.get());
}

BOOST_AUTO_TEST_CASE(interpret_reply_never_throws) {
    const std::string good =
        R"({"ok":false,"error":{"code":"c","message":"m","retryable":true,"http_status":500},"result":{"a":[1,{"b":null}]}})";
    std::vector<std::string> answers = {"", "null", "{", "}", "[", "\"", "\xff"};
    for (std::size_t n = 0; n <= good.size(); ++n) {
        answers.push_back(good.substr(0, n));
    }
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (const char c : std::string_view("\"{}[]:,0tfn\\\xff")) {
            std::string mutated = good;
            mutated[i] = c;
            answers.push_back(std::move(mutated));
        }
    }
    for (const auto& answer : answers) {
        for (const int rc : {0, 1, -1}) {
            BOOST_CHECK_NO_THROW({
                const auto r = cpa::interpret_reply("m", rc, answer);
                if (!r) {
                    BOOST_TEST(std::string_view(r.error().what()).size() > 0u);
                }
                const auto typed = cpa::decode_reply<cpa::identifier_response>("m", rc, answer);
                if (!typed) {
                    BOOST_TEST(std::string_view(typed.error().what()).size() > 0u);
                }
            });
        }
    }
}
