// plugin_config: the YAML subtree CPA sends as `config_yaml`, converted to JSON values the way Go's
// yaml.v3 resolves untyped scalars, read key by key or into a described settings struct.
#include <cpa/plugin/config.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

// Lets failed checks print optional values (std::optional has no operator<<).
namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
    void operator()(std::ostream& os, const std::optional<T>& v) {
        if (v) {
            print_log_value<T>()(os, *v);
        } else {
            os << "nullopt";
        }
    }
};
} // namespace boost::test_tools::tt_detail

namespace {

using cpa::config_error;
using cpa::plugin_config;

struct my_settings {
    std::string mode;
    std::int64_t limit = 0;
    bool verbose = false;
    std::vector<std::string> models;

    static constexpr auto wire =
        cpa::detail::message("my_settings", cpa::detail::field("mode", &my_settings::mode),
                             cpa::detail::field("limit", &my_settings::limit),
                             cpa::detail::field("verbose", &my_settings::verbose),
                             cpa::detail::field("models", &my_settings::models));
};

// The message of the config_error `f` throws, or a text no expected message equals.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return "<no config_error>";
}

std::string parse_error(std::string_view yaml) {
    return error_of([&] { (void)plugin_config::parse(yaml); });
}

// The converted mapping as compact JSON text.
std::string json_of(std::string_view yaml) {
    return boost::json::serialize(plugin_config::parse(yaml).values());
}

// The converted value of the single key `v` in `v: <scalar>`.
boost::json::value value_of(std::string_view scalar) {
    const auto cfg = plugin_config::parse("v: " + std::string(scalar) + "\n");
    return cfg.values().at("v");
}

} // namespace

BOOST_AUTO_TEST_SUITE(plugin_config_parsing)

BOOST_AUTO_TEST_CASE(the_documented_example_keeps_every_key_with_its_type) {
    const auto cfg = plugin_config::parse("enabled: true\n"
                                          "priority: 1\n"
                                          "config1: true\n"
                                          "config2: \"string\"\n"
                                          "config3: 3\n"
                                          "mode: \"safe\" # enum example: safe, fast\n");
    BOOST_TEST(cfg.enabled());
    BOOST_TEST(cfg.priority() == 1);
    BOOST_TEST(cfg.get<bool>("config1") == std::optional<bool>(true));
    BOOST_TEST(cfg.get<std::string>("config2") == std::optional<std::string>("string"));
    BOOST_TEST(cfg.get<std::int64_t>("config3") == std::optional<std::int64_t>(3));
    BOOST_TEST(cfg.get<int>("config3") == std::optional<int>(3));
    BOOST_TEST(cfg.get<std::string>("mode") == std::optional<std::string>("safe"));
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"enabled":true,"priority":1,"config1":true,"config2":"string","config3":3,)"
               R"("mode":"safe"})");
    BOOST_TEST(cfg.values().at("config3").is_int64());
}

BOOST_AUTO_TEST_CASE(the_empty_subtree_text_is_disabled_with_priority_zero) {
    const auto cfg = plugin_config::parse("enabled: false\npriority: 0\n");
    BOOST_TEST(!cfg.enabled());
    BOOST_TEST(cfg.priority() == 0);
    BOOST_TEST(cfg.values().size() == 2u);
    BOOST_TEST(cfg.contains("enabled"));
    BOOST_TEST(!cfg.contains("config1"));
}

BOOST_AUTO_TEST_CASE(a_default_constructed_config_is_an_empty_mapping) {
    const plugin_config cfg;
    BOOST_TEST(!cfg.enabled());
    BOOST_TEST(cfg.priority() == 0);
    BOOST_TEST(cfg.values().empty());
    BOOST_TEST(cfg.yaml().empty());
    BOOST_TEST(!cfg.get<std::string>("mode").has_value());
}

BOOST_AUTO_TEST_CASE(empty_comment_only_and_null_documents_are_empty_mappings) {
    for (const std::string_view text : {"", "\n", "# nothing here\n", "~\n", "null\n", "---\n"}) {
        BOOST_TEST_CONTEXT("document: " << text) {
            const auto cfg = plugin_config::parse(text);
            BOOST_TEST(cfg.values().empty());
            BOOST_TEST(!cfg.enabled());
            BOOST_TEST(cfg.yaml() == text);
        }
    }
}

