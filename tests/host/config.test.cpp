#include <boost/test/unit_test.hpp>

// The host's configuration: reading the `plugins:` section (defaults, booleans, integers, pins,
// errors that name the file, key and position), each entry's text as written, the per-plugin
// `config_yaml`, and the plugin directory. Where a test checks that YAML text means what it
// should, LibYAML reads it back through the SDK's plugin-side parser (`cpa::plugin_config`).
#include <cpa/host/config.hpp>
#include <cpa/plugin/config.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using cpa::host::build_config_yaml;
using cpa::host::config_error;
using cpa::host::plugin_settings;
using cpa::host::plugins_config;
using cpa::host::raw_kind;

namespace cpa::host {
// For failed checks.
std::ostream& operator<<(std::ostream& os, raw_kind kind) {
    return os << static_cast<int>(kind);
}
} // namespace cpa::host

namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
    void operator()(std::ostream& os, const std::optional<T>& v) {
        if (v) {
            os << *v;
        } else {
            os << "nullopt";
        }
    }
};
} // namespace boost::test_tools::tt_detail

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

plugins_config parse(std::string_view yaml) {
    auto r = cpa::host::parse_plugins_config(yaml, "test.yaml");
    BOOST_TEST_REQUIRE(r.has_value(), "unexpected error: " << (r ? "" : r.error().what()));
    return std::move(*r);
}

config_error parse_error(std::string_view yaml) {
    auto r = cpa::host::parse_plugins_config(yaml, "test.yaml");
    BOOST_TEST_REQUIRE(!r.has_value(), "unexpected success for:\n" << yaml);
    return r.error();
}

// A copy, so that `entry(parse(...), id)` is safe.
plugin_settings entry(const plugins_config& config, const std::string& id) {
    const auto it = config.configs.find(id);
    BOOST_TEST_REQUIRE((it != config.configs.end()), "no entry " << id);
    return it->second;
}

// What LibYAML reads from a YAML text (through the SDK's plugin-side parser).
boost::json::object values(std::string_view yaml) {
    return cpa::plugin_config::parse(yaml).values();
}

// `plugins.configs.<id>` of a whole configuration, as LibYAML reads it.
boost::json::object entry_values(std::string_view whole, const std::string& id) {
    const boost::json::object doc = values(whole);
    return doc.at("plugins").as_object().at("configs").as_object().at(id).as_object();
}

// The entry's raw text is a YAML document with exactly the settings of the entry in the file.
void check_raw_means_entry(std::string_view whole, const std::string& id) {
    const plugin_settings& s = entry(parse(whole), id);
    BOOST_TEST_REQUIRE(s.raw_yaml.has_value());
    BOOST_TEST(boost::json::serialize(values(*s.raw_yaml)) ==
                   boost::json::serialize(entry_values(whole, id)),
               "raw text:\n"
                   << *s.raw_yaml);
}

// `build_config_yaml` keeps every key of the raw text and adds the missing ones, in order.
void check_build_adds_missing(const plugin_settings& s) {
    const std::string built = build_config_yaml(s);
    BOOST_TEST_REQUIRE(built.ends_with("\n"));
    BOOST_TEST(!built.ends_with("\n\n"));
    boost::json::object expected = values(s.raw_yaml.value_or(""));
    if (!expected.contains("enabled")) {
        expected["enabled"] = s.enabled;
    }
    if (!expected.contains("priority")) {
        expected["priority"] = s.priority;
    }
    BOOST_TEST(
        boost::json::serialize(values(built)) == boost::json::serialize(expected), "built:\n"
                                                                                       << built);
}

plugin_settings settings(std::optional<std::string> raw, bool enabled = true,
                         std::int64_t priority = 3) {
    return {.id = "sample",
            .enabled = enabled,
            .priority = priority,
            .pinned_version = {},
            .raw_yaml = std::move(raw),
            .kind = raw_kind::mapping};
}

