// The configuration cpa-host reads: CPA's YAML with its `plugins:` section (read by the host
// library, exactly as CPA reads it) and cpa-host's own `providers:` section (providers.hpp).
#ifndef CPA_REFERENCE_HOST_HOST_CONFIG_HPP
#define CPA_REFERENCE_HOST_HOST_CONFIG_HPP

#include "providers.hpp"

#include <cpa/host/config.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

struct host_configuration {
    std::string source; ///< the file name, as errors name it
    cpa::host::plugins_config plugins;
    std::vector<provider_spec> providers;
};

/// Parses a configuration held in `yaml`, named `source` in errors. Throws `input_error`, e.g.
/// `host.yaml:7:17: plugins.configs.alpha.priority: must be an integer, got "high"`.
[[nodiscard]] host_configuration parse_configuration(std::string_view yaml,
                                                     std::string_view source);

/// Reads and parses the file at `path`. Throws `input_error` naming the file and the problem.
[[nodiscard]] host_configuration load_configuration(const std::string& path);

/// The demo's configuration text (default_config.hpp) with the plugin directory `samples_dir`.
[[nodiscard]] std::string demo_configuration_text(std::string_view samples_dir);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_HOST_CONFIG_HPP