BOOST_AUTO_TEST_CASE(yaml_returns_the_text_exactly_as_received) {
    const std::string text = "enabled: on\npriority: 0\nnote:   'kept'   # comment\n";
    BOOST_TEST(plugin_config::parse(text).yaml() == text);
}

BOOST_AUTO_TEST_CASE(enabled_accepts_yaml_1_1_spellings_in_any_case) {
    for (const std::string_view on : {"yes", "Yes", "YES", "on", "On", "ON", "y", "Y", "true",
                                      "True", "TRUE", "\"yes\"", "tRuE"}) {
        BOOST_TEST_CONTEXT("enabled: " << on) {
            BOOST_TEST(plugin_config::parse("enabled: " + std::string(on)).enabled());
        }
    }
    for (const std::string_view off :
         {"no", "No", "NO", "off", "Off", "OFF", "n", "N", "false", "False", "FALSE", "~", ""}) {
        BOOST_TEST_CONTEXT("enabled: " << off) {
            BOOST_TEST(!plugin_config::parse("enabled: " + std::string(off)).enabled());
        }
    }
}

BOOST_AUTO_TEST_CASE(yaml_1_1_booleans_stay_strings_in_values) {
    const auto cfg = plugin_config::parse("enabled: yes\na: on\nb: off\nc: y\nd: No\n");
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"enabled":"yes","a":"on","b":"off","c":"y","d":"No"})");
    BOOST_TEST(cfg.enabled());
    BOOST_TEST(cfg.get<bool>("b") == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(enabled_with_a_value_that_is_no_boolean_is_an_error) {
    BOOST_TEST(error_of([] { (void)plugin_config::parse("enabled: 1\n").enabled(); }) ==
               R"(config key "enabled": expected a boolean, got an integer)");
    BOOST_TEST(error_of([] { (void)plugin_config::parse("enabled: maybe\n").enabled(); }) ==
               R"(config key "enabled": expected a boolean, got the string "maybe")");
}

BOOST_AUTO_TEST_CASE(quoted_numbers_booleans_and_nulls_stay_strings) {
    BOOST_TEST(json_of("a: \"3\"\nb: '4.5'\nc: \"true\"\nd: 'null'\ne: \"\"\nf: '0x1F'\n") ==
               R"({"a":"3","b":"4.5","c":"true","d":"null","e":"","f":"0x1F"})");
}

BOOST_AUTO_TEST_CASE(an_explicit_str_tag_keeps_a_string) {
    BOOST_TEST(json_of("a: !!str 3\nb: !!str true\nc: !!str ~\nd: !!str\n"
                       "e: !<tag:yaml.org,2002:str> 1.5\nf: ! 7\n") ==
               R"({"a":"3","b":"true","c":"~","d":"","e":"1.5","f":"7"})");
}

BOOST_AUTO_TEST_CASE(block_scalars_and_local_tags_are_strings) {
    BOOST_TEST(
        json_of("lit: |\n    line 1\n    42\nfold: >-\n    a\n    b\ncustom: !port 8080\n") ==
        R"({"lit":"line 1\n42\n","fold":"a b","custom":"8080"})");
}

BOOST_AUTO_TEST_CASE(decimal_integers_with_a_sign_are_int64) {
    BOOST_TEST(value_of("0") == boost::json::value(std::int64_t{0}));
    BOOST_TEST(value_of("42") == boost::json::value(std::int64_t{42}));
    BOOST_TEST(value_of("-17") == boost::json::value(std::int64_t{-17}));
    BOOST_TEST(value_of("+17") == boost::json::value(std::int64_t{17}));
    BOOST_TEST(value_of("9223372036854775807") ==
               boost::json::value(std::numeric_limits<std::int64_t>::max()));
    BOOST_TEST(value_of("-9223372036854775808") ==
               boost::json::value(std::numeric_limits<std::int64_t>::min()));
    BOOST_TEST(value_of("42").is_int64());
}

BOOST_AUTO_TEST_CASE(hex_and_octal_integers_are_int64) {
    BOOST_TEST(value_of("0x1F") == boost::json::value(std::int64_t{31}));
    BOOST_TEST(value_of("0XfF") == boost::json::value(std::int64_t{255}));
    BOOST_TEST(value_of("-0x10") == boost::json::value(std::int64_t{-16}));
    BOOST_TEST(value_of("0o17") == boost::json::value(std::int64_t{15}));
    BOOST_TEST(value_of("0o777") == boost::json::value(std::int64_t{511}));
    BOOST_TEST(value_of("0x7FFFFFFFFFFFFFFF") ==
               boost::json::value(std::numeric_limits<std::int64_t>::max()));
}

BOOST_AUTO_TEST_CASE(legacy_octal_binary_and_underscores_resolve_as_yaml_v3_does) {
    BOOST_TEST(value_of("0777") == boost::json::value(std::int64_t{511}));
    BOOST_TEST(value_of("0b1010") == boost::json::value(std::int64_t{10}));
    BOOST_TEST(value_of("1_000_000") == boost::json::value(std::int64_t{1000000}));
    // Not octal, but still a number: yaml.v3 falls back to its float syntax.
    BOOST_TEST(value_of("08") == boost::json::value(8.0));
    BOOST_TEST(value_of("0x") == boost::json::value("0x"));
    BOOST_TEST(value_of("0xG") == boost::json::value("0xG"));
}

BOOST_AUTO_TEST_CASE(integers_beyond_int64_become_uint64_then_doubles_then_strings) {
    BOOST_TEST(value_of("9223372036854775808") ==
               boost::json::value(std::uint64_t{9223372036854775808u}));
    BOOST_TEST(value_of("0xFFFFFFFFFFFFFFFF") ==
               boost::json::value(std::numeric_limits<std::uint64_t>::max()));
    BOOST_TEST(value_of("18446744073709551616") == boost::json::value(18446744073709551616.0));
    BOOST_TEST(value_of("-9223372036854775809") == boost::json::value(-9223372036854775809.0));
    BOOST_TEST(value_of("0x10000000000000000") == boost::json::value("0x10000000000000000"));
}

BOOST_AUTO_TEST_CASE(floats_are_doubles) {
    BOOST_TEST(value_of("1.5") == boost::json::value(1.5));
    BOOST_TEST(value_of("-2e3") == boost::json::value(-2000.0));
    BOOST_TEST(value_of(".5") == boost::json::value(0.5));
    BOOST_TEST(value_of("-.5") == boost::json::value(-0.5));
    BOOST_TEST(value_of("+1.25E+2") == boost::json::value(125.0));
    BOOST_TEST(value_of("1.") == boost::json::value(1.0));
    BOOST_TEST(value_of("1e-400") == boost::json::value(0.0));
    BOOST_TEST(value_of("1e5").is_double());
    // Not YAML floats.
    BOOST_TEST(value_of("1e400") == boost::json::value("1e400"));
    BOOST_TEST(value_of("1.2.3") == boost::json::value("1.2.3"));
    BOOST_TEST(value_of("0x1p3") == boost::json::value("0x1p3"));
    BOOST_TEST(value_of("1e") == boost::json::value("1e"));
    BOOST_TEST(value_of(".") == boost::json::value("."));
}

BOOST_AUTO_TEST_CASE(infinities_and_nan_are_kept_as_strings_and_read_as_doubles) {
    const auto cfg =
        plugin_config::parse("a: .inf\nb: -.Inf\nc: +.INF\nd: .nan\ne: .NaN\nf: .iNf\n");
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"a":".inf","b":"-.Inf","c":"+.INF","d":".nan","e":".NaN","f":".iNf"})");
    BOOST_TEST(cfg.get<double>("a") ==
               std::optional<double>(std::numeric_limits<double>::infinity()));
    BOOST_TEST(cfg.get<double>("b") ==
               std::optional<double>(-std::numeric_limits<double>::infinity()));
    BOOST_TEST(cfg.get<double>("c") ==
               std::optional<double>(std::numeric_limits<double>::infinity()));
    BOOST_TEST(std::isnan(*cfg.get<double>("d")));
    BOOST_TEST(error_of([&] { (void)cfg.get<double>("f"); }) ==
               R"(config key "f": expected a number, got a string)");
}

