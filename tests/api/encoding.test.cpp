#include <boost/test/unit_test.hpp>

// Encoding: the exact bytes the codec writes, compared with what CPA's Go side writes for the
// same value (field order, nulls, omitted empties, base64, times, Go's string escaping and float
// formatting, map keys sorted at every depth), the values Go refuses to encode, and a full
// decode -> encode -> decode round trip.
#include <cpa/api.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cpa {

std::ostream& boost_test_print_type(std::ostream& os, const bytes& value) {
    return os << '"' << value.view() << '"';
}

} // namespace cpa

namespace {

using namespace std::string_view_literals;
using namespace std::chrono_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// The JSON text of an executor_response whose only content is `metadata`.
std::string with_metadata(const cpa::json_object& metadata) {
    cpa::executor_response r;
    r.metadata = metadata;
    return cpa::to_json(r);
}

// How a double inside a free-form object is written.
std::string number_text(double v) {
    const std::string prefix = R"({"Payload":null,"Headers":null,"Metadata":{"v":)";
    std::string out = with_metadata(cpa::json_object{{"v", v}});
    BOOST_TEST_REQUIRE(out.starts_with(prefix), out);
    BOOST_TEST_REQUIRE(out.ends_with("}}"), out);
    return out.substr(prefix.size(), out.size() - prefix.size() - 2);
}

// The JSON text of an identifier_response holding `s`.
std::string identifier_text(std::string_view s) {
    return cpa::to_json(cpa::identifier_response{std::string(s)});
}

cpa::timestamp utc(std::int64_t unix_seconds, std::uint32_t nanoseconds = 0,
                   std::int32_t offset = 0) {
    cpa::timestamp t;
    t.unix_seconds = unix_seconds;
    t.nanoseconds = nanoseconds;
    t.utc_offset_seconds = offset;
    return t;
}

constexpr std::string_view zero_time = "0001-01-01T00:00:00Z";

} // namespace

// ---------------------------------------------------------------------------------------------
// Small messages, byte for byte

BOOST_AUTO_TEST_CASE(model_route_response_writes_every_field_in_go_order) {
    BOOST_TEST(cpa::to_json(cpa::model_route_response{}) ==
               R"({"Handled":false,"TargetKind":"","Target":"","TargetModel":"","Reason":""})");

    cpa::model_route_response r;
    r.handled = true;
    r.target_kind = cpa::route_target_kind::provider;
    r.target = "openai";
    r.target_model = "gpt-5";
    r.reason = "cheapest";
    BOOST_TEST(
        cpa::to_json(r) ==
        R"({"Handled":true,"TargetKind":"provider","Target":"openai","TargetModel":"gpt-5","Reason":"cheapest"})");

    r.target_kind = cpa::route_target_kind::self;
    BOOST_TEST(contains(cpa::to_json(r), R"("TargetKind":"self")"));
    r.target_kind = cpa::route_target_kind::executor;
    BOOST_TEST(contains(cpa::to_json(r), R"("TargetKind":"executor")"));
}

BOOST_AUTO_TEST_CASE(identifier_response_is_one_key) {
    BOOST_TEST(cpa::to_json(cpa::identifier_response{"codex"}) == R"({"identifier":"codex"})");
    BOOST_TEST(cpa::to_json(cpa::identifier_response{}) == R"({"identifier":""})");
    BOOST_TEST(cpa::to_json(cpa::empty_message{}) == "{}");
}

BOOST_AUTO_TEST_CASE(executor_stream_response_with_two_chunks) {
    cpa::executor_stream_response r;
    r.headers["Content-Type"] = {"text/event-stream"};
    r.chunks.push_back({cpa::bytes("data: 1\n\n"), {}});
    r.chunks.push_back({cpa::bytes("data: 2\n\n"), {}});
    BOOST_TEST(
        cpa::to_json(r) ==
        R"({"headers":{"Content-Type":["text/event-stream"]},"chunks":[{"Payload":"ZGF0YTogMQoK","Err":null},{"Payload":"ZGF0YTogMgoK","Err":null}]})");

    BOOST_TEST(cpa::to_json(cpa::executor_stream_response{}) ==
               R"({"headers":null,"chunks":null})");

    cpa::executor_stream_response empty_chunk;
    empty_chunk.chunks.emplace_back();
    BOOST_TEST(cpa::to_json(empty_chunk) ==
               R"({"headers":null,"chunks":[{"Payload":null,"Err":null}]})");
}

