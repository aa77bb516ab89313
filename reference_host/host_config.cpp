#include "host_config.hpp"

#include "cli.hpp"
#include "default_config.hpp"

#include <cpa/plugin/config.hpp>

#include <regex>

namespace cpa_host {

namespace {

/// True when the document has a top-level `providers` key. The rest of a CPA configuration file
/// is left alone: only a file that declares providers is read beyond its `plugins:` section.
bool declares_providers(std::string_view yaml) {
    static const std::regex key(R"((^|\n)["']?providers["']?[ \t]*:)");
    return std::regex_search(yaml.begin(), yaml.end(), key);
}

} // namespace

host_configuration parse_configuration(std::string_view yaml, std::string_view source) {
    host_configuration out;
    out.source = std::string(source);
    auto plugins = cpa::host::parse_plugins_config(yaml, source);
    if (!plugins) {
        throw input_error(plugins.error().what());
    }
    out.plugins = std::move(*plugins);
    if (!declares_providers(yaml)) {
        return out;
    }
    boost::json::value section;
    try {
        const auto document = cpa::plugin_config::parse(yaml);
        if (const auto* p = document.values().if_contains("providers")) {
            section = *p;
        }
    } catch (const cpa::config_error& e) {
        // The plugin-side reader names its input `config_yaml`; here it is the whole file.
        std::string why = e.what();
        if (why.starts_with("config_yaml ")) {
            why.erase(0, std::string_view("config_yaml ").size());
        }
        throw input_error(std::string(source) + ": " + why);
    }
    out.providers = parse_providers(section, source);
    return out;
}

host_configuration load_configuration(const std::string& path) {
    return parse_configuration(read_file(path), path);
}

std::string demo_configuration_text(std::string_view samples_dir) {
    // A YAML double-quoted scalar: backslashes and quotes escaped.
    std::string quoted;
    for (const char c : samples_dir) {
        if (c == '\\' || c == '"') {
            quoted.push_back('\\');
        }
        quoted.push_back(c);
    }
    std::string text(demo_config_template);
    const std::string_view placeholder = "@SAMPLES_DIR@";
    if (const auto at = text.find(placeholder); at != std::string::npos) {
        text.replace(at, placeholder.size(), quoted);
    }
    return text;
}

} // namespace cpa_host
