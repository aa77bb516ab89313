// <cpa/plugin.hpp>: everything a plugin author needs. A plugin is a plain class plus one line:
//
//     #include <cpa/plugin.hpp>
//
//     struct echo_router {
//         static cpa::metadata metadata() {
//             return {.name = "echo-router", .version = "1.0.0", .author = "me",
//                     .github_repository = "https://example.invalid/echo-router"};
//         }
//         cpa::model_route_response route_model(const cpa::model_route_request& request,
//                                               cpa::call_context& ctx) {
//             return {.handled = false};
//         }
//     };
//     CPA_PLUGIN(echo_router)
//
// Optional members the SDK also looks for: `static constexpr std::uint32_t schema_version` (1-3,
// default 3), `static constexpr std::uint32_t required_host_schema_version`,
// `void configure(const cpa::plugin_config&)` (or with a `cpa::call_context&` second parameter;
// called on every plugin.register and plugin.reconfigure before the settings become current;
// throw `cpa::plugin_error` or `cpa::config_error` to reject them) and `void shutdown()` (called
// once, after the SDK's own threads have stopped). Capability members: <cpa/capabilities.hpp>.
#ifndef CPA_PLUGIN_HPP
#define CPA_PLUGIN_HPP

#include <cpa/abi.h>
#include <cpa/api.hpp>
#include <cpa/capabilities.hpp>
#include <cpa/context.hpp>
#include <cpa/error.hpp>
#include <cpa/executor_stream.hpp>
#include <cpa/plugin/config.hpp>
#include <cpa/plugin/export.hpp>

#endif // CPA_PLUGIN_HPP