BOOST_AUTO_TEST_CASE(null_spellings_and_empty_values_are_null) {
    const auto cfg = plugin_config::parse("a: null\nb: Null\nc: NULL\nd: ~\ne:\nf: nULL\n");
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"a":null,"b":null,"c":null,"d":null,"e":null,"f":"nULL"})");
    BOOST_TEST(cfg.contains("a"));
    BOOST_TEST(!cfg.get<std::string>("a").has_value());
    BOOST_TEST(!cfg.get<boost::json::value>("e").has_value());
    BOOST_TEST(cfg.get_or<std::int64_t>("d", 7) == 7);
}

BOOST_AUTO_TEST_CASE(only_three_spellings_each_of_true_and_false_are_booleans) {
    BOOST_TEST(json_of("a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRUE\n") ==
               R"({"a":true,"b":true,"c":true,"d":false,"e":false,"f":false,"g":"tRUE"})");
}

BOOST_AUTO_TEST_CASE(words_like_yes_on_and_safe_are_strings) {
    BOOST_TEST(json_of("a: yes\nb: on\nc: safe\nd: hello world\ne: 2024-01-02\nf: 1:30\n") ==
               R"({"a":"yes","b":"on","c":"safe","d":"hello world","e":"2024-01-02","f":"1:30"})");
}