BOOST_AUTO_TEST_CASE(host_stream_emit_request_with_and_without_payload) {
    cpa::host_stream_emit_request r;
    r.stream_id = "s1";
    BOOST_TEST(cpa::to_json(r) == R"({"stream_id":"s1"})");
    r.payload = "abc";
    BOOST_TEST(cpa::to_json(r) == R"({"stream_id":"s1","payload":"YWJj"})");
    r.error = "boom";
    BOOST_TEST(cpa::to_json(r) == R"({"stream_id":"s1","payload":"YWJj","error":"boom"})");
    r.payload.clear();
    BOOST_TEST(cpa::to_json(r) == R"({"stream_id":"s1","error":"boom"})");
    BOOST_TEST(cpa::to_json(cpa::host_stream_emit_request{}) == R"({"stream_id":""})");
}

BOOST_AUTO_TEST_CASE(host_auth_file_entry_with_only_name) {
    cpa::host_auth_file_entry e;
    e.name = "codex-a.json";
    const std::string z(zero_time);
    BOOST_TEST(cpa::to_json(e) == R"({"name":"codex-a.json","modtime":")" + z +
                                      R"(","updated_at":")" + z + R"(","created_at":")" + z +
                                      R"(","last_refresh":")" + z + R"(","next_retry_after":")" +
                                      z + R"("})");

    // Every omit_empty field comes back once set, in Go order.
    e.id = "i";
    e.disabled = true;
    e.size = 7;
    e.priority = -1;
    e.recent_requests.push_back({"10:00", 1, 0});
    const std::string all = cpa::to_json(e);
    BOOST_TEST(all.starts_with(R"({"id":"i","name":"codex-a.json","disabled":true,"size":7,)"
                               R"("modtime":")"),
               all);
    BOOST_TEST(all.ends_with(
                   R"("priority":-1,"recent_requests":[{"time":"10:00","success":1,"failed":0}]})"),
               all);
}

BOOST_AUTO_TEST_CASE(capabilities_without_executor_formats) {
    cpa::capabilities c;
    BOOST_TEST(
        cpa::to_json(c) ==
        R"({"model_registrar":false,"model_provider":false,"auth_provider":false,"frontend_auth_provider":false,)"
        R"("frontend_auth_provider_exclusive":false,"scheduler":false,"model_router":false,"executor":false,)"
        R"("executor_model_scope":"","request_translator":false,"request_normalizer":false,)"
        R"("request_interceptor":false,"request_lifecycle_plugin":false,"response_translator":false,)"
        R"("response_before_translator":false,"response_after_translator":false,"response_interceptor":false,)"
        R"("response_stream_interceptor":false,"thinking_applier":false,"usage_plugin":false,)"
        R"("command_line_plugin":false,"management_api":false})");

    c.executor = true;
    c.stream_chunk_interceptor = true;
    c.executor_model_scope = cpa::executor_model_scope::static_only;
    const std::string out = cpa::to_json(c);
    BOOST_TEST(
        contains(out, R"("executor":true,"executor_model_scope":"static","request_translator")"),
        out);
    BOOST_TEST(contains(out, R"("response_stream_interceptor":true)"), out);
    BOOST_TEST(!contains(out, "formats"), out);
}

BOOST_AUTO_TEST_CASE(capabilities_with_executor_formats) {
    cpa::capabilities c;
    c.executor = true;
    c.executor_model_scope = cpa::executor_model_scope::both;
    c.executor_input_formats = {"openai", "claude"};
    c.executor_output_formats = {"openai"};
    BOOST_TEST(contains(cpa::to_json(c),
                        R"("executor":true,"executor_model_scope":"both",)"
                        R"("executor_input_formats":["openai","claude"],)"
                        R"("executor_output_formats":["openai"],"request_translator":false)"));

    c.executor_output_formats.clear();
    c.executor_model_scope = cpa::executor_model_scope::oauth;
    BOOST_TEST(contains(cpa::to_json(c), R"("executor_model_scope":"oauth",)"
                                         R"("executor_input_formats":["openai","claude"],)"
                                         R"("request_translator":false)"));
}

