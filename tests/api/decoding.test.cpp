#include <boost/test/unit_test.hpp>

// Decoding rules of the wire codec, one test case per rule: how keys match, what `null` does,
// which numbers, strings, times and byte strings are refused, what the errors say, and that a bad
// message never escapes `try_from_json` as anything but an error value. The rules are those of
// Go's encoding/json as CPA's host uses it (see the comment at the top of cpa/detail/codec.hpp).
#include <cpa/api.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpa {

// Let BOOST_TEST print both sides of a failed comparison of wire enums, bytes and times.
template <detail::wire_enum E>
std::ostream& boost_test_print_type(std::ostream& os, const E& value) {
    return os << '"' << detail::codec<E>::spelling(value) << '"';
}

std::ostream& boost_test_print_type(std::ostream& os, const bytes& value) {
    return os << '"' << value.view() << '"';
}

std::ostream& boost_test_print_type(std::ostream& os, const timestamp& t) {
    return os << "{unix_seconds=" << t.unix_seconds << ", nanoseconds=" << t.nanoseconds
              << ", utc_offset_seconds=" << t.utc_offset_seconds << '}';
}

} // namespace cpa

namespace {

using namespace std::string_view_literals;

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// Decodes `json` as a T that must succeed.
template <class T>
T decode(std::string_view json) {
    auto result = cpa::try_from_json<T>(json);
    BOOST_TEST_REQUIRE(result.has_value(), "unexpected decode failure of "
                                               << json << ": "
                                               << (result ? "" : result.error().what()));
    return std::move(*result);
}

// Decodes `json` as a T that must fail, checks that `from_json` throws the same error as a
// `cpa::wire_error`, and returns its text.
template <class T>
std::string decode_error(std::string_view json) {
    auto result = cpa::try_from_json<T>(json);
    BOOST_TEST_REQUIRE(!result.has_value(), "unexpected decode success of " << json);
    const std::string message = result.error().what();
    try {
        (void)cpa::from_json<T>(json);
        BOOST_ERROR("from_json did not throw for " << json);
    } catch (const cpa::wire_error& e) {
        BOOST_TEST(std::string(e.what()) == message);
    }
    return message;
}

// The JSON text of `depth` nested objects `{"a":{"a":...1...}}`.
std::string nested_objects(std::size_t depth) {
    std::string s;
    for (std::size_t i = 0; i < depth; ++i) {
        s += R"({"a":)";
    }
    s += '1';
    s.append(depth, '}');
    return s;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Keys

BOOST_AUTO_TEST_CASE(keys_match_case_insensitively) {
    const auto r = decode<cpa::model_route_response>(
        R"({"handled":true,"TARGETKIND":"provider","target":"openai","tArGeTmOdEl":"gpt","REASON":"r"})");
    BOOST_TEST(r.handled);
    BOOST_TEST(r.target_kind == cpa::route_target_kind::provider);
    BOOST_TEST(r.target == "openai");
    BOOST_TEST(r.target_model == "gpt");
    BOOST_TEST(r.reason == "r");

    // snake_case keys fold too, as long as the underscores are where the field has them.
    const auto e = decode<cpa::executor_request>(R"({"STREAM_ID":"s","Host_Callback_Id":"cb"})");
    BOOST_TEST(e.stream_id == "s");
    BOOST_TEST(e.host_callback_id == "cb");

    BOOST_TEST(decode<cpa::identifier_response>(R"({"Identifier":"x"})").identifier == "x");
}

BOOST_AUTO_TEST_CASE(exact_and_folded_spellings_name_the_same_field) {
    // The exact spelling and a folded spelling of one field are the same key to Go, so the later
    // one wins, whichever of them matched exactly.
    BOOST_TEST(decode<cpa::identifier_response>(R"({"identifier":"exact","IDENTIFIER":"folded"})")
                   .identifier == "folded");
    BOOST_TEST(decode<cpa::identifier_response>(R"({"IDENTIFIER":"folded","identifier":"exact"})")
                   .identifier == "exact");
}

BOOST_AUTO_TEST_CASE(underscore_keys_do_not_match_pascal_fields) {
    const auto r = decode<cpa::model_route_response>(
        R"({"target_kind":"self","target_model":"m","Handled":true})");
    BOOST_TEST(r.handled);
    BOOST_TEST(r.target_kind == cpa::route_target_kind::unset);
    BOOST_TEST(r.target_model.empty());

    // ... nor do PascalCase keys match snake_case fields.
    const auto e = decode<cpa::executor_request>(
        R"({"HostCallbackID":"x","hostcallbackid":"y","StreamID":"s","AuthID":"a"})");
    BOOST_TEST(e.host_callback_id.empty());
    BOOST_TEST(e.stream_id.empty());
    BOOST_TEST(e.auth_id == "a");

    const auto reg = decode<cpa::register_request>(R"({"SchemaVersion":3,"ConfigYAML":"YQ=="})");
    BOOST_TEST(reg.schema_version == 0u);
    BOOST_TEST(reg.config_yaml.empty());
}

BOOST_AUTO_TEST_CASE(long_s_and_kelvin_sign_fold) {
    // U+212A KELVIN SIGN folds to 'k', U+017F LATIN SMALL LETTER LONG S to 's'; as JSON escapes
    // and as raw UTF-8.
    const auto r = decode<cpa::model_route_response>(
        R"({"Target\u212Aind":"self","Rea\u017Fon":"r","HANDLED":true})");
    BOOST_TEST(r.target_kind == cpa::route_target_kind::self);
    BOOST_TEST(r.reason == "r");
    BOOST_TEST(r.handled);

    const auto raw = decode<cpa::model_route_response>(
        "{\"target\xE2\x84\xAAind\":\"executor\",\"REA\xC5\xBFON\":\"q\"}");
    BOOST_TEST(raw.target_kind == cpa::route_target_kind::executor);
    BOOST_TEST(raw.reason == "q");

    const auto e = decode<cpa::executor_request>(R"({"\u017Ftream_id":"s","\u017FTREAM":true})");
    BOOST_TEST(e.stream_id == "s");
    BOOST_TEST(e.stream);

    // They fold to their own letter only, and other non-ASCII look-alikes do not fold.
    const auto other = decode<cpa::model_route_response>(
        R"({"Tar\u212Aet":"x","Rea\u212Aon":"y","Re\u0251son":"z","\uFF28andled":true})");
    BOOST_TEST(other.target.empty());
    BOOST_TEST(other.reason.empty());
    BOOST_TEST(!other.handled);
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_ignored) {
    const auto r = decode<cpa::identifier_response>(
        R"({"before":[1,{"x":null}],"identifier":"id","after":{"deep":[[[]]]},"huge":1e999,"n":-0.5})");
    BOOST_TEST(r.identifier == "id");

    // Unknown keys of nested messages too.
    const auto m = decode<cpa::model_response>(
        R"({"Models":[{"ID":"m1","Unknown":{"a":1},"Thinking":{"Min":1,"Extra":"x"}}]})");
    BOOST_TEST_REQUIRE(m.models.size() == 1u);
    BOOST_TEST(m.models[0].id == "m1");
    BOOST_TEST_REQUIRE(m.models[0].thinking.has_value());
    BOOST_TEST(m.models[0].thinking->min == 1);

    // `{}` and unknown-only objects give the default message.
    BOOST_TEST(decode<cpa::identifier_response>("{}").identifier.empty());
    BOOST_TEST(cpa::try_from_json<cpa::empty_message>(R"({"anything":[1,2,3]})").has_value());
}

BOOST_AUTO_TEST_CASE(last_duplicate_key_wins) {
    BOOST_TEST(decode<cpa::model_route_response>(R"({"Reason":"a","Reason":"b"})").reason == "b");
    BOOST_TEST(decode<cpa::model_route_response>(R"({"Reason":"a","reason":"b"})").reason == "b");
    BOOST_TEST(decode<cpa::model_route_response>(R"({"reason":"a","Reason":"b"})").reason == "b");

    const auto e = decode<cpa::executor_request>(
        R"({"Metadata":{"k":1,"k":2},"Headers":{"A":["1"],"A":["2","3"]}})");
    BOOST_TEST(e.metadata.at("k").as_int64() == 2);
    BOOST_TEST_REQUIRE(e.headers.count("A") == 1u);
    BOOST_TEST(e.headers.at("A") == (std::vector<std::string>{"2", "3"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(last_duplicate_key_wins_across_case_variants) {
    // Go applies the keys in document order: Reason="a", then "b", then "c". The third key
    // repeats the first one exactly, and must still be applied last.
    BOOST_TEST(
        decode<cpa::model_route_response>(R"({"Reason":"a","reason":"b","Reason":"c"})").reason ==
        "c");
    BOOST_TEST(
        decode<cpa::model_route_response>(R"({"Handled":true,"handled":false,"Handled":true})")
            .handled);
    // A map set, cleared by a case variant, then set again: Go ends with {"b":2}.
    const auto e =
        decode<cpa::executor_request>(R"({"Metadata":{"a":1},"metadata":null,"Metadata":{"b":2}})");
    BOOST_TEST(e.metadata.size() == 1u);
    BOOST_TEST(e.metadata.contains("b"));
}

// ---------------------------------------------------------------------------------------------
// null

BOOST_AUTO_TEST_CASE(null_leaves_scalar_default) {
    const auto r = decode<cpa::model_route_response>(
        R"({"Handled":null,"TargetKind":null,"Target":null,"TargetModel":null,"Reason":null})");
    BOOST_TEST(!r.handled);
    BOOST_TEST(r.target_kind == cpa::route_target_kind::unset);
    BOOST_TEST(r.reason.empty());

    // null after a value leaves the value alone (strings, booleans, integers, times, enums).
    const auto kept = decode<cpa::model_route_response>(
        R"({"Reason":"a","reason":null,"Handled":true,"handled":null,"TargetKind":"self","targetkind":null})");
    BOOST_TEST(kept.reason == "a");
    BOOST_TEST(kept.handled);
    BOOST_TEST(kept.target_kind == cpa::route_target_kind::self);

    const auto reg = decode<cpa::register_request>(R"({"schema_version":3,"Schema_Version":null})");
    BOOST_TEST(reg.schema_version == 3u);

    const auto login = decode<cpa::auth_login_start_response>(
        R"({"ExpiresAt":"2026-01-02T03:04:05Z","expiresat":null})");
    BOOST_TEST(login.expires_at.unix_seconds == 1767323045);

    // null for a struct leaves it alone as well.
    const auto parsed = decode<cpa::auth_parse_response>(R"({"Auth":{"ID":"x"},"auth":null})");
    BOOST_TEST(parsed.auth.id == "x");
    BOOST_TEST(decode<cpa::auth_parse_response>(R"({"Auth":null})").auth.id.empty());
}

BOOST_AUTO_TEST_CASE(null_clears_map) {
    const auto e = decode<cpa::executor_request>(
        R"({"Metadata":{"a":1},"metadata":null,"Headers":{"A":["b"]},"headers":null,)"
        R"("AuthAttributes":{"k":"v"},"authattributes":null})");
    BOOST_TEST(e.metadata.empty());
    BOOST_TEST(e.headers.empty());
    BOOST_TEST(e.auth_attributes.empty());
}

BOOST_AUTO_TEST_CASE(null_clears_slices_bytes_and_optionals) {
    const auto m = decode<cpa::model_info>(
        R"({"SupportedParameters":["a"],"supportedparameters":null,"Thinking":{"Min":1},"thinking":null})");
    BOOST_TEST(m.supported_parameters.empty());
    BOOST_TEST(!m.thinking.has_value());

    const auto p = decode<cpa::payload_response>(R"({"Body":"YQ==","body":null})");
    BOOST_TEST(p.body.empty());
}

BOOST_AUTO_TEST_CASE(maps_structs_and_optionals_merge_like_go) {
    // Go decodes into what is already there: maps keep keys not overwritten, structs and
    // pointed-to structs keep fields not mentioned.
    const auto e = decode<cpa::executor_request>(
        R"({"Metadata":{"a":1,"b":1},"metadata":{"b":2},"AuthAttributes":{"x":"1"},"authAttributes":{"y":"2"}})");
    BOOST_TEST(e.metadata.size() == 2u);
    BOOST_TEST(e.metadata.at("a").as_int64() == 1);
    BOOST_TEST(e.metadata.at("b").as_int64() == 2);
    BOOST_TEST(e.auth_attributes.size() == 2u);

    const auto m = decode<cpa::model_info>(R"({"Thinking":{"Min":1},"thinking":{"Max":2}})");
    BOOST_TEST_REQUIRE(m.thinking.has_value());
    BOOST_TEST(m.thinking->min == 1);
    BOOST_TEST(m.thinking->max == 2);

    const auto a = decode<cpa::auth_parse_response>(R"({"Auth":{"ID":"i"},"auth":{"Label":"l"}})");
    BOOST_TEST(a.auth.id == "i");
    BOOST_TEST(a.auth.label == "l");
}

// ---------------------------------------------------------------------------------------------
// Numbers

BOOST_AUTO_TEST_CASE(float_for_integer_field_is_rejected) {
    const auto msg = decode_error<cpa::register_request>(R"({"schema_version":8192.0})");
    BOOST_TEST(contains(msg, "register_request"), msg);
    BOOST_TEST(contains(msg, "field schema_version"), msg);
    BOOST_TEST(contains(msg, "expected an integer"), msg);

    const auto frac = decode_error<cpa::http_response>(R"({"StatusCode":200.5})");
    BOOST_TEST(contains(frac, "http_response: field StatusCode: expected an integer"), frac);
}

BOOST_AUTO_TEST_CASE(exponent_for_integer_field_is_rejected) {
    const auto msg = decode_error<cpa::register_request>(R"({"schema_version":1e3})");
    BOOST_TEST(contains(msg, "register_request: field schema_version: expected an integer"), msg);

    const auto big = decode_error<cpa::usage_detail>(R"({"InputTokens":1E2})");
    BOOST_TEST(contains(big, "usage_detail: field InputTokens: expected an integer"), big);
}

BOOST_AUTO_TEST_CASE(negative_schema_version_is_rejected) {
    const auto msg = decode_error<cpa::register_request>(R"({"schema_version":-1})");
    BOOST_TEST(msg ==
                   "register_request: field schema_version: integer -1 out of range for a 32-bit "
                   "unsigned field",
               msg);
}

BOOST_AUTO_TEST_CASE(schema_version_above_uint32_is_rejected) {
    BOOST_TEST(decode<cpa::register_request>(R"({"schema_version":4294967295})").schema_version ==
               4294967295u);
    const auto msg = decode_error<cpa::register_request>(R"({"schema_version":4294967296})");
    BOOST_TEST(msg ==
                   "register_request: field schema_version: integer 4294967296 out of range for a "
                   "32-bit unsigned field",
               msg);
    const auto response = decode_error<cpa::register_response>(R"({"schema_version":1e10})");
    BOOST_TEST(contains(response, "register_response: field schema_version"), response);
}

BOOST_AUTO_TEST_CASE(int64_fields_take_the_full_range_and_no_more) {
    BOOST_TEST(decode<cpa::usage_detail>(R"({"InputTokens":-9223372036854775808})").input_tokens ==
               INT64_MIN);
    BOOST_TEST(decode<cpa::usage_detail>(R"({"InputTokens":9223372036854775807})").input_tokens ==
               INT64_MAX);
    const auto over = decode_error<cpa::usage_detail>(R"({"InputTokens":9223372036854775808})");
    BOOST_TEST(contains(over, "usage_detail: field InputTokens: integer 9223372036854775808 out "
                              "of range for a 64-bit signed field"),
               over);
    const auto under = decode_error<cpa::usage_detail>(R"({"InputTokens":-9223372036854775809})");
    BOOST_TEST(contains(under, "usage_detail: field InputTokens"), under);
    const auto huge = decode_error<cpa::usage_detail>(R"({"InputTokens":1e999})");
    BOOST_TEST(contains(huge, "usage_detail: field InputTokens: expected an integer"), huge);
}

BOOST_AUTO_TEST_CASE(floats_in_free_form_objects_decode_to_the_nearest_double) {
    // Go's strconv.ParseFloat is correctly rounded, so the shortest digits Go writes for a
    // float64 read back as the same float64, and are written again unchanged.
    for (const auto text :
         {"0.1"sv, "2.5"sv, "933.0544305299615"sv, "909.6720186299451"sv, "9.277891499372119"sv,
          "1.9162297225132058e+173"sv, "2.1542687414875476e-293"sv, "123456789012345680000"sv}) {
        BOOST_TEST_CONTEXT(text) {
            double expected = 0;
            const auto [end, ec] =
                std::from_chars(text.data(), text.data() + text.size(), expected);
            BOOST_TEST_REQUIRE((ec == std::errc{} && end == text.data() + text.size()));
            const auto r =
                decode<cpa::executor_response>(R"({"Metadata":{"v":)" + std::string(text) + "}}");
            BOOST_TEST_REQUIRE(r.metadata.at("v").is_double());
            BOOST_TEST(r.metadata.at("v").get_double() == expected);
        }
    }
    const std::string json =
        R"({"Payload":null,"Headers":null,"Metadata":{"v":933.0544305299615}})";
    BOOST_TEST(cpa::to_json(decode<cpa::executor_response>(json)) == json);
}

BOOST_AUTO_TEST_CASE(integer_field_rejects_strings_and_booleans) {
    const auto str = decode_error<cpa::register_request>(R"({"schema_version":"1"})");
    BOOST_TEST(str == "register_request: field schema_version: expected an integer, got a string",
               str);
    const auto boolean = decode_error<cpa::register_request>(R"({"schema_version":true})");
    BOOST_TEST(boolean ==
                   "register_request: field schema_version: expected an integer, got a boolean",
               boolean);
}

BOOST_AUTO_TEST_CASE(durations_are_integer_nanoseconds) {
    const auto u = decode<cpa::usage_record>(R"({"Latency":1500000000,"TTFT":-1})");
    BOOST_TEST(u.latency.count() == 1500000000);
    BOOST_TEST(u.ttft.count() == -1);
    const auto msg = decode_error<cpa::usage_record>(R"({"Latency":"1.5s"})");
    BOOST_TEST(msg == "usage_record: field Latency: expected an integer, got a string", msg);
}

BOOST_AUTO_TEST_CASE(booleans_must_be_true_or_false) {
    const auto number = decode_error<cpa::model_route_response>(R"({"Handled":1})");
    BOOST_TEST(number == "model_route_response: field Handled: expected a boolean, got a number",
               number);
    const auto str = decode_error<cpa::model_route_response>(R"({"Handled":"true"})");
    BOOST_TEST(str == "model_route_response: field Handled: expected a boolean, got a string", str);
    const auto arr = decode_error<cpa::capabilities>(R"({"executor":[]})");
    BOOST_TEST(arr == "capabilities: field executor: expected a boolean, got an array", arr);
}

// ---------------------------------------------------------------------------------------------
// Times

BOOST_AUTO_TEST_CASE(empty_time_is_rejected) {
    const auto msg = decode_error<cpa::auth_login_start_response>(R"({"ExpiresAt":""})");
    BOOST_TEST(contains(msg, "auth_login_start_response: field ExpiresAt: invalid RFC 3339 time"),
               msg);
}

BOOST_AUTO_TEST_CASE(time_without_zone_is_rejected) {
    const auto msg =
        decode_error<cpa::auth_login_start_response>(R"({"ExpiresAt":"2026-01-02T03:04:05"})");
    BOOST_TEST(contains(msg, "auth_login_start_response: field ExpiresAt: invalid RFC 3339 time "
                             "\"2026-01-02T03:04:05\""),
               msg);
}

BOOST_AUTO_TEST_CASE(malformed_time_is_rejected) {
    for (const auto bad :
         {R"({"ExpiresAt":"2026-13-01T00:00:00Z"})"sv, R"({"ExpiresAt":"2026-01-02 03:04:05Z"})"sv,
          R"({"ExpiresAt":"yesterday"})"sv, R"({"ExpiresAt":"2026-01-02"})"sv}) {
        const auto msg = decode_error<cpa::auth_login_start_response>(bad);
        BOOST_TEST(contains(msg, "field ExpiresAt: invalid RFC 3339 time"), msg);
    }
    const auto number = decode_error<cpa::auth_login_start_response>(R"({"ExpiresAt":0})");
    BOOST_TEST(number == "auth_login_start_response: field ExpiresAt: expected an RFC 3339 time "
                         "string, got a number",
               number);
    // Nested paths are named in full.
    const auto nested =
        decode_error<cpa::host_auth_list_response>(R"({"files":[{},{"modtime":"x"}]})");
    BOOST_TEST(
        contains(nested, "host_auth_list_response: field files[1].modtime: invalid RFC 3339"),
        nested);
}

BOOST_AUTO_TEST_CASE(null_time_gives_zero_time) {
    const auto login = decode<cpa::auth_login_start_response>(R"({"ExpiresAt":null})");
    BOOST_TEST(login.expires_at.is_zero());
    BOOST_TEST(login.expires_at == cpa::timestamp{});
}

BOOST_AUTO_TEST_CASE(time_keeps_fraction_and_offset) {
    const auto login = decode<cpa::auth_login_start_response>(
        R"({"ExpiresAt":"2026-01-02T03:04:05.123456789+08:00"})");
    BOOST_TEST(login.expires_at.nanoseconds == 123456789u);
    BOOST_TEST(login.expires_at.utc_offset_seconds == 8 * 3600);
    BOOST_TEST(login.expires_at.unix_seconds == 1767323045 - 8 * 3600);
}

// ---------------------------------------------------------------------------------------------
// Byte strings

BOOST_AUTO_TEST_CASE(padded_base64_is_accepted) {
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":"YQ=="})").body == cpa::bytes("a"));
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":"YWI="})").body == cpa::bytes("ab"));
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":"YWJj"})").body == cpa::bytes("abc"));
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":"+/8="})").body ==
               cpa::bytes(std::string_view("\xfb\xff")));
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":""})").body.empty());
}

