// How cpa-host shows what the host library knows: the plugin table, routing decisions with their
// trails, responses; as aligned text for people and as JSON for programs. Nothing printed here
// depends on time, addresses or the machine, so the output of a run can be compared.
#ifndef CPA_REFERENCE_HOST_REPORT_HPP
#define CPA_REFERENCE_HOST_REPORT_HPP

#include "providers.hpp"

#include <cpa/host/pipeline.hpp>
#include <cpa/host/plugin_host.hpp>

#include <boost/json/object.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

/// The capability flags a registration sets, by their wire keys (`model_router`,
/// `response_stream_interceptor`, ...), in the order of the registration message.
[[nodiscard]] std::vector<std::string> capability_names(const cpa::capabilities& caps);

/// The flags joined with ", "; an executor also shows its formats and model scope:
/// `executor (openai -> openai, scope both)`.
[[nodiscard]] std::string capability_summary(const cpa::capabilities& caps);

/// The active plugins in chain order: ID, priority, schema version, capabilities.
void print_plugin_table(std::ostream& out, const cpa::host::snapshot& snap,
                        std::string_view indent = "  ");

/// One plugin record as JSON (ID, priority, schema, file, version, metadata, capabilities).
[[nodiscard]] boost::json::object plugin_json(const cpa::host::plugin_record& record);

/// The built-in providers, one line: `local (gpt-4o, gpt-4o-mini; echo), canned (...)`.
[[nodiscard]] std::string providers_line(const std::vector<provider_spec>& providers);
[[nodiscard]] boost::json::array providers_json(const std::vector<provider_spec>& providers);

/// The provider that serves `model` when no router takes a request (the first one, in the
/// configuration's order, that lists it), or nullptr.
[[nodiscard]] const provider_spec* provider_for_model(const std::vector<provider_spec>& providers,
                                                      std::string_view model);

/// Who serves a request after `route`: `plugin <id>` or `provider <name>` as `pipeline_trace`
/// spells it, or "" when nobody would.
[[nodiscard]] std::string served_by(const cpa::host::plugin_host::route_result& route,
                                    const std::vector<provider_spec>& providers,
                                    std::string_view model);

/// The decision trail: one line per router asked, then the outcome.
void print_route(std::ostream& out, const cpa::host::plugin_host::route_result& route,
                 const std::vector<provider_spec>& providers, std::string_view model,
                 std::string_view indent);
[[nodiscard]] boost::json::object route_json(const cpa::host::plugin_host::route_result& route,
                                             const std::vector<provider_spec>& providers,
                                             const cpa::host::client_request& request);

/// Headers, one `Name: value` line per value.
void print_headers(std::ostream& out, const cpa::headers& headers, std::string_view indent);
[[nodiscard]] boost::json::object headers_json(const cpa::headers& headers);

/// Writes a host log event to stderr as one line: `[info] model-router: route decision
/// model=gpt-4o`. Thread-safe. cpa-host installs it only with `--verbose`.
void log_to_stderr(const cpa::host::log_event& event);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_REPORT_HPP