BOOST_AUTO_TEST_CASE(error_info_with_and_without_http_status) {
    BOOST_TEST(cpa::to_json(cpa::error_info{}) == R"({"code":"","message":""})");
    BOOST_TEST(cpa::to_json(cpa::error_info{"plugin_error", "boom"}) ==
               R"({"code":"plugin_error","message":"boom"})");
    BOOST_TEST(cpa::to_json(cpa::error_info{"plugin_error", "boom", false, 502}) ==
               R"({"code":"plugin_error","message":"boom","http_status":502})");
    BOOST_TEST(cpa::to_json(cpa::error_info{"quota", "slow down", true, 429}) ==
               R"({"code":"quota","message":"slow down","retryable":true,"http_status":429})");
    BOOST_TEST(cpa::to_json(cpa::error_info{"c", "m", true, 0}) ==
               R"({"code":"c","message":"m","retryable":true})");
    // omitempty leaves out zero only.
    BOOST_TEST(cpa::to_json(cpa::error_info{"c", "m", false, -1}) ==
               R"({"code":"c","message":"m","http_status":-1})");
}

BOOST_AUTO_TEST_CASE(omit_empty_messages_can_be_empty_objects) {
    BOOST_TEST(cpa::to_json(cpa::host_http_stream_chunk{}) == "{}");
    BOOST_TEST(cpa::to_json(cpa::host_http_stream_chunk{cpa::bytes("x"), "", true}) ==
               R"({"payload":"eA==","done":true})");
    BOOST_TEST(cpa::to_json(cpa::host_model_stream_chunk{}) ==
               R"({"payload":null,"error":"","done":false})");
}

// ---------------------------------------------------------------------------------------------
// Strings

BOOST_AUTO_TEST_CASE(special_characters_are_escaped_like_go) {
    // Quote, backslash, '<' '>' '&' (HTML-safe), \n \r \t, other control characters as
    // lowercase \u00XX, U+2028 and U+2029; '/', DEL and other UTF-8 are written as they are.
    BOOST_TEST(identifier_text("\"\\/") == R"({"identifier":"\"\\/"})");
    BOOST_TEST(identifier_text("<a href='x'>&amp;</a>") ==
               R"({"identifier":"\u003ca href='x'\u003e\u0026amp;\u003c/a\u003e"})");
    BOOST_TEST(identifier_text("a\nb\rc\td") == R"({"identifier":"a\nb\rc\td"})");
    BOOST_TEST(identifier_text(std::string_view("\0\x01\x1a\x1b\x1f", 5)) ==
               R"({"identifier":"\u0000\u0001\u001a\u001b\u001f"})");
    BOOST_TEST(identifier_text("\x7f") == "{\"identifier\":\"\x7f\"}");
    BOOST_TEST(identifier_text("a\u2028b\u2029c") == R"({"identifier":"a\u2028b\u2029c"})");
    BOOST_TEST(identifier_text("\u00e9\u00a0\u20ac\U0001F600\uFFFD") ==
               "{\"identifier\":\"\u00e9\u00a0\u20ac\U0001F600\uFFFD\"}");
    BOOST_TEST(identifier_text("\u2027\u202a") == "{\"identifier\":\"\u2027\u202a\"}");

    // Map keys and free-form values get the same escaping.
    const std::string out = with_metadata(cpa::json_object{{"<k>", "a&b\u2028"}});
    BOOST_TEST(out ==
               R"({"Payload":null,"Headers":null,"Metadata":{"\u003ck\u003e":"a\u0026b\u2028"}})");

    cpa::executor_response r;
    r.headers["X-<h>"] = {"\"v\""};
    BOOST_TEST(cpa::to_json(r) ==
               R"({"Payload":null,"Headers":{"X-\u003ch\u003e":["\"v\""]},"Metadata":null})");
}