BOOST_AUTO_TEST_CASE(nested_mappings_with_four_space_indentation_and_sequences_convert) {
    const auto cfg = plugin_config::parse("enabled: true\n"
                                          "upstream:\n"
                                          "    url: https://example.com/v1\n"
                                          "    timeout: 30\n"
                                          "    headers:\n"
                                          "        X-Key: abc\n"
                                          "models:\n"
                                          "    - gpt-4\n"
                                          "    - name: claude\n"
                                          "      weight: 0.5\n"
                                          "    - [1, two, \"3\"]\n"
                                          "flow: {a: 1, b: [x, y]}\n"
                                          "priority: 0\n");
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"enabled":true,"upstream":{"url":"https://example.com/v1","timeout":30,)"
               R"("headers":{"X-Key":"abc"}},"models":["gpt-4",{"name":"claude","weight":5E-1},)"
               R"([1,"two","3"]],"flow":{"a":1,"b":["x","y"]},"priority":0})");
    const auto upstream = cfg.get<boost::json::value>("upstream");
    BOOST_REQUIRE(upstream.has_value());
    BOOST_TEST(upstream->at("timeout") == boost::json::value(std::int64_t{30}));
}

BOOST_AUTO_TEST_CASE(a_store_block_is_a_nested_mapping) {
    const auto cfg = plugin_config::parse("enabled: true\n"
                                          "priority: 5\n"
                                          "store:\n"
                                          "    version: 1.2.3\n"
                                          "    release-tag: v1.2.3\n"
                                          "mode: fast\n");
    BOOST_TEST(cfg.priority() == 5);
    BOOST_TEST(boost::json::serialize(cfg.values().at("store")) ==
               R"({"version":"1.2.3","release-tag":"v1.2.3"})");
    BOOST_TEST(cfg.get<std::string>("mode") == std::optional<std::string>("fast"));
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("store"); }) ==
               R"(config key "store": expected a string, got a mapping)");
}