BOOST_AUTO_TEST_CASE(unpadded_base64_is_rejected) {
    const auto msg = decode_error<cpa::payload_response>(R"({"Body":"YQ"})");
    BOOST_TEST(contains(msg, "payload_response: field Body: invalid base64"), msg);
    const auto three = decode_error<cpa::payload_response>(R"({"Body":"YWI"})");
    BOOST_TEST(contains(three, "payload_response: field Body: invalid base64"), three);
}

BOOST_AUTO_TEST_CASE(url_safe_base64_is_rejected) {
    const auto msg = decode_error<cpa::payload_response>(R"({"Body":"-_8="})");
    BOOST_TEST(contains(msg, "payload_response: field Body: invalid base64 at offset 0"), msg);
    const auto later = decode_error<cpa::executor_request>(R"({"Payload":"YWJj_w=="})");
    BOOST_TEST(contains(later, "executor_request: field Payload: invalid base64 at offset 4"),
               later);
}

BOOST_AUTO_TEST_CASE(bytes_accept_array_of_small_integers) {
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":[97,98,0,255]})").body ==
               cpa::bytes(std::string_view("ab\0\xff", 4)));
    BOOST_TEST(decode<cpa::payload_response>(R"({"Body":[]})").body.empty());

    const auto big = decode_error<cpa::payload_response>(R"({"Body":[97,98,256]})");
    BOOST_TEST(big == "payload_response: field Body[2]: integer 256 out of range for a 8-bit "
                      "unsigned field",
               big);
    const auto negative = decode_error<cpa::payload_response>(R"({"Body":[-1]})");
    BOOST_TEST(contains(negative, "payload_response: field Body[0]: integer -1 out of range"),
               negative);
    const auto fraction = decode_error<cpa::payload_response>(R"({"Body":[1.5]})");
    BOOST_TEST(contains(fraction, "payload_response: field Body[0]: expected an integer"),
               fraction);
    const auto str = decode_error<cpa::payload_response>(R"({"Body":["a"]})");
    BOOST_TEST(str == "payload_response: field Body[0]: expected an integer, got a string", str);
}