BOOST_AUTO_TEST_CASE(backspace_and_form_feed_use_short_escapes) {
    // Go 1.22 and later write \b and \f, not \u0008 and \u000c (CPA builds with Go 1.26).
    BOOST_TEST(identifier_text("a\bb\fc") == R"({"identifier":"a\bb\fc"})");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced) {
    // Each byte that does not start a valid sequence becomes one U+FFFD, as Go's encoder does:
    // a lone continuation byte, a truncated sequence, an overlong form, a surrogate, a code
    // point above U+10FFFF.
    BOOST_TEST(identifier_text("a\xff"
                               "b") == R"({"identifier":"a\ufffdb"})");
    BOOST_TEST(identifier_text("\x80") == R"({"identifier":"\ufffd"})");
    BOOST_TEST(identifier_text("\xc3(") == R"({"identifier":"\ufffd("})");
    BOOST_TEST(identifier_text("\xe2\x82") == R"({"identifier":"\ufffd\ufffd"})");
    BOOST_TEST(identifier_text("\xf0\x9f\x98") == R"({"identifier":"\ufffd\ufffd\ufffd"})");
    BOOST_TEST(identifier_text("\xc0\xaf") == R"({"identifier":"\ufffd\ufffd"})");
    BOOST_TEST(identifier_text("\xed\xa0\x80") == R"({"identifier":"\ufffd\ufffd\ufffd"})");
    BOOST_TEST(identifier_text("\xf4\x90\x80\x80") ==
               R"({"identifier":"\ufffd\ufffd\ufffd\ufffd"})");
    BOOST_TEST(identifier_text("ok\xe2\x82\xac\xe2\x82") ==
               "{\"identifier\":\"ok\u20ac\\ufffd\\ufffd\"}");

    // In map keys and free-form values too.
    const std::string out = with_metadata(cpa::json_object{{"k\xff", "v\xfe"}});
    BOOST_TEST(out == R"({"Payload":null,"Headers":null,"Metadata":{"k\ufffd":"v\ufffd"}})");
}

// ---------------------------------------------------------------------------------------------
// Free-form values

BOOST_AUTO_TEST_CASE(metadata_keys_are_sorted_at_every_depth) {
    // Inserted in reverse order at every level.
    boost::json::object leaf;
    leaf["d"] = 1;
    leaf["c"] = 2;
    boost::json::object inner;
    inner["y"] = 1;
    inner["b"] = boost::json::array{leaf, boost::json::array{leaf}};
    inner["a"] = true;
    cpa::json_object md;
    md["\xc3\xa9"] = 1; // sorts after every ASCII key
    md["z"] = inner;
    md["m"] = nullptr;
    md["aa"] = "2";
    md["a"] = "1";
    md["B"] = "upper case sorts first";
    md["A_"] = 0;

    BOOST_TEST(
        with_metadata(md) ==
        R"({"Payload":null,"Headers":null,"Metadata":{"A_":0,"B":"upper case sorts first","a":"1","aa":"2",)"
        R"("m":null,"z":{"a":true,"b":[{"c":2,"d":1},[{"c":2,"d":1}]],"y":1},)"
        "\"\xc3\xa9\":1}}");

    // The same in every message that carries a free-form object.
    cpa::auth_data a;
    a.metadata = md;
    BOOST_TEST(contains(cpa::to_json(a), R"("Metadata":{"A_":0,"B":)"));
    cpa::host_log_request log;
    log.fields["z"] = 1;
    log.fields["a"] = boost::json::object{{"y", 1}, {"x", 2}};
    BOOST_TEST(cpa::to_json(log) ==
               R"({"level":"debug","message":"","fields":{"a":{"x":2,"y":1},"z":1}})");
}

BOOST_AUTO_TEST_CASE(raw_json_value_keeps_its_own_key_order) {
    cpa::host_auth_save_request r;
    r.name = "codex-a.json";
    r.json = boost::json::parse(R"({"z":1,"a":{"y":2,"b":[{"d":1,"c":2}]},"m":"<&>"})");
    BOOST_TEST(
        cpa::to_json(r) ==
        R"({"name":"codex-a.json","json":{"z":1,"a":{"y":2,"b":[{"d":1,"c":2}]},"m":"\u003c\u0026\u003e"}})");

    r.json = nullptr;
    BOOST_TEST(cpa::to_json(r) == R"({"name":"codex-a.json","json":null})");

    // The envelope's result is raw too.
    cpa::envelope env;
    env.ok = true;
    env.result = boost::json::parse(R"({"b":1,"a":2})");
    BOOST_TEST(cpa::to_json(env) == R"({"ok":true,"result":{"b":1,"a":2}})");
}

BOOST_AUTO_TEST_CASE(floats_use_go_formatting) {
    BOOST_TEST(number_text(1e21) == "1e+21");
    BOOST_TEST(number_text(1e-7) == "1e-7");
    BOOST_TEST(number_text(0.000001) == "0.000001");
    BOOST_TEST(number_text(100.0) == "100");
    BOOST_TEST(number_text(1.5) == "1.5");
    BOOST_TEST(number_text(0.1) == "0.1");
    BOOST_TEST(number_text(-2.5e-8) == "-2.5e-8");
    BOOST_TEST(number_text(1.2e-6) == "0.0000012");
    BOOST_TEST(number_text(123456.789) == "123456.789");
    BOOST_TEST(number_text(1e20) == "100000000000000000000");
    BOOST_TEST(number_text(1.5e21) == "1.5e+21");
    BOOST_TEST(number_text(1e-10) == "1e-10");
    BOOST_TEST(number_text(1e-100) == "1e-100");
    BOOST_TEST(number_text(5e-324) == "5e-324");
    BOOST_TEST(number_text(1.7976931348623157e308) == "1.7976931348623157e+308");
    BOOST_TEST(number_text(0.0) == "0");
    BOOST_TEST(number_text(-0.0) == "-0");
    BOOST_TEST(number_text(-1e21) == "-1e+21");

    // Integers stay integers.
    BOOST_TEST(
        with_metadata(cpa::json_object{{"i", -3}, {"u", std::uint64_t{18446744073709551615u}}}) ==
        R"({"Payload":null,"Headers":null,"Metadata":{"i":-3,"u":18446744073709551615}})");
}

BOOST_AUTO_TEST_CASE(large_floats_use_shortest_digits) {
    // Go writes the shortest digits that read back to the same double, then pads with zeros:
    // strconv.FormatFloat(1.2345678901234568e20, 'f', -1, 64) is "123456789012345680000".
    BOOST_TEST(number_text(1.2345678901234568e20) == "123456789012345680000");
    BOOST_TEST(number_text(9.999999999999999e20) == "999999999999999900000");
    BOOST_TEST(number_text(1.8446744073709552e19) == "18446744073709552000");
}

BOOST_AUTO_TEST_CASE(nan_in_json_object_throws_wire_error) {
    for (const double bad :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity()}) {
        cpa::executor_response r;
        r.metadata["ok"] = 1;
        r.metadata["bad"] = boost::json::array{1, boost::json::object{{"x", bad}}};
        try {
            (void)cpa::to_json(r);
            BOOST_ERROR("to_json did not throw for a non-finite number");
        } catch (const cpa::wire_error& e) {
            const std::string what = e.what();
            BOOST_TEST(what.starts_with("executor_response: "), what);
            BOOST_TEST(contains(what, "non-finite"), what);
        }
    }

    // Raw JSON values as well.
    cpa::host_auth_save_request save;
    save.json = boost::json::object{{"x", std::numeric_limits<double>::quiet_NaN()}};
    BOOST_CHECK_THROW((void)cpa::to_json(save), cpa::wire_error);
}