BOOST_AUTO_TEST_CASE(values_key_order_follows_the_document) {
    const auto cfg = plugin_config::parse("zeta: 1\nalpha: 2\nmid: 3\npriority: 0\nbeta: 4\n");
    std::vector<std::string> keys;
    for (const auto& kv : cfg.values()) {
        keys.emplace_back(kv.key());
    }
    const std::vector<std::string> expected{"zeta", "alpha", "mid", "priority", "beta"};
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(aliases_are_resolved_and_merge_keys_applied) {
    const auto cfg = plugin_config::parse("base: &base\n"
                                          "    timeout: 10\n"
                                          "    retries: 2\n"
                                          "tags: &tags [a, b]\n"
                                          "copy: *tags\n"
                                          "derived:\n"
                                          "    name: d\n"
                                          "    <<: *base\n"
                                          "    retries: 5\n");
    BOOST_TEST(boost::json::serialize(cfg.values()) ==
               R"({"base":{"timeout":10,"retries":2},"tags":["a","b"],"copy":["a","b"],)"
               R"("derived":{"name":"d","timeout":10,"retries":5}})");
}

BOOST_AUTO_TEST_CASE(a_merge_of_several_mappings_prefers_the_earlier_ones) {
    BOOST_TEST(json_of("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n    <<: [*a, *b]\n") ==
               R"({"a":{"x":1,"y":1},"b":{"y":2,"z":2},"c":{"x":1,"y":1,"z":2}})");
    BOOST_TEST(parse_error("a: 1\nb:\n    <<: 3\n") ==
               "config_yaml line 3, column 9: map merge requires a mapping or a sequence of "
               "mappings as the value, got a scalar");
}

BOOST_AUTO_TEST_CASE(an_alias_that_contains_itself_is_rejected) {
    BOOST_TEST(parse_error("a: &x [1, *x]\n").find("levels deep (or an alias contains itself)") !=
               std::string::npos);
    BOOST_TEST(parse_error("a: &x [*x, *x]\n") ==
               "config_yaml line 1, column 4: nested more than 1000 levels deep (or an alias "
               "contains itself)");
}

BOOST_AUTO_TEST_CASE(exponential_alias_expansion_is_rejected) {
    // Seven levels of ten aliases each would expand to ten million values.
    std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level <= 7; ++level) {
        const std::string prev = "*l" + std::to_string(level - 1);
        text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [" + prev;
        for (int i = 1; i < 10; ++i) {
            text += ", " + prev;
        }
        text += "]\n";
    }
    BOOST_TEST(parse_error(text).find("values (excessive aliasing)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(explicit_core_tags_convert_or_are_rejected) {
    BOOST_TEST(json_of("a: !!int \"42\"\nb: !!float 3\nc: !!bool \"true\"\nd: !!null ~\n"
                       "e: !!float .inf\nf: !!binary aGVsbG8=\n") ==
               R"({"a":42,"b":3E0,"c":true,"d":null,"e":".inf","f":"hello"})");
    BOOST_TEST(parse_error("a: 1\nb: !!int abc\n") ==
               "config_yaml line 2, column 4: cannot decode !!str `abc` as a !!int");
    BOOST_TEST(parse_error("b: !!bool yes\n") ==
               "config_yaml line 1, column 4: cannot decode !!str `yes` as a !!bool");
    BOOST_TEST(parse_error("b: !!binary 'not base64!'\n") ==
               "config_yaml line 1, column 4: !!binary value contains invalid base64 data");
}

BOOST_AUTO_TEST_CASE(a_document_that_is_not_a_mapping_is_rejected) {
    BOOST_TEST(parse_error("- a\n- b\n") ==
               "config_yaml: the configuration must be a mapping, got a sequence");
    BOOST_TEST(parse_error("just text\n") ==
               "config_yaml: the configuration must be a mapping, got a string");
    BOOST_TEST(parse_error("42\n") ==
               "config_yaml: the configuration must be a mapping, got an integer");
    BOOST_TEST(parse_error("\"\"\n") ==
               "config_yaml: the configuration must be a mapping, got a string");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_report_line_and_column) {
    // LibYAML's descriptions, which yaml.v3 gives too.
    BOOST_TEST(parse_error("enabled: true\npriority: 1\nmode: a: b\n") ==
               "config_yaml line 3, column 8: mapping values are not allowed in this context");
    BOOST_TEST(parse_error("a: [1, 2\n") ==
               "config_yaml line 2, column 1: did not find expected ',' or ']' (while parsing a "
               "flow sequence at line 1, column 4)");
    BOOST_TEST(parse_error("a: *missing\n") ==
               "config_yaml line 1, column 4: the referenced anchor is not defined");
    BOOST_TEST(parse_error("a: 1\nb: !x!y z\n") ==
               "config_yaml line 2, column 4: found undefined tag handle");
    // Stopped inside collections, with anchors, tags and aliases read: nothing leaks.
    BOOST_TEST(parse_error("a: &x !t [1, &y {b: 2, c: !!str 'd'}, *y\n") ==
               "config_yaml line 2, column 1: did not find expected ',' or ']' (while parsing a "
               "flow sequence at line 1, column 10)");
}

BOOST_AUTO_TEST_CASE(text_that_is_no_utf_8_is_rejected_with_its_position) {
    BOOST_TEST(parse_error("a: 1\nb: \xc3\xa9\xff\n") ==
               "config_yaml line 2, column 5: invalid leading UTF-8 octet #xFF");
    BOOST_TEST(parse_error("\xef\xbb\xbf"
                           "a: x\x01\n") ==
               "config_yaml line 1, column 5: control characters are not allowed #x01");
    BOOST_TEST(parse_error(std::string_view("a: b\0c\n", 7)) ==
               "config_yaml line 1, column 5: control characters are not allowed #x00");
    BOOST_TEST(json_of("\xef\xbb\xbf"
                       "a: \"\\xff\"\n") == "{\"a\":\"\xc3\xbf\"}");
}

BOOST_AUTO_TEST_CASE(only_the_first_document_is_read) {
    BOOST_TEST(json_of("a: 1\n---\nb: [unclosed\n") == R"({"a":1})");
    BOOST_TEST(json_of("--- # first\na: 1\n...\n--- 42\n") == R"({"a":1})");
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_a_thousand_levels_is_rejected) {
    // The top-level mapping is the first level.
    const auto nested = [](std::size_t levels, std::string_view inner) {
        return std::string(levels, '[') + std::string(inner) + std::string(levels, ']');
    };
    BOOST_TEST(parse_error("a: " + nested(999, "") + "\n") == "<no config_error>");
    BOOST_TEST(parse_error("a: " + nested(1000, "") + "\n") ==
               "config_yaml line 1, column 1003: nested more than 1000 levels deep (or an alias "
               "contains itself)");
    BOOST_TEST(parse_error("a: " + nested(100000, "") + "\n") ==
               "config_yaml line 1, column 1003: nested more than 1000 levels deep (or an alias "
               "contains itself)");
    // Aliases count with the depth of the value they stand for.
    const std::string anchored = "a: &a " + nested(500, "") + "\n";
    BOOST_TEST(parse_error(anchored + "b: " + nested(499, "*a") + "\n") == "<no config_error>");
    BOOST_TEST(parse_error(anchored + "b: " + nested(500, "*a") + "\n") ==
               "config_yaml line 1, column 506: nested more than 1000 levels deep (or an alias "
               "contains itself)");
}

BOOST_AUTO_TEST_CASE(a_non_scalar_mapping_key_is_rejected) {
    BOOST_TEST(parse_error("ok: 1\n? [a, b]\n: value\n") ==
               "config_yaml line 2, column 3: mapping key must be a scalar, got a sequence");
    BOOST_TEST(parse_error("{a: 1}: value\n") ==
               "config_yaml line 1, column 1: mapping key must be a scalar, got a mapping");
    BOOST_TEST(parse_error("~: value\n") ==
               "config_yaml line 1, column 1: mapping key must be a scalar, got null");
}

BOOST_AUTO_TEST_CASE(keys_are_the_scalar_text) {
    BOOST_TEST(json_of("1: a\ntrue: b\n\"quoted key\": c\n0x10: d\n") ==
               R"({"1":"a","true":"b","quoted key":"c","0x10":"d"})");
}

BOOST_AUTO_TEST_CASE(a_key_written_twice_is_rejected) {
    BOOST_TEST(parse_error("a: 1\nb: 2\na: 3\n") ==
               "config_yaml line 3, column 1: mapping key \"a\" already defined at line 1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plugin_config_reading)

BOOST_AUTO_TEST_CASE(get_reads_every_supported_type) {
    const auto cfg = plugin_config::parse("flag: true\n"
                                          "count: 12\n"
                                          "ratio: 0.25\n"
                                          "whole: 2.0\n"
                                          "name: svc\n"
                                          "models: [a, b]\n"
                                          "empty: []\n"
                                          "any: {k: [1]}\n");
    BOOST_TEST(cfg.get<bool>("flag") == std::optional<bool>(true));
    BOOST_TEST(cfg.get<std::int64_t>("count") == std::optional<std::int64_t>(12));
    BOOST_TEST(cfg.get<int>("count") == std::optional<int>(12));
    BOOST_TEST(cfg.get<int>("whole") == std::optional<int>(2));
    BOOST_TEST(cfg.get<double>("ratio") == std::optional<double>(0.25));
    BOOST_TEST(cfg.get<double>("count") == std::optional<double>(12.0));
    BOOST_TEST(cfg.get<std::string>("name") == std::optional<std::string>("svc"));
    BOOST_TEST(cfg.get<std::vector<std::string>>("models").value() ==
                   (std::vector<std::string>{"a", "b"}),
               boost::test_tools::per_element());
    BOOST_TEST(cfg.get<std::vector<std::string>>("empty").value().empty());
    BOOST_TEST(cfg.get<boost::json::value>("any") ==
               std::optional<boost::json::value>(boost::json::parse(R"({"k":[1]})")));
}

BOOST_AUTO_TEST_CASE(get_of_an_absent_key_is_empty) {
    const auto cfg = plugin_config::parse("a: 1\n");
    BOOST_TEST(!cfg.get<bool>("b").has_value());
    BOOST_TEST(!cfg.get<std::int64_t>("b").has_value());
    BOOST_TEST(!cfg.get<std::vector<std::string>>("b").has_value());
    BOOST_TEST(!cfg.get<boost::json::value>("b").has_value());
}

BOOST_AUTO_TEST_CASE(keys_match_exactly) {
    const auto cfg = plugin_config::parse("Enabled: true\nLimit: 3\n");
    BOOST_TEST(!cfg.enabled());
    BOOST_TEST(!cfg.contains("limit"));
    BOOST_TEST(cfg.contains("Limit"));
    BOOST_TEST(!cfg.get<std::int64_t>("limit").has_value());
}

BOOST_AUTO_TEST_CASE(get_bool_rejects_what_is_no_boolean) {
    const auto cfg = plugin_config::parse("n: 1\nf: 1.5\nl: [true]\nm: {a: b}\ns: maybe\n");
    BOOST_TEST(error_of([&] { (void)cfg.get<bool>("n"); }) ==
               R"(config key "n": expected a boolean, got an integer)");
    BOOST_TEST(error_of([&] { (void)cfg.get<bool>("f"); }) ==
               R"(config key "f": expected a boolean, got a floating-point number)");
    BOOST_TEST(error_of([&] { (void)cfg.get<bool>("l"); }) ==
               R"(config key "l": expected a boolean, got a sequence)");
    BOOST_TEST(error_of([&] { (void)cfg.get<bool>("m"); }) ==
               R"(config key "m": expected a boolean, got a mapping)");
    BOOST_TEST(error_of([&] { (void)cfg.get<bool>("s"); }) ==
               R"(config key "s": expected a boolean, got the string "maybe")");
}

BOOST_AUTO_TEST_CASE(get_integer_rejects_strings_fractions_and_out_of_range_values) {
    const auto cfg = plugin_config::parse("limit: \"10\"\n"
                                          "frac: 1.5\n"
                                          "flag: true\n"
                                          "big: 3000000000\n"
                                          "huge: 9223372036854775808\n"
                                          "vast: 1e19\n"
                                          "list: [1]\n");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("limit"); }) ==
               R"(config key "limit": expected an integer, got a string)");
    BOOST_TEST(error_of([&] { (void)cfg.get<int>("limit"); }) ==
               R"(config key "limit": expected an integer, got a string)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("frac"); }) ==
               R"(config key "frac": expected an integer, got a number with a fraction)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("flag"); }) ==
               R"(config key "flag": expected an integer, got a boolean)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("list"); }) ==
               R"(config key "list": expected an integer, got a sequence)");
    BOOST_TEST(cfg.get<std::int64_t>("big") == std::optional<std::int64_t>(3000000000));
    BOOST_TEST(error_of([&] { (void)cfg.get<int>("big"); }) ==
               R"(config key "big": integer 3000000000 out of range for a 32-bit signed integer)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("huge"); }) ==
               R"(config key "huge": integer 9223372036854775808 out of range for a 64-bit )"
               R"(signed integer)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::int64_t>("vast"); }) ==
               R"(config key "vast": number 1E19 out of range for a 64-bit signed integer)");
}

BOOST_AUTO_TEST_CASE(get_double_rejects_what_is_no_number) {
    const auto cfg = plugin_config::parse("s: \"1.5\"\nb: false\nl: []\n");
    BOOST_TEST(error_of([&] { (void)cfg.get<double>("s"); }) ==
               R"(config key "s": expected a number, got a string)");
    BOOST_TEST(error_of([&] { (void)cfg.get<double>("b"); }) ==
               R"(config key "b": expected a number, got a boolean)");
    BOOST_TEST(error_of([&] { (void)cfg.get<double>("l"); }) ==
               R"(config key "l": expected a number, got a sequence)");
}

BOOST_AUTO_TEST_CASE(get_string_does_not_stringify_other_values) {
    const auto cfg = plugin_config::parse("n: 3\nf: 1.5\nb: true\nl: [a]\nm: {a: b}\n");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("n"); }) ==
               R"(config key "n": expected a string, got an integer)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("f"); }) ==
               R"(config key "f": expected a string, got a floating-point number)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("b"); }) ==
               R"(config key "b": expected a string, got a boolean)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("l"); }) ==
               R"(config key "l": expected a string, got a sequence)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::string>("m"); }) ==
               R"(config key "m": expected a string, got a mapping)");
}