BOOST_AUTO_TEST_CASE(bytes_reject_other_types) {
    const auto msg = decode_error<cpa::payload_response>(R"({"Body":{}})");
    BOOST_TEST(msg == "payload_response: field Body: expected a base64 string, got an object", msg);
}

// ---------------------------------------------------------------------------------------------
// Shapes that must be exact

BOOST_AUTO_TEST_CASE(string_header_value_is_rejected) {
    const auto msg = decode_error<cpa::executor_request>(R"({"Headers":{"a":"b"}})");
    BOOST_TEST(msg == "executor_request: field Headers.a: expected an array, got a string", msg);

    const auto element = decode_error<cpa::executor_request>(R"({"Query":{"q":["1",2]}})");
    BOOST_TEST(element == "executor_request: field Query.q[1]: expected a string, got a number",
               element);

    const auto shape = decode_error<cpa::executor_response>(R"({"Headers":["a"]})");
    BOOST_TEST(shape == "executor_response: field Headers: expected an object, got an array",
               shape);

    // A null value list is an empty list, as in Go.
    const auto ok = decode<cpa::executor_request>(R"({"Headers":{"a":null,"b":["1","2"]}})");
    BOOST_TEST(ok.headers.at("a").empty());
    BOOST_TEST(ok.headers.at("b").size() == 2u);
}