// ---------------------------------------------------------------------------------------------
// Times

BOOST_AUTO_TEST_CASE(zero_time_is_written_as_go_zero_time) {
    cpa::auth_refresh_response r;
    const std::string out = cpa::to_json(r);
    BOOST_TEST(contains(out, R"("NextRefreshAfter":"0001-01-01T00:00:00Z")"), out);
}

BOOST_AUTO_TEST_CASE(times_keep_fraction_and_offset) {
    cpa::auth_login_start_response r;
    r.expires_at = utc(1767323045 - 8 * 3600, 500000000, 8 * 3600);
    BOOST_TEST(
        cpa::to_json(r) ==
        R"({"Provider":"","URL":"","State":"","ExpiresAt":"2026-01-02T03:04:05.5+08:00","Metadata":null})");

    r.expires_at = cpa::timestamp::from_sys(
        std::chrono::sys_days{std::chrono::year{2026} / std::chrono::January / 2} + 3h + 4min + 5s +
        123456789ns);
    BOOST_TEST(contains(cpa::to_json(r), R"("ExpiresAt":"2026-01-02T03:04:05.123456789Z")"));

    r.expires_at = utc(1767323045 + 5 * 3600 + 30 * 60, 0, -(5 * 3600 + 30 * 60));
    BOOST_TEST(contains(cpa::to_json(r), R"("ExpiresAt":"2026-01-02T03:04:05-05:30")"));
}