BOOST_AUTO_TEST_CASE(get_string_list_rejects_scalars_and_non_string_items) {
    const auto cfg = plugin_config::parse("one: gpt-4\nmixed: [a, 2, c]\nnested: [[a]]\n");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::vector<std::string>>("one"); }) ==
               R"(config key "one": expected a sequence of strings, got a string)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::vector<std::string>>("mixed"); }) ==
               R"(config key "mixed": item 1: expected a string, got an integer)");
    BOOST_TEST(error_of([&] { (void)cfg.get<std::vector<std::string>>("nested"); }) ==
               R"(config key "nested": item 0: expected a string, got a sequence)");
}

BOOST_AUTO_TEST_CASE(priority_that_is_no_integer_is_an_error) {
    BOOST_TEST(error_of([] { (void)plugin_config::parse("priority: high\n").priority(); }) ==
               R"(config key "priority": expected an integer, got a string)");
    BOOST_TEST(plugin_config::parse("priority: -3\n").priority() == -3);
    BOOST_TEST(plugin_config::parse("enabled: true\n").priority() == 0);
}

BOOST_AUTO_TEST_CASE(get_or_returns_the_fallback_for_absent_or_null_keys) {
    const auto cfg = plugin_config::parse("mode: fast\nlimit: ~\nratio:\n");
    BOOST_TEST(cfg.get_or<std::string>("mode", "safe") == "fast");
    BOOST_TEST(cfg.get_or("mode", "safe") == "fast");
    BOOST_TEST(cfg.get_or("other", "safe") == "safe");
    BOOST_TEST(cfg.get_or<std::int64_t>("limit", 100) == 100);
    BOOST_TEST(cfg.get_or("limit", 5) == 5);
    BOOST_TEST(cfg.get_or("ratio", 0.5) == 0.5);
    BOOST_TEST(cfg.get_or("verbose", true));
    BOOST_TEST(cfg.get_or<std::vector<std::string>>("models", {"m"}) ==
                   (std::vector<std::string>{"m"}),
               boost::test_tools::per_element());
    BOOST_TEST(error_of([&] { (void)cfg.get_or<std::int64_t>("mode", 1); }) ==
               R"(config key "mode": expected an integer, got a string)");
}