BOOST_AUTO_TEST_CASE(non_null_stream_chunk_err_is_rejected) {
    const auto ok =
        decode<cpa::executor_stream_response>(R"({"chunks":[{"Payload":"YQ==","Err":null},{}]})");
    BOOST_TEST_REQUIRE(ok.chunks.size() == 2u);
    BOOST_TEST(ok.chunks[0].payload == cpa::bytes("a"));

    const auto str = decode_error<cpa::executor_stream_response>(
        R"({"chunks":[{"Payload":"YQ==","Err":"boom"}]})");
    BOOST_TEST(str == "executor_stream_response: field chunks[0].Err: must be null, got a string",
               str);
    const auto obj = decode_error<cpa::executor_stream_response>(R"({"chunks":[{},{"err":{}}]})");
    BOOST_TEST(obj == "executor_stream_response: field chunks[1].Err: must be null, got an object",
               obj);
}

BOOST_AUTO_TEST_CASE(non_null_route_handler_is_rejected) {
    const auto ok = decode<cpa::management_register_response>(
        R"({"routes":[{"Method":"GET","Path":"/x","Handler":null}],"resources":[{"Path":"/r"}]})");
    BOOST_TEST_REQUIRE(ok.routes.size() == 1u);
    BOOST_TEST(ok.routes[0].path == "/x");

    const auto route =
        decode_error<cpa::management_register_response>(R"({"routes":[{"Handler":{}}]})");
    BOOST_TEST(route ==
                   "management_register_response: field routes[0].Handler: must be null, got an "
                   "object",
               route);
    const auto resource =
        decode_error<cpa::management_register_response>(R"({"resources":[{},{"Handler":false}]})");
    BOOST_TEST(resource == "management_register_response: field resources[1].Handler: must be "
                           "null, got a boolean",
               resource);
}

