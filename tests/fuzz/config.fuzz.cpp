// Fuzz target config: the configuration readers. The selector byte picks
//   0: the host's `plugins:` YAML reader (`parse_plugins_config`), then for each plugin entry the
//      YAML the plugin would receive (`build_config_yaml`), read by the plugin-side parser;
//   1: plugin library file names (`parse_library_name`, `plugin_id_from_path`);
//   2: the plugin-side configuration parser (`plugin_config::parse`) and its typed getters.
//
// Checked: nothing but the documented errors; a parsed file name, written back as
// `<id>[-v<version>].so`, parses to the same ID and version.
#include "fuzz_entry.hpp"

#include <cpa/host/config.hpp>
#include <cpa/host/discovery.hpp>
#include <cpa/plugin/config.hpp>

#include <string>
#include <vector>

namespace {

void read_plugin_config(std::string_view yaml) {
    cpa::plugin_config config;
    try {
        config = cpa::plugin_config::parse(yaml);
    } catch (const cpa::config_error&) {
        return;
    }
    for (const auto& kv : config.values()) {
        const std::string_view key = kv.key();
        try {
            (void)config.get<bool>(key);
        } catch (const cpa::config_error&) {
        }
        try {
            (void)config.get<std::int64_t>(key);
        } catch (const cpa::config_error&) {
        }
        try {
            (void)config.get<int>(key);
        } catch (const cpa::config_error&) {
        }
        try {
            (void)config.get<double>(key);
        } catch (const cpa::config_error&) {
        }
        try {
            (void)config.get<std::string>(key);
        } catch (const cpa::config_error&) {
        }
        try {
            (void)config.get<std::vector<std::string>>(key);
        } catch (const cpa::config_error&) {
        }
    }
    try {
        (void)config.enabled();
        (void)config.priority();
    } catch (const cpa::config_error&) {
    }
}

void read_host_config(std::string_view yaml) {
    const auto parsed = cpa::host::parse_plugins_config(yaml, "fuzz.yaml");
    if (!parsed) {
        return;
    }
    (void)cpa::host::resolve_plugin_dir(parsed->dir, "/home/fuzz");
    (void)cpa::host::pinned_versions(*parsed);
    for (const auto& [id, settings] : parsed->configs) {
        (void)cpa::host::normalize_pinned_version(settings.pinned_version);
        read_plugin_config(cpa::host::build_config_yaml(settings));
    }
}

void read_library_name(std::string_view name) {
    (void)cpa::host::plugin_id_from_path(std::filesystem::path(std::string(name)));
    const auto parsed = cpa::host::parse_library_name(name, ".so");
    if (!parsed) {
        return;
    }
    if (!cpa::host::valid_plugin_id(parsed->id) ||
        (!parsed->version.empty() && !cpa::host::valid_version(parsed->version))) {
        cpa_fuzz::violated("parse_library_name gave an invalid ID or version");
    }
    const std::string written =
        parsed->id + (parsed->version.empty() ? "" : "-v" + parsed->version) + ".so";
    const auto again = cpa::host::parse_library_name(written, ".so");
    if (!again || *again != *parsed) {
        cpa_fuzz::violated("a library name written back parses differently");
    }
}

} // namespace

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    const auto in = cpa_fuzz::select(data, size, 3);
    switch (in.index) {
    case 0:
        read_host_config(in.text);
        break;
    case 1:
        read_library_name(in.text);
        break;
    default:
        read_plugin_config(in.text);
        break;
    }
    return 0;
}