BOOST_AUTO_TEST_CASE(timestamp_with_year_10000_throws_wire_error) {
    cpa::auth_login_start_response r;
    r.expires_at = utc(253402300799, 999999999);
    BOOST_TEST(contains(cpa::to_json(r), R"("ExpiresAt":"9999-12-31T23:59:59.999999999Z")"));
    r.expires_at = utc(-62167219200);
    BOOST_TEST(contains(cpa::to_json(r), R"("ExpiresAt":"0000-01-01T00:00:00Z")"));

    r.expires_at = utc(253402300800);
    try {
        (void)cpa::to_json(r);
        BOOST_ERROR("to_json did not throw for the year 10000");
    } catch (const cpa::wire_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.starts_with("auth_login_start_response: "), what);
        BOOST_TEST(contains(what, "year"), what);
    }

    // Year -1, and a local time pushed into the year 10000 by its offset.
    r.expires_at = utc(-62167219201);
    BOOST_CHECK_THROW((void)cpa::to_json(r), cpa::wire_error);
    r.expires_at = utc(253402300799, 0, 3600);
    BOOST_CHECK_THROW((void)cpa::to_json(r), cpa::wire_error);
}

// ---------------------------------------------------------------------------------------------
// Containers

BOOST_AUTO_TEST_CASE(headers_with_several_values) {
    cpa::executor_response r;
    r.headers["X-B"] = {"2", "1"};
    r.headers["Accept"] = {"text/html", "application/json"};
    r.headers["a-lower"] = {"x"};
    r.headers["Set-Cookie"] = {"a=1", "b=2", "c=3"};
    BOOST_TEST(
        cpa::to_json(r) ==
        R"({"Payload":null,"Headers":{"Accept":["text/html","application/json"],"Set-Cookie":["a=1","b=2","c=3"],"X-B":["2","1"],"a-lower":["x"]},"Metadata":null})");

    // A name with no values is written with a null list.
    cpa::executor_response none;
    none.headers["X-Empty"] = {};
    BOOST_TEST(cpa::to_json(none) ==
               R"({"Payload":null,"Headers":{"X-Empty":null},"Metadata":null})");
}

BOOST_AUTO_TEST_CASE(empty_vectors_maps_and_bytes_are_null) {
    BOOST_TEST(
        cpa::to_json(cpa::executor_request{}) ==
        R"({"AuthID":"","AuthProvider":"","Model":"","Format":"","Stream":false,"Alt":"","Headers":null,)"
        R"("Query":null,"OriginalRequest":null,"SourceFormat":"","Payload":null,"Metadata":null,)"
        R"("StorageJSON":null,"AuthMetadata":null,"AuthAttributes":null})");

    BOOST_TEST(
        cpa::to_json(cpa::model_info{}) ==
        R"({"ID":"","Object":"","Created":0,"OwnedBy":"","Type":"","DisplayName":"","Name":"","Version":"",)"
        R"("Description":"","InputTokenLimit":0,"OutputTokenLimit":0,"SupportedGenerationMethods":null,)"
        R"("ContextLength":0,"MaxCompletionTokens":0,"SupportedParameters":null,"SupportedInputModalities":null,)"
        R"("SupportedOutputModalities":null,"Thinking":null,"UserDefined":false})");

    BOOST_TEST(
        cpa::to_json(cpa::host_config_summary{}) ==
        R"({"AuthDir":"","ProxyURL":"","ForceModelPrefix":false,"OAuthModelAlias":null,"ExcludedModels":null})");

    cpa::stream_chunk_intercept_request s;
    s.history_chunks = {cpa::bytes("a"), cpa::bytes()};
    BOOST_TEST(contains(cpa::to_json(s), R"("HistoryChunks":["YQ==",null])"));
}

BOOST_AUTO_TEST_CASE(optional_struct_is_written_when_present) {
    cpa::model_info m;
    m.id = "gpt";
    m.thinking = cpa::thinking_support{};
    m.thinking->levels = {"low", "high"};
    BOOST_TEST(contains(
        cpa::to_json(m),
        R"("Thinking":{"Min":0,"Max":0,"ZeroAllowed":false,"DynamicAllowed":false,"Levels":["low","high"]},"UserDefined":false})"));
}

BOOST_AUTO_TEST_CASE(durations_and_enums_use_their_wire_forms) {
    cpa::usage_record u;
    u.latency = 1500ms;
    u.ttft = -1ns;
    const std::string out = cpa::to_json(u);
    BOOST_TEST(contains(out, R"("Latency":1500000000,"TTFT":-1,)"), out);

    cpa::host_log_request log;
    log.level = cpa::log_level::warn;
    log.message = "m";
    BOOST_TEST(cpa::to_json(log) == R"({"level":"warn","message":"m","fields":null})");
    log.host_callback_id = "cb";
    log.level = cpa::log_level::error;
    BOOST_TEST(cpa::to_json(log) ==
               R"({"host_callback_id":"cb","level":"error","message":"m","fields":null})");
}