BOOST_AUTO_TEST_CASE(wrong_type_names_message_and_field_path) {
    const auto msg = decode_error<cpa::model_response>(R"({"Models":[{"Thinking":{"Min":"x"}}]})");
    BOOST_TEST(msg == "model_response: field Models[0].Thinking.Min: expected an integer, got a "
                      "string",
               msg);

    const auto map_value =
        decode_error<cpa::model_response>(R"({"AuthUpdate":{"Attributes":{"tier":1}}})");
    BOOST_TEST(map_value ==
                   "model_response: field AuthUpdate.Attributes.tier: expected a string, got a "
                   "number",
               map_value);

    // The path uses the field's wire spelling, whatever spelling the input used.
    const auto folded =
        decode_error<cpa::model_response>(R"({"models":[{},{"thinking":{"levels":[1]}}]})");
    BOOST_TEST(folded ==
                   "model_response: field Models[1].Thinking.Levels[0]: expected a string, got a "
                   "number",
               folded);

    const auto nested_struct = decode_error<cpa::auth_parse_request>(R"({"Host":[]})");
    BOOST_TEST(nested_struct == "auth_parse_request: field Host: expected an object, got an array",
               nested_struct);

    const auto metadata = decode_error<cpa::executor_request>(R"({"Metadata":"x"})");
    BOOST_TEST(metadata == "executor_request: field Metadata: expected an object, got a string",
               metadata);

    const auto non_finite = decode_error<cpa::executor_request>(R"({"Metadata":{"a":[1e999]}})");
    BOOST_TEST(non_finite == "executor_request: field Metadata: number out of range", non_finite);

    const auto enum_type = decode_error<cpa::model_route_response>(R"({"TargetKind":1})");
    BOOST_TEST(enum_type == "model_route_response: field TargetKind: expected a string, got a "
                            "number",
               enum_type);
}

