// A host program built against the package: loads tiny-router through cpa::host and routes.
#include <cpa/host.hpp>

#include <filesystem>
#include <iostream>

int main() {
    const std::filesystem::path plugin(TINY_ROUTER_PATH);
    cpa::host::host_options options;
    options.delete_stale_files = false;
    options.log = [](const cpa::host::log_event&) {};
    cpa::host::plugin_host host(options);
    cpa::host::plugins_config config;
    config.enabled = true;
    config.dir = plugin.parent_path().string();
    config.configs["tiny-router"] = {.id = "tiny-router", .enabled = true, .priority = 1};
    const auto report = host.apply_config(config);
    if (!host.plugin_registered("tiny-router")) {
        std::cerr << "tiny-router did not register"
                  << (report.errors.empty() ? "" : ": " + report.errors.front()) << '\n';
        return 1;
    }
    cpa::model_route_request request;
    request.requested_model = "tiny-1";
    const auto routed = host.route_model(request);
    // tiny-router has no executor, so its `self` decision is not ready and falls through.
    if (routed.decision || routed.trail.size() != 1 ||
        routed.trail[0].outcome != "unavailable executor plugin tiny-router") {
        std::cerr << "unexpected route\n";
        return 1;
    }
    std::cout << "host: tiny-router registered, decision trail: " << routed.trail[0].outcome
              << '\n';
    return 0;
}