// ---------------------------------------------------------------------------------------------
// Entry points and round trip

BOOST_AUTO_TEST_CASE(to_json_appends_to_the_buffer) {
    std::string out = "prefix:";
    cpa::to_json(cpa::identifier_response{"x"}, out);
    BOOST_TEST(out == R"(prefix:{"identifier":"x"})");

    const boost::json::value dom = boost::json::value_from(cpa::identifier_response{"x"});
    BOOST_TEST(dom == boost::json::parse(R"({"identifier":"x"})"));
}

BOOST_AUTO_TEST_CASE(fully_populated_executor_request_round_trips) {
    const std::string json =
        R"({"AuthID":"auth-1","AuthProvider":"codex","Model":"gpt-5","Format":"openai","Stream":true,)"
        R"("Alt":"sse","Headers":{"Accept":["text/event-stream"],"X-Multi":["a","b"]},)"
        R"("Query":{"alt":["sse"],"key":["k1","k2"]},"OriginalRequest":"eyJhIjoxfQ==",)"
        R"("SourceFormat":"claude","Payload":"cGF5bG9hZA==",)"
        R"("Metadata":{"nested":{"k":[1,2.5,"s",null,true,{"x":-1}]},"z":"last"},)"
        R"("StorageJSON":"eyJ0b2tlbiI6InQifQ==","AuthMetadata":{"email":"a@b.c","expires":1767323045},)"
        R"("AuthAttributes":{"tier":"pro"},"stream_id":"st-1","host_callback_id":"cb-1"})";

    const auto a = cpa::from_json<cpa::executor_request>(json);
    BOOST_TEST(a.auth_id == "auth-1");
    BOOST_TEST(a.auth_provider == "codex");
    BOOST_TEST(a.model == "gpt-5");
    BOOST_TEST(a.format == "openai");
    BOOST_TEST(a.stream);
    BOOST_TEST(a.alt == "sse");
    BOOST_TEST(
        (a.headers == cpa::headers{{"Accept", {"text/event-stream"}}, {"X-Multi", {"a", "b"}}}));
    BOOST_TEST((a.query == cpa::headers{{"alt", {"sse"}}, {"key", {"k1", "k2"}}}));
    BOOST_TEST(a.original_request == cpa::bytes(R"({"a":1})"));
    BOOST_TEST(a.source_format == "claude");
    BOOST_TEST(a.payload == cpa::bytes("payload"));
    BOOST_TEST(a.metadata ==
               boost::json::parse(R"({"nested":{"k":[1,2.5,"s",null,true,{"x":-1}]},"z":"last"})")
                   .as_object());
    BOOST_TEST(a.storage_json == cpa::bytes(R"({"token":"t"})"));
    BOOST_TEST(a.auth_metadata ==
               boost::json::parse(R"({"email":"a@b.c","expires":1767323045})").as_object());
    BOOST_TEST((a.auth_attributes == cpa::string_map{{"tier", "pro"}}));
    BOOST_TEST(a.stream_id == "st-1");
    BOOST_TEST(a.host_callback_id == "cb-1");

    const std::string encoded = cpa::to_json(a);
    BOOST_TEST(encoded == json);

    const auto b = cpa::from_json<cpa::executor_request>(encoded);
    BOOST_TEST(b.auth_id == a.auth_id);
    BOOST_TEST(b.auth_provider == a.auth_provider);
    BOOST_TEST(b.model == a.model);
    BOOST_TEST(b.format == a.format);
    BOOST_TEST(b.stream == a.stream);
    BOOST_TEST(b.alt == a.alt);
    BOOST_TEST((b.headers == a.headers));
    BOOST_TEST((b.query == a.query));
    BOOST_TEST(b.original_request == a.original_request);
    BOOST_TEST(b.source_format == a.source_format);
    BOOST_TEST(b.payload == a.payload);
    BOOST_TEST(b.metadata == a.metadata);
    BOOST_TEST(b.storage_json == a.storage_json);
    BOOST_TEST(b.auth_metadata == a.auth_metadata);
    BOOST_TEST((b.auth_attributes == a.auth_attributes));
    BOOST_TEST(b.stream_id == a.stream_id);
    BOOST_TEST(b.host_callback_id == a.host_callback_id);
    BOOST_TEST(cpa::to_json(b) == encoded);
}