// ---------------------------------------------------------------------------------------------
// Whole documents

BOOST_AUTO_TEST_CASE(top_level_array_is_rejected) {
    BOOST_TEST(decode_error<cpa::identifier_response>("[]") ==
               "identifier_response: expected an object, got an array");
    BOOST_TEST(decode_error<cpa::identifier_response>(R"("x")") ==
               "identifier_response: expected an object, got a string");
    BOOST_TEST(decode_error<cpa::identifier_response>("12") ==
               "identifier_response: expected an object, got a number");
    BOOST_TEST(decode_error<cpa::identifier_response>("true") ==
               "identifier_response: expected an object, got a boolean");
}

BOOST_AUTO_TEST_CASE(top_level_null_gives_defaults) {
    BOOST_TEST(decode<cpa::identifier_response>("null").identifier.empty());
    const auto r = decode<cpa::model_route_response>(" \n null \t");
    BOOST_TEST(!r.handled);
    BOOST_TEST(r.target_kind == cpa::route_target_kind::unset);
    const auto h = decode<cpa::host_log_request>("null");
    BOOST_TEST(h.level == cpa::log_level::debug); // the C++ default member value
}

BOOST_AUTO_TEST_CASE(empty_input_is_rejected) {
    BOOST_TEST(decode_error<cpa::identifier_response>("") ==
               "identifier_response: unexpected end of JSON input");
    BOOST_TEST(decode_error<cpa::identifier_response>("  \n ") ==
               "identifier_response: unexpected end of JSON input");
    BOOST_TEST(decode_error<cpa::identifier_response>(R"({"identifier":"x")") ==
               "identifier_response: unexpected end of JSON input");
}

BOOST_AUTO_TEST_CASE(garbage_is_rejected_with_offset) {
    const auto syntax = decode_error<cpa::identifier_response>(R"({"a":})");
    BOOST_TEST(contains(syntax, "identifier_response: invalid JSON at offset 5"), syntax);

    const auto trailing = decode_error<cpa::identifier_response>(R"({"identifier":"a"} x)");
    BOOST_TEST(contains(trailing, "identifier_response: invalid JSON at offset 19"), trailing);

    const auto binary = decode_error<cpa::identifier_response>("\xff\xfe\x01");
    BOOST_TEST(contains(binary, "identifier_response: invalid JSON at offset 0"), binary);

    // What Go's decoder refuses: comments, trailing commas, leading zeros, NaN, single quotes.
    for (const auto bad :
         {R"({"identifier":"a"} // c)"sv, R"({"identifier":"a",})"sv, R"({"identifier":01})"sv,
          R"({"x":NaN})"sv, R"({'identifier':'a'})"sv, R"([1,])"sv}) {
        const auto msg = decode_error<cpa::identifier_response>(bad);
        BOOST_TEST(contains(msg, "identifier_response: invalid JSON at offset "), msg);
    }
}