BOOST_AUTO_TEST_CASE(as_decodes_the_mapping_into_a_described_struct) {
    const auto cfg = plugin_config::parse("enabled: true\n"
                                          "priority: 1\n"
                                          "Mode: fast\n"
                                          "limit: 20\n"
                                          "verbose: true\n"
                                          "models:\n"
                                          "    - a\n"
                                          "    - b\n"
                                          "store:\n"
                                          "    version: 1.0.0\n");
    const auto s = cfg.as<my_settings>();
    BOOST_TEST(s.mode == "fast");
    BOOST_TEST(s.limit == 20);
    BOOST_TEST(s.verbose);
    BOOST_TEST(s.models == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(as_leaves_absent_and_null_fields_at_their_defaults) {
    const auto s = plugin_config::parse("mode: ~\n").as<my_settings>();
    BOOST_TEST(s.mode.empty());
    BOOST_TEST(s.limit == 0);
    BOOST_TEST(s.models.empty());
    BOOST_TEST(plugin_config().as<my_settings>().limit == 0);
}

BOOST_AUTO_TEST_CASE(as_reports_the_codec_error_with_the_field_path) {
    BOOST_TEST(error_of([] { (void)plugin_config::parse("limit: \"10\"\n").as<my_settings>(); }) ==
               "config: my_settings: field limit: expected an integer, got a string");
    BOOST_TEST(error_of([] { (void)plugin_config::parse("models: [a, 3]\n").as<my_settings>(); }) ==
               "config: my_settings: field models[1]: expected a string, got a number");
    // The codec is strict: YAML 1.1 spellings are strings to it.
    BOOST_TEST(error_of([] { (void)plugin_config::parse("verbose: yes\n").as<my_settings>(); }) ==
               "config: my_settings: field verbose: expected a boolean, got a string");
}

BOOST_AUTO_TEST_CASE(a_config_is_shared_by_pointer_and_copies_compare_alike) {
    const auto shared =
        std::make_shared<const plugin_config>(plugin_config::parse("enabled: yes\nlimit: 3\n"));
    const plugin_config copy = *shared;
    BOOST_TEST(copy.enabled());
    BOOST_TEST(copy.yaml() == shared->yaml());
    BOOST_TEST(copy.values() == shared->values());
}

BOOST_AUTO_TEST_SUITE_END()