// A temporary file, removed afterwards.
struct temp_file {
    fs::path path;
    explicit temp_file(std::string_view contents) {
        std::random_device random;
        path = fs::temp_directory_path() /
               ("cpa-host-config-" + std::to_string(random()) + std::to_string(random()) + ".yaml");
        std::ofstream(path, std::ios::binary) << contents;
    }
    ~temp_file() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Catalogue 8.1

BOOST_AUTO_TEST_CASE(CFG_01_empty_plugins_section) {
    const plugins_config config = parse("plugins: {}\n");
    BOOST_TEST(!config.enabled);
    BOOST_TEST(config.dir == "plugins");
    BOOST_TEST(config.configs.empty());
    BOOST_TEST((config == plugins_config{}));
}

BOOST_AUTO_TEST_CASE(CFG_02_home_directory_in_plugin_dir) {
    const plugins_config config = parse("plugins:\n"
                                        "  enabled: true\n"
                                        "  dir: \"~/.cli-proxy-api/plugins\"\n"
                                        "  configs:\n"
                                        "    alpha:\n"
                                        "      enabled: true\n");
    BOOST_TEST(config.enabled);
    BOOST_TEST(entry(config, "alpha").enabled);
    BOOST_TEST(config.dir == "~/.cli-proxy-api/plugins"); // expanded when resolved, not parsed
    const auto dir = cpa::host::resolve_plugin_dir(config.dir, "/h");
    BOOST_TEST_REQUIRE(dir.has_value());
    BOOST_TEST(dir->generic_string() == "/h/.cli-proxy-api/plugins");
}

BOOST_AUTO_TEST_CASE(CFG_03_empty_entry_adds_no_keys_to_its_raw_yaml) {
    const plugin_settings& s = entry(parse("plugins:\n  configs:\n    sample: {}\n"), "sample");
    BOOST_TEST(!s.enabled);
    BOOST_TEST(s.priority == 0);
    BOOST_TEST(s.raw_yaml == std::optional<std::string>("{}"));
    BOOST_TEST(s.kind == raw_kind::flow_mapping);
    BOOST_TEST(!contains(*s.raw_yaml, "enabled:"));
    BOOST_TEST(!contains(*s.raw_yaml, "priority:"));
}

BOOST_AUTO_TEST_CASE(CFG_04_entry_keeps_every_key_including_nested) {
    const std::string whole = "plugins:\n"
                              "  configs:\n"
                              "    sample:\n"
                              "      enabled: false\n"
                              "      priority: 7\n"
                              "      config1: value1\n"
                              "      config2:\n"
                              "        nested: value2\n";
    const plugin_settings& s = entry(parse(whole), "sample");
    BOOST_TEST(!s.enabled);
    BOOST_TEST(s.priority == 7);
    BOOST_TEST(s.kind == raw_kind::mapping);
    BOOST_TEST(s.raw_yaml == std::optional<std::string>("enabled: false\n"
                                                        "priority: 7\n"
                                                        "config1: value1\n"
                                                        "config2:\n"
                                                        "  nested: value2"));
    const boost::json::object raw = values(*s.raw_yaml);
    BOOST_TEST(raw.size() == 4U);
    BOOST_TEST(raw.at("config2").as_object().at("nested").as_string() == "value2");
    check_raw_means_entry(whole, "sample");
}

BOOST_AUTO_TEST_CASE(CFG_05_config_yaml_appends_enabled_and_priority) {
    const std::string built = build_config_yaml(settings("config1: true\nconfig2: value"));
    BOOST_TEST(contains(built, "config1: true"));
    BOOST_TEST(contains(built, "config2: value"));
    BOOST_TEST(contains(built, "enabled: true"));
    BOOST_TEST(contains(built, "priority: 3"));
    BOOST_TEST(built == "config1: true\nconfig2: value\nenabled: true\npriority: 3\n");
    check_build_adds_missing(settings("config1: true\nconfig2: value"));
}

BOOST_AUTO_TEST_CASE(CFG_06_config_yaml_without_raw_yaml) {
    const std::string built = build_config_yaml(settings(std::nullopt, false, 3));
    BOOST_TEST(contains(built, "enabled: false"));
    BOOST_TEST(contains(built, "priority: 3"));
    BOOST_TEST(built == "enabled: false\npriority: 3\n");
}

BOOST_AUTO_TEST_CASE(CFG_07_pinned_version_from_store) {
    const plugins_config both = parse("plugins:\n"
                                      "  configs:\n"
                                      "    sample:\n"
                                      "      store: {version: 1.0.3, release-tag: v1.0.3}\n");
    BOOST_TEST(entry(both, "sample").pinned_version == "1.0.3");
    const plugins_config tag_only = parse("plugins:\n"
                                          "  configs:\n"
                                          "    sample:\n"
                                          "      store:\n"
                                          "        release-tag: v1.0.3\n");
    BOOST_TEST(entry(tag_only, "sample").pinned_version == "1.0.3");
}

// ---------------------------------------------------------------------------------------------
// Reading the section

BOOST_AUTO_TEST_CASE(document_without_plugins_section_gives_defaults) {
    BOOST_TEST((parse("") == plugins_config{}));
    BOOST_TEST((parse("# only a comment\n") == plugins_config{}));
    BOOST_TEST((parse("port: 8317\nauth-dir: ~/.cli-proxy-api\n") == plugins_config{}));
    BOOST_TEST((parse("plugins:\n") == plugins_config{}));
    BOOST_TEST((parse("plugins:\n  configs:\n") == plugins_config{}));
}

BOOST_AUTO_TEST_CASE(global_and_plugin_switches_are_independent) {
    const plugins_config config = parse("plugins:\n"
                                        "  enabled: false\n"
                                        "  dir: \"  /srv/cpa/plugins  \"\n"
                                        "  configs:\n"
                                        "    on-plugin: {enabled: true, priority: -4}\n"
                                        "    default-plugin: {mode: x}\n");
    BOOST_TEST(!config.enabled);
    BOOST_TEST(config.dir == "/srv/cpa/plugins");
    BOOST_TEST(entry(config, "on-plugin").enabled);
    BOOST_TEST(entry(config, "on-plugin").priority == -4);
    BOOST_TEST(!entry(config, "default-plugin").enabled);
    BOOST_TEST(entry(config, "default-plugin").priority == 0);

    const plugins_config global_on =
        parse("plugins:\n  enabled: true\n  dir: ''\n  configs:\n    p: {priority: 1}\n");
    BOOST_TEST(global_on.enabled);
    BOOST_TEST(global_on.dir == "plugins");
    BOOST_TEST(!entry(global_on, "p").enabled);
}

BOOST_AUTO_TEST_CASE(every_yaml_boolean_spelling_is_accepted) {
    const std::array<std::string_view, 11> yes{"true", "True", "TRUE", "y",  "Y", "yes",
                                               "Yes",  "YES",  "on",   "On", "ON"};
    const std::array<std::string_view, 11> no{"false", "False", "FALSE", "n",   "N",  "no",
                                              "No",    "NO",    "off",   "Off", "OFF"};
    for (const auto& [spellings, expected] : {std::pair{yes, true}, std::pair{no, false}}) {
        for (const std::string_view spelling : spellings) {
            for (const std::string quote : {"", "\"", "'"}) {
                const std::string value = quote + std::string(spelling) + quote;
                const plugins_config config =
                    parse("plugins:\n  enabled: " + value +
                          "\n  configs:\n    p:\n      enabled: " + value + "\n");
                BOOST_TEST(config.enabled == expected, value);
                BOOST_TEST(entry(config, "p").enabled == expected, value);
                // The plugin sees the spelling the user wrote.
                BOOST_TEST(entry(config, "p").raw_yaml.value() == "enabled: " + value);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(null_enabled_and_priority_count_as_absent) {
    const plugin_settings& s =
        entry(parse("plugins:\n  configs:\n    p:\n      enabled: ~\n      priority:\n"), "p");
    BOOST_TEST(!s.enabled);
    BOOST_TEST(s.priority == 0);
}

BOOST_AUTO_TEST_CASE(priority_accepts_yaml_integers) {
    const auto priority = [](std::string_view written) {
        return entry(parse("plugins:\n  configs:\n    p:\n      priority: " + std::string(written) +
                           "\n"),
                     "p")
            .priority;
    };
    BOOST_TEST(priority("12") == 12);
    BOOST_TEST(priority("-5") == -5);
    BOOST_TEST(priority("+5") == 5);
    BOOST_TEST(priority("0x10") == 16);
    BOOST_TEST(priority("0o17") == 15);
    BOOST_TEST(priority("0b101") == 5);
    BOOST_TEST(priority("1_000") == 1000);
    BOOST_TEST(priority("!!int 42") == 42);
    BOOST_TEST(priority("7.0") == 7); // a float without fraction
    BOOST_TEST(priority("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
}

BOOST_AUTO_TEST_CASE(empty_entry_value_is_disabled_like_a_missing_entry) {
    const plugins_config config = parse("plugins:\n  configs: {sample: }\n");
    const plugin_settings& s = entry(config, "sample");
    BOOST_TEST(!s.enabled);
    BOOST_TEST(s.priority == 0);
    BOOST_TEST(s.kind == raw_kind::null);
    BOOST_TEST(s.raw_yaml == std::optional<std::string>(""));
    BOOST_TEST(build_config_yaml(s) == "enabled: false\npriority: 0\n");

    const plugin_settings& tilde = entry(parse("plugins:\n  configs:\n    sample: ~\n"), "sample");
    BOOST_TEST(tilde.kind == raw_kind::null);
    BOOST_TEST(!tilde.enabled);
}

BOOST_AUTO_TEST_CASE(scalar_and_sequence_entries_are_kept_disabled) {
    const plugins_config config = parse("plugins:\n"
                                        "  configs:\n"
                                        "    scalar: just text  # note\n"
                                        "    list:\n"
                                        "      - a\n"
                                        "      - enabled: true\n");
    const plugin_settings& scalar = entry(config, "scalar");
    BOOST_TEST(scalar.kind == raw_kind::scalar);
    BOOST_TEST(!scalar.enabled);
    BOOST_TEST(scalar.raw_yaml.value() == "just text  # note");
    BOOST_TEST(build_config_yaml(scalar) == "just text  # note\n");

    const plugin_settings& list = entry(config, "list");
    BOOST_TEST(list.kind == raw_kind::sequence);
    BOOST_TEST(!list.enabled);
    BOOST_TEST(list.raw_yaml.value() == "- a\n- enabled: true");
    BOOST_TEST(build_config_yaml(list) == "- a\n- enabled: true\n");
}

BOOST_AUTO_TEST_CASE(merge_keys_and_aliases_are_applied) {
    const std::string whole = "defaults: &defaults\n"
                              "  enabled: yes\n"
                              "  priority: 5\n"
                              "shared: &shared\n"
                              "  mode: fast\n"
                              "plugins:\n"
                              "  configs:\n"
                              "    alpha:\n"
                              "      <<: *defaults\n"
                              "      priority: 9\n"
                              "    beta: *shared\n";
    const plugins_config config = parse(whole);
    const plugin_settings& alpha = entry(config, "alpha");
    BOOST_TEST(alpha.enabled);       // from the merged mapping
    BOOST_TEST(alpha.priority == 9); // written beats merged
    BOOST_TEST(alpha.raw_yaml.value() == "<<: *defaults\npriority: 9");
    const plugin_settings& beta = entry(config, "beta");
    BOOST_TEST(!beta.enabled);
    BOOST_TEST(beta.kind == raw_kind::mapping);
    BOOST_TEST(beta.raw_yaml.value() == "&shared\nmode: fast"); // the anchored node's text
    BOOST_TEST(values(*beta.raw_yaml).at("mode").as_string() == "fast");
}

BOOST_AUTO_TEST_CASE(only_the_first_document_is_read) {
    const plugins_config config =
        parse("plugins:\n  enabled: true\n---\nplugins:\n  enabled: false\n");
    BOOST_TEST(config.enabled);
}

// ---------------------------------------------------------------------------------------------
// Raw entries: the text as written

BOOST_AUTO_TEST_CASE(block_entry_keeps_comments_order_and_spellings) {
    const std::string whole = "plugins:\n"
                              "  enabled: true\n"
                              "  configs:\n"
                              "    alpha:   # the router\n"
                              "      # routes fast-* models\n"
                              "\n"
                              "      # to the echo executor\n"
                              "      target: echo-executor  # by ID\n"
                              "      enabled: Yes\n"
                              "      limits:\n"
                              "        - 1\n"
                              "        - 0x10\n"
                              "      # priority: 5 (off for now)\n"
                              "\n"
                              "    # beta is next\n"
                              "    beta: {enabled: true}\n";
    const plugin_settings& alpha = entry(parse(whole), "alpha");
    BOOST_TEST(alpha.enabled);
    BOOST_TEST(alpha.kind == raw_kind::mapping);
    BOOST_TEST(alpha.raw_yaml.value() == "# routes fast-* models\n"
                                         "\n"
                                         "# to the echo executor\n"
                                         "target: echo-executor  # by ID\n"
                                         "enabled: Yes\n"
                                         "limits:\n"
                                         "  - 1\n"
                                         "  - 0x10\n"
                                         "# priority: 5 (off for now)");
    check_raw_means_entry(whole, "alpha");
    // After the last value, before the comment lines that end the entry.
    BOOST_TEST(build_config_yaml(alpha) == "# routes fast-* models\n"
                                           "\n"
                                           "# to the echo executor\n"
                                           "target: echo-executor  # by ID\n"
                                           "enabled: Yes\n"
                                           "limits:\n"
                                           "  - 1\n"
                                           "  - 0x10\n"
                                           "priority: 0\n"
                                           "# priority: 5 (off for now)\n");
    check_build_adds_missing(alpha);
}

BOOST_AUTO_TEST_CASE(flow_entries_keep_their_text) {
    const std::string whole = "plugins:\n"
                              "  configs:\n"
                              "    one: {a: 1, b: [x, y]}  # flow\n"
                              "    two: {\n"
                              "        a: 1,   # first\n"
                              "        b: 2\n"
                              "      }\n"
                              "    three:\n"
                              "      {c: 3}\n"
                              "  enabled: true\n";
    const plugins_config config = parse(whole);
    BOOST_TEST(entry(config, "one").raw_yaml.value() == "{a: 1, b: [x, y]}  # flow");
    BOOST_TEST(entry(config, "one").kind == raw_kind::flow_mapping);
    BOOST_TEST(entry(config, "two").raw_yaml.value() == "{\n    a: 1,   # first\n    b: 2\n  }");
    BOOST_TEST(entry(config, "three").raw_yaml.value() == "{c: 3}");
    for (const std::string id : {"one", "two", "three"}) {
        check_raw_means_entry(whole, id);
        check_build_adds_missing(entry(config, id));
    }
}

BOOST_AUTO_TEST_CASE(nested_entries_with_block_scalars_and_anchors) {
    const std::string whole = "plugins:\n"
                              "  configs:\n"
                              "    alpha: &alpha\n"
                              "      prompt: |\n"
                              "        line one\n"
                              "          indented\n"
                              "\n"
                              "      folded: >-\n"
                              "        a\n"
                              "        b\n"
                              "      deep:\n"
                              "        deeper:\n"
                              "          deepest: [1, {k: v}]\n"
                              "      quoted: \"multi\n"
                              "        line\"\n"
                              "      reuse: &r {x: 1}\n"
                              "      again: *r\n"
                              "    beta:\n"
                              "      text: |2\n"
                              "           two more spaces\n";
    const plugins_config config = parse(whole);
    const plugin_settings& alpha = entry(config, "alpha");
    BOOST_TEST(alpha.raw_yaml.value().starts_with("&alpha\nprompt: |\n  line one\n    indented\n"));
    // The block scalar at the end keeps its line break (`|2` clips to one).
    BOOST_TEST(entry(config, "beta").raw_yaml.value() == "text: |2\n     two more spaces\n");
    check_raw_means_entry(whole, "alpha");
    check_raw_means_entry(whole, "beta");
    check_build_adds_missing(alpha);
    check_build_adds_missing(entry(config, "beta"));
}

BOOST_AUTO_TEST_CASE(raw_text_survives_crlf_bom_and_non_ascii_text) {
    const std::string whole = "\xEF\xBB\xBF"
                              "name: \"\xC3\xA9t\xC3\xA9 \xE2\x9C\x93\"\r\n"
                              "plugins:\r\n"
                              "  configs:\r\n"
                              "    alpha:\r\n"
                              "      greeting: \xE4\xBD\xA0\xE5\xA5\xBD  # hello\r\n"
                              "      enabled: true\r\n"
                              "    beta: {w: \xC3\xBC}\r\n";
    const plugins_config config = parse(whole);
    BOOST_TEST(entry(config, "alpha").enabled);
    BOOST_TEST(entry(config, "alpha").raw_yaml.value() ==
               "greeting: \xE4\xBD\xA0\xE5\xA5\xBD  # hello\r\nenabled: true");
    BOOST_TEST(entry(config, "beta").raw_yaml.value() == "{w: \xC3\xBC}");
    check_raw_means_entry(whole, "alpha");
    check_raw_means_entry(whole, "beta");
}

// ---------------------------------------------------------------------------------------------
// config_yaml

BOOST_AUTO_TEST_CASE(config_yaml_keeps_written_enabled_and_priority) {
    const plugin_settings s = settings("enabled: yes  # on\nmode: x\npriority: 0x10");
    BOOST_TEST(build_config_yaml(s) == "enabled: yes  # on\nmode: x\npriority: 0x10\n");
    const plugin_settings only_enabled = settings("enabled: on\nmode: x\n");
    BOOST_TEST(build_config_yaml(only_enabled) == "enabled: on\nmode: x\npriority: 3\n");
    check_build_adds_missing(only_enabled);
}

BOOST_AUTO_TEST_CASE(config_yaml_flow_mapping_gets_keys_before_the_brace) {
    BOOST_TEST(build_config_yaml(settings("{a: 1}")) == "{a: 1, enabled: true, priority: 3}\n");
    BOOST_TEST(build_config_yaml(settings("{}")) == "{enabled: true, priority: 3}\n");
    BOOST_TEST(build_config_yaml(settings("{a: 1,}")) == "{a: 1, enabled: true, priority: 3}\n");
    BOOST_TEST(build_config_yaml(settings("{a: 1, priority: 9} # c")) ==
               "{a: 1, priority: 9, enabled: true} # c\n");
    BOOST_TEST(build_config_yaml(settings("{\n  a: 1,  # one\n  b: [2]  # two\n}")) ==
               "{\n  a: 1,  # one\n  b: [2], enabled: true, priority: 3  # two\n}\n");
    for (const std::string raw : {"{a: 1}", "{}", "{a: 1,}", "{a, b: }", "{ # c\n}", "&x {a: 1}",
                                  "{a: 1, b: {c: 2}}", "{\n  a: 1,  # one\n}"}) {
        check_build_adds_missing(settings(raw));
    }
}

BOOST_AUTO_TEST_CASE(config_yaml_block_mapping_gets_lines_at_its_indentation) {
    BOOST_TEST(build_config_yaml(settings("  a: 1\n  b:\n    c: 2\n")) ==
               "  a: 1\n  b:\n    c: 2\n  enabled: true\n  priority: 3\n");
    // After the blank lines that end a block scalar (with `|+` they are part of it).
    BOOST_TEST(build_config_yaml(settings("a: |\n  text\n\n# trailing\n")) ==
               "a: |\n  text\n\nenabled: true\npriority: 3\n# trailing\n");
    // An alias without its anchor (cut out of a larger file) does not stop the keys being added.
    BOOST_TEST(build_config_yaml(settings("a: *undefined")) ==
               "a: *undefined\nenabled: true\npriority: 3\n");
    BOOST_TEST(build_config_yaml(settings("a: 1 # one")) ==
               "a: 1 # one\nenabled: true\npriority: 3\n");
    for (const std::string raw :
         {"a: 1", "a: 1\n", "a:\n", "a: 1 # one", "# head\na: 1\n# foot\n", "a: |\n  t\n",
          "a: |+\n  t\n\n", "a: >\n  folded\n  text\n", "a:\n  - 1\n  - 2\n", "a:\n- 1\n- 2",
          "&anchor\na: 1", "a: \"multi\n  line\"", "? complex\n: value", "a: 1\r\nb: 2\r\n",
          "<<: {m: 1}\na: 2"}) {
        check_build_adds_missing(settings(raw));
    }
}

BOOST_AUTO_TEST_CASE(config_yaml_passes_other_documents_unchanged) {
    BOOST_TEST(build_config_yaml(settings("- a\n- b\n")) == "- a\n- b\n");
    BOOST_TEST(build_config_yaml(settings("[a, b]")) == "[a, b]\n");
    BOOST_TEST(build_config_yaml(settings("  just text  ")) == "  just text\n");
    BOOST_TEST(build_config_yaml(settings("*alias")) == "*alias\n");
    BOOST_TEST(build_config_yaml(settings("a: [unclosed\n")) == "a: [unclosed\n"); // not YAML
}

BOOST_AUTO_TEST_CASE(config_yaml_of_empty_or_null_text_is_the_two_keys) {
    BOOST_TEST(build_config_yaml(settings("")) == "enabled: true\npriority: 3\n");
    BOOST_TEST(build_config_yaml(settings("~")) == "enabled: true\npriority: 3\n");
    BOOST_TEST(build_config_yaml(settings("# nothing\n")) == "enabled: true\npriority: 3\n");
    BOOST_TEST(build_config_yaml(settings(std::nullopt, false, 0)) ==
               "enabled: false\npriority: 0\n");
    BOOST_TEST(build_config_yaml(settings(" \n\t\n")) == "enabled: true\npriority: 3\n");
}

BOOST_AUTO_TEST_CASE(config_yaml_is_trimmed_to_one_trailing_newline) {
    BOOST_TEST(build_config_yaml(settings("\n\n  \na: 1\nenabled: true\npriority: 3\n\n\n")) ==
               "a: 1\nenabled: true\npriority: 3\n");
}

BOOST_AUTO_TEST_CASE(parsed_entries_round_trip_through_config_yaml) {
    const std::string whole = "plugins:\n"
                              "  configs:\n"
                              "    alpha:\n"
                              "      enabled: true\n"
                              "      priority: 4\n"
                              "      store: {version: 2.0.0}\n"
                              "    beta: {mode: slow, enabled: true}\n";
    const plugins_config config = parse(whole);
    BOOST_TEST(build_config_yaml(entry(config, "alpha")) ==
               "enabled: true\npriority: 4\nstore: {version: 2.0.0}\n");
    BOOST_TEST(build_config_yaml(entry(config, "beta")) ==
               "{mode: slow, enabled: true, priority: 0}\n");
    BOOST_TEST(entry(config, "alpha").pinned_version == "2.0.0");
}

// ---------------------------------------------------------------------------------------------
// Errors

BOOST_AUTO_TEST_CASE(enabled_that_is_not_a_boolean_names_file_key_and_position) {
    const config_error e = parse_error("plugins:\n"
                                       "  configs:\n"
                                       "    alpha:\n"
                                       "      enabled: maybe\n");
    BOOST_TEST(std::string(e.what()) ==
               "test.yaml:4:16: plugins.configs.alpha.enabled: must be a YAML boolean "
               "(true/false, yes/no, on/off, y/n), got \"maybe\"");
    BOOST_TEST(e.source() == "test.yaml");
    BOOST_TEST(e.key_path() == "plugins.configs.alpha.enabled");
    BOOST_TEST(e.line() == 4U);
    BOOST_TEST(e.column() == 16U);

    for (const std::string bad : {"tRuE", "1", "0", "'maybe'", "[true]", "{}", "!!int 1"}) {
        const config_error again =
            parse_error("plugins:\n  configs:\n    alpha:\n      enabled: " + bad + "\n");
        BOOST_TEST(again.key_path() == "plugins.configs.alpha.enabled", bad);
        BOOST_TEST(contains(again.what(), "must be a YAML boolean"), bad);
    }
}

BOOST_AUTO_TEST_CASE(global_enabled_that_is_not_a_boolean_fails) {
    const config_error e = parse_error("plugins:\n  enabled: sometimes\n");
    BOOST_TEST(std::string(e.what()) ==
               "test.yaml:2:12: plugins.enabled: must be a YAML boolean (true/false, yes/no, "
               "on/off, y/n), got \"sometimes\"");
}

BOOST_AUTO_TEST_CASE(priority_that_is_not_an_integer_fails) {
    const config_error e = parse_error("plugins:\n"
                                       "  configs:\n"
                                       "    alpha:\n"
                                       "      enabled: true\n"
                                       "      priority: high\n");
    BOOST_TEST(std::string(e.what()) ==
               "test.yaml:5:17: plugins.configs.alpha.priority: must be an integer, got \"high\"");
    const auto message = [](std::string_view written) {
        return std::string(parse_error("plugins:\n  configs:\n    b:\n      priority: " +
                                       std::string(written) + "\n")
                               .what());
    };
    BOOST_TEST(message("\"3\"") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got the string "
               "\"3\"");
    BOOST_TEST(message("1.5") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got \"1.5\"");
    BOOST_TEST(message("9223372036854775808") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got "
               "\"9223372036854775808\" (out of range)");
    BOOST_TEST(message("1e300") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got \"1e300\"");
    BOOST_TEST(message("true") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got \"true\"");
    BOOST_TEST(message("{a: 1}") ==
               "test.yaml:4:17: plugins.configs.b.priority: must be an integer, got a mapping");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_names_file_and_position) {
    const config_error e = parse_error("plugins:\n  enabled: true\n configs: {}\n");
    BOOST_TEST(e.source() == "test.yaml");
    BOOST_TEST(e.line() == 3U);
    BOOST_TEST(std::string(e.what()).starts_with("test.yaml:3:2: YAML: "));

    const config_error unclosed = parse_error("plugins: {enabled: true\n");
    BOOST_TEST(std::string(unclosed.what()).starts_with("test.yaml:2:1: YAML: "));
    BOOST_TEST(contains(unclosed.what(), "flow mapping"));
}

BOOST_AUTO_TEST_CASE(structural_errors_name_the_key) {
    BOOST_TEST(std::string(parse_error("plugins: [a]\n").what()) ==
               "test.yaml:1:10: plugins: must be a mapping, got a sequence");
    BOOST_TEST(std::string(parse_error("plugins:\n  configs: [a]\n").what()) ==
               "test.yaml:2:12: plugins.configs: must be a mapping of plugin IDs to settings, got "
               "a sequence");
    BOOST_TEST(std::string(parse_error("plugins:\n  dir: [a]\n").what()) ==
               "test.yaml:2:8: plugins.dir: must be a string, got a sequence");
    BOOST_TEST(std::string(parse_error("- a\n").what()) ==
               "test.yaml:1:1: the configuration must be a mapping, got a sequence");
    BOOST_TEST(std::string(parse_error("plugins:\n  configs:\n    [a]: {}\n").what()) ==
               "test.yaml:3:5: plugins.configs: a plugin ID must be a scalar, got a sequence");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_fail) {
    BOOST_TEST(std::string(parse_error("plugins:\n"
                                       "  configs:\n"
                                       "    alpha:\n"
                                       "      priority: 1\n"
                                       "      priority: 2\n")
                               .what()) ==
               "test.yaml:5:7: plugins.configs.alpha: mapping key \"priority\" already defined at "
               "line 4");
    BOOST_TEST(std::string(parse_error("plugins:\n  configs:\n    a: {}\n    a: {}\n").what()) ==
               "test.yaml:4:5: plugins.configs: mapping key \"a\" already defined at line 3");
    BOOST_TEST(std::string(parse_error("plugins: {}\nplugins: {}\n").what()) ==
               "test.yaml:2:1: mapping key \"plugins\" already defined at line 1");
}

BOOST_AUTO_TEST_CASE(undefined_or_recursive_anchor_fails) {
    BOOST_TEST(std::string(parse_error("plugins:\n  configs:\n    alpha: *missing\n").what()) ==
               "test.yaml:3:12: unknown anchor 'missing' referenced");
    BOOST_TEST(std::string(parse_error("plugins: &p {configs: *p}\n").what()) ==
               "test.yaml:1:23: anchor 'p' value contains itself");
}

BOOST_AUTO_TEST_CASE(load_reads_a_file_and_names_it_in_errors) {
    const temp_file good("plugins:\n  enabled: true\n  configs:\n    alpha: {enabled: true}\n");
    const auto config = cpa::host::load_plugins_config(good.path);
    BOOST_TEST_REQUIRE(config.has_value());
    BOOST_TEST(config->enabled);
    BOOST_TEST(config->configs.at("alpha").enabled);

    const temp_file bad("plugins:\n  enabled: perhaps\n");
    const auto failed = cpa::host::load_plugins_config(bad.path);
    BOOST_TEST_REQUIRE(!failed.has_value());
    BOOST_TEST(std::string(failed.error().what()).starts_with(bad.path.string() + ":2:12: "));
}

BOOST_AUTO_TEST_CASE(unreadable_file_names_the_file_and_reason) {
    const fs::path missing = fs::temp_directory_path() / "cpa-host-config-does-not-exist.yaml";
    const auto r = cpa::host::load_plugins_config(missing);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().source() == missing.string());
    BOOST_TEST(std::string(r.error().what()) ==
               missing.string() + ": cannot read the file: No such file or directory");

    const auto dir = cpa::host::load_plugins_config(fs::temp_directory_path());
    BOOST_TEST_REQUIRE(!dir.has_value());
    BOOST_TEST(contains(dir.error().what(), "it is a directory"));
    BOOST_CHECK_THROW((void)dir.value(), config_error);
}

// ---------------------------------------------------------------------------------------------
// Pins

BOOST_AUTO_TEST_CASE(pinned_versions_are_normalised_or_dropped) {
    using cpa::host::normalize_pinned_version;
    BOOST_TEST(normalize_pinned_version(" v1.0.3 ") == "1.0.3");
    BOOST_TEST(normalize_pinned_version("V2") == "2");
    BOOST_TEST(normalize_pinned_version("1.0.3-rc.1+b5") == "1.0.3-rc.1+b5");
    BOOST_TEST(normalize_pinned_version("v") == "");
    BOOST_TEST(normalize_pinned_version("vv1") == "");
    BOOST_TEST(normalize_pinned_version("latest") == "");
    BOOST_TEST(normalize_pinned_version("") == "");

    // An invalid store.version falls back to store.release-tag; both invalid: no pin.
    const plugins_config config = parse("plugins:\n"
                                        "  configs:\n"
                                        "    a: {store: {version: latest, release-tag: v3.1}}\n"
                                        "    b: {store: {version: latest}}\n"
                                        "    c: {store: [1]}\n"
                                        "    d: {enabled: true}\n");
    BOOST_TEST(entry(config, "a").pinned_version == "3.1");
    BOOST_TEST(entry(config, "b").pinned_version == "");
    BOOST_TEST(entry(config, "c").pinned_version == "");
    const std::map<std::string, std::string> expected{{"a", "3.1"}};
    BOOST_TEST((cpa::host::pinned_versions(config) == expected));
}

// ---------------------------------------------------------------------------------------------
// Plugin directory

BOOST_AUTO_TEST_CASE(plugin_dir_resolution) {
    const auto resolved = [](std::string_view dir, const char* home) {
        const auto r = cpa::host::resolve_plugin_dir(dir, home);
        BOOST_TEST_REQUIRE(r.has_value(), "unexpected error: " << (r ? "" : r.error().what()));
        return r->generic_string();
    };
    BOOST_TEST(resolved("~", "/h") == "/h");
    BOOST_TEST(resolved(" ~/x ", "/h") == "/h/x");
    BOOST_TEST(resolved("~//x", "/h") == "/h/x");
    BOOST_TEST(resolved("~\\a\\b", "/h") == "/h/a/b");
    BOOST_TEST(resolved("~/a/../../..", "/h/") == "/");
    BOOST_TEST(resolved("~plugins", "/h") == "/h/plugins");
    BOOST_TEST(resolved("", nullptr) == "plugins");
    BOOST_TEST(resolved("   ", nullptr) == "plugins");
    BOOST_TEST(resolved("./a/../b/", nullptr) == "b");
    BOOST_TEST(resolved("../../x", nullptr) == "../../x");
    BOOST_TEST(resolved("/x/../..//y/.", nullptr) == "/y");
    BOOST_TEST(resolved("a\\b", nullptr) == "a\\b"); // only `~` paths convert backslashes
    BOOST_TEST(resolved("plugins/", nullptr) == "plugins");
}

BOOST_AUTO_TEST_CASE(plugin_dir_with_tilde_and_no_home_fails) {
    for (const char* home : {static_cast<const char*>(nullptr), ""}) {
        const auto r = cpa::host::resolve_plugin_dir("~/.cli-proxy-api/plugins", home);
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST(r.error().key_path() == "plugins.dir");
        BOOST_TEST(std::string(r.error().what()) ==
                   "plugins.dir: cannot expand \"~\" in \"~/.cli-proxy-api/plugins\": the home "
                   "directory is not set ($HOME is empty or unset)");
    }
}