BOOST_AUTO_TEST_CASE(deeply_nested_metadata_is_accepted) {
    constexpr std::size_t depth = 200;
    const std::string metadata = nested_objects(depth);
    const std::string json = R"({"Payload":null,"Headers":null,"Metadata":)" + metadata + "}";
    const auto r = decode<cpa::executor_response>(json);

    std::size_t levels = 0;
    const boost::json::value* v = &r.metadata.at("a");
    ++levels;
    while (v->is_object()) {
        v = &v->get_object().at("a");
        ++levels;
    }
    BOOST_TEST(levels == depth);
    BOOST_TEST(v->as_int64() == 1);
    BOOST_TEST(cpa::to_json(r) == json);

    // Arrays too, in raw JSON fields.
    const std::string arrays =
        R"({"name":"n","json":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    BOOST_TEST(cpa::to_json(decode<cpa::host_auth_save_request>(arrays)) == arrays);
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_go_allows_is_rejected) {
    // Go refuses more than 10000 levels; the outer object counts as one.
    const auto at_limit = "{\"json\":" + std::string(9999, '[') + std::string(9999, ']') + "}";
    BOOST_TEST(decode<cpa::host_auth_save_request>(at_limit).json.is_array());
    const auto over = "{\"json\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
    const auto msg = decode_error<cpa::host_auth_save_request>(over);
    BOOST_TEST(contains(msg, "host_auth_save_request: invalid JSON at offset"), msg);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_string_is_replaced_byte_by_byte_on_decode) {
    // Go turns each byte that is not valid UTF-8 into U+FFFD when it decodes a string; encoding
    // then writes those characters as they are.
    const auto r = decode<cpa::identifier_response>("{\"identifier\":\"a\xff\xfe"
                                                    "b\"}");
    BOOST_TEST(r.identifier == "a\xEF\xBF\xBD\xEF\xBF\xBD"
                               "b");
    BOOST_TEST(cpa::to_json(r) == "{\"identifier\":\"a\xEF\xBF\xBD\xEF\xBF\xBD"
                                  "b\"}");

    const auto m = decode<cpa::executor_response>("{\"Metadata\":{\"k\":[\"\xc0\xaf\",\"ok\"]}}");
    BOOST_TEST(cpa::to_json(m) == "{\"Payload\":null,\"Headers\":null,\"Metadata\":{\"k\":"
                                  "[\"\xEF\xBF\xBD\xEF\xBF\xBD\",\"ok\"]}}");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_keys_that_become_equal_collapse_to_the_last) {
    const auto m = decode<cpa::executor_response>("{\"Metadata\":{\"\xff\":1,\"\xfe\":2}}");
    BOOST_TEST(cpa::to_json(m) ==
               "{\"Payload\":null,\"Headers\":null,\"Metadata\":{\"\xEF\xBF\xBD\":2}}");
}

BOOST_AUTO_TEST_CASE(escaped_unicode_decodes_to_utf8) {
    const auto r = decode<cpa::identifier_response>(R"({"identifier":"\u00e9\ud83d\ude00\u003c"})");
    BOOST_TEST(r.identifier == "\xc3\xa9\xf0\x9f\x98\x80<");
}

// ---------------------------------------------------------------------------------------------
// Enumerations

BOOST_AUTO_TEST_SUITE(unknown_enum_spelling_uses_fallback)

BOOST_AUTO_TEST_CASE(route_target_kind) {
    const auto decode_kind = [](std::string_view spelling) {
        return decode<cpa::model_route_response>(R"({"TargetKind":")" + std::string(spelling) +
                                                 R"("})")
            .target_kind;
    };
    BOOST_TEST(decode_kind("self") == cpa::route_target_kind::self);
    BOOST_TEST(decode_kind("executor") == cpa::route_target_kind::executor);
    BOOST_TEST(decode_kind("provider") == cpa::route_target_kind::provider);
    BOOST_TEST(decode_kind("") == cpa::route_target_kind::unset);
    BOOST_TEST(decode_kind("SELF") == cpa::route_target_kind::invalid);
    BOOST_TEST(decode_kind("plugin") == cpa::route_target_kind::invalid);
}

BOOST_AUTO_TEST_CASE(executor_model_scope) {
    const auto decode_scope = [](std::string_view spelling) {
        return decode<cpa::capabilities>(R"({"executor_model_scope":")" + std::string(spelling) +
                                         R"("})")
            .executor_model_scope;
    };
    BOOST_TEST(decode_scope("both") == cpa::executor_model_scope::both);
    BOOST_TEST(decode_scope("static") == cpa::executor_model_scope::static_only);
    BOOST_TEST(decode_scope("oauth") == cpa::executor_model_scope::oauth);
    BOOST_TEST(decode_scope("") == cpa::executor_model_scope::unset);
    BOOST_TEST(decode_scope("OAuth") == cpa::executor_model_scope::both);
    BOOST_TEST(decode_scope("api-key") == cpa::executor_model_scope::both);
}

BOOST_AUTO_TEST_CASE(login_status) {
    const auto decode_status = [](std::string_view spelling) {
        return decode<cpa::auth_login_poll_response>(R"({"Status":")" + std::string(spelling) +
                                                     R"("})")
            .status;
    };
    BOOST_TEST(decode_status("pending") == cpa::login_status::pending);
    BOOST_TEST(decode_status("error") == cpa::login_status::error);
    BOOST_TEST(decode_status("success") == cpa::login_status::success);
    BOOST_TEST(decode_status("") == cpa::login_status::unset);
    BOOST_TEST(decode_status("done") == cpa::login_status::pending);
    BOOST_TEST(decode_status("Success") == cpa::login_status::pending);
}

BOOST_AUTO_TEST_CASE(auth_status) {
    const auto decode_status = [](std::string_view spelling) {
        return decode<cpa::scheduler_candidate>(R"({"Status":")" + std::string(spelling) + R"("})")
            .status;
    };
    BOOST_TEST(decode_status("active") == cpa::auth_status::active);
    BOOST_TEST(decode_status("refreshing") == cpa::auth_status::refreshing);
    BOOST_TEST(decode_status("disabled") == cpa::auth_status::disabled);
    BOOST_TEST(decode_status("unknown") == cpa::auth_status::unknown);
    BOOST_TEST(decode_status("") == cpa::auth_status::unset);
    BOOST_TEST(decode_status("banned") == cpa::auth_status::unknown);
    BOOST_TEST(decode_status("ACTIVE") == cpa::auth_status::unknown);
}

BOOST_AUTO_TEST_CASE(request_outcome) {
    const auto decode_outcome = [](std::string_view spelling) {
        return decode<cpa::request_completion>(R"({"Outcome":")" + std::string(spelling) + R"("})")
            .outcome;
    };
    BOOST_TEST(decode_outcome("succeeded") == cpa::request_outcome::succeeded);
    BOOST_TEST(decode_outcome("canceled") == cpa::request_outcome::canceled);
    BOOST_TEST(decode_outcome("cancelled") == cpa::request_outcome::unset);
    BOOST_TEST(decode_outcome("timeout") == cpa::request_outcome::unset);
}

BOOST_AUTO_TEST_CASE(thinking_mode) {
    const auto decode_mode = [](std::string_view spelling) {
        return decode<cpa::thinking_config>(R"({"Mode":")" + std::string(spelling) + R"("})").mode;
    };
    BOOST_TEST(decode_mode("budget") == cpa::thinking_mode::budget);
    BOOST_TEST(decode_mode("auto") == cpa::thinking_mode::automatic);
    BOOST_TEST(decode_mode("none") == cpa::thinking_mode::none);
    BOOST_TEST(decode_mode("automatic") == cpa::thinking_mode::unset);
    BOOST_TEST(decode_mode("Budget") == cpa::thinking_mode::unset);
}

BOOST_AUTO_TEST_CASE(thinking_level) {
    const auto decode_level = [](std::string_view spelling) {
        return decode<cpa::thinking_config>(R"({"Level":")" + std::string(spelling) + R"("})")
            .level;
    };
    BOOST_TEST(decode_level("minimal") == cpa::thinking_level::minimal);
    BOOST_TEST(decode_level("xhigh") == cpa::thinking_level::xhigh);
    BOOST_TEST(decode_level("max") == cpa::thinking_level::max);
    BOOST_TEST(decode_level("auto") == cpa::thinking_level::automatic);
    BOOST_TEST(decode_level("extreme") == cpa::thinking_level::unset);
    BOOST_TEST(decode_level("HIGH") == cpa::thinking_level::unset);
}

BOOST_AUTO_TEST_CASE(log_level) {
    const auto decode_level = [](std::string_view spelling) {
        return decode<cpa::host_log_request>(R"({"level":")" + std::string(spelling) + R"("})")
            .level;
    };
    BOOST_TEST(decode_level("fatal") == cpa::log_level::debug);
    BOOST_TEST(decode_level("panic") == cpa::log_level::debug);
    BOOST_TEST(decode_level("") == cpa::log_level::debug);
    BOOST_TEST(decode_level("warnings") == cpa::log_level::debug);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(log_level_is_case_insensitive) {
    const auto decode_level = [](std::string_view spelling) {
        return decode<cpa::host_log_request>(R"({"level":")" + std::string(spelling) + R"("})")
            .level;
    };
    BOOST_TEST(decode_level("trace") == cpa::log_level::trace);
    BOOST_TEST(decode_level("TRACE") == cpa::log_level::trace);
    BOOST_TEST(decode_level("Debug") == cpa::log_level::debug);
    BOOST_TEST(decode_level("iNfO") == cpa::log_level::info);
    BOOST_TEST(decode_level("warn") == cpa::log_level::warn);
    BOOST_TEST(decode_level("WARN") == cpa::log_level::warn);
    BOOST_TEST(decode_level("warning") == cpa::log_level::warn);
    BOOST_TEST(decode_level("Warning") == cpa::log_level::warn);
    BOOST_TEST(decode_level("ERROR") == cpa::log_level::error);
}

// ---------------------------------------------------------------------------------------------
// Entry points

BOOST_AUTO_TEST_CASE(try_decode_and_value_to_use_the_same_rules) {
    const boost::json::value good = boost::json::parse(R"({"IDENTIFIER":"x","extra":1})");
    const auto decoded = cpa::try_decode<cpa::identifier_response>(good);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(decoded->identifier == "x");
    BOOST_TEST(boost::json::value_to<cpa::identifier_response>(good).identifier == "x");

    const boost::json::value bad = boost::json::parse(R"({"identifier":5})");
    const auto failed = cpa::try_decode<cpa::identifier_response>(bad);
    BOOST_TEST_REQUIRE(!failed.has_value());
    BOOST_TEST(std::string(failed.error().what()) ==
               "identifier_response: field identifier: expected a string, got a number");
    BOOST_CHECK_THROW((void)boost::json::value_to<cpa::identifier_response>(bad), cpa::wire_error);
}

BOOST_AUTO_TEST_CASE(malformed_input_never_escapes_try_from_json) {
    // Every prefix and many one-byte corruptions of a rich document: each either decodes or
    // gives an error value; nothing is thrown and nothing crashes.
    const std::string doc =
        R"({"AuthID":"a","Stream":true,"Headers":{"A":["1","2"]},"Payload":"YWJj",)"
        R"("Metadata":{"n":[1,2.5,-3,{"d":null}],"s":"\u00e9\n"},"AuthAttributes":{"k":"v"},)"
        R"("stream_id":"s","host_callback_id":"cb"})";
    const std::string replacements = "\"{}[],:0-e.\\tnx\xff";
    std::size_t failures = 0;
    for (std::size_t n = 0; n <= doc.size(); ++n) {
        BOOST_CHECK_NO_THROW({
            const auto r = cpa::try_from_json<cpa::executor_request>(doc.substr(0, n));
            failures += r ? 0u : 1u;
        });
    }
    for (std::size_t i = 0; i < doc.size(); ++i) {
        for (const char c : replacements) {
            std::string mutated = doc;
            mutated[i] = c;
            BOOST_CHECK_NO_THROW({
                const auto r = cpa::try_from_json<cpa::executor_request>(mutated);
                failures += r ? 0u : 1u;
                const auto m = cpa::try_from_json<cpa::model_response>(mutated);
                failures += m ? 0u : 1u;
            });
        }
    }
    BOOST_TEST(failures > 0u);
    BOOST_TEST(decode<cpa::executor_request>(doc).auth_id == "a");
}
