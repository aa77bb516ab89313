// Model routing: `model.route`.
#ifndef CPA_API_ROUTING_HPP
#define CPA_API_ROUTING_HPP

#include <cpa/api/common.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// The request of `model.route`.
struct model_route_request {
    cpa::metadata plugin{};
    std::string plugin_id{};
    std::string source_format{};
    std::string requested_model{};
    bool stream = false;
    cpa::headers headers{};
    cpa::headers query{};
    bytes body{};
    json_object metadata{};
    std::vector<std::string> available_providers{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "model_route_request", detail::field("Plugin", &model_route_request::plugin),
        detail::field("PluginID", &model_route_request::plugin_id),
        detail::field("SourceFormat", &model_route_request::source_format),
        detail::field("RequestedModel", &model_route_request::requested_model),
        detail::field("Stream", &model_route_request::stream),
        detail::field("Headers", &model_route_request::headers),
        detail::field("Query", &model_route_request::query),
        detail::field("Body", &model_route_request::body),
        detail::field("Metadata", &model_route_request::metadata),
        detail::field("AvailableProviders", &model_route_request::available_providers),
        detail::field("host_callback_id", &model_route_request::host_callback_id,
                      detail::omit_empty));
};

/// Where a routing decision sends the request: this router's own executor (`self`), another
/// plugin's executor (`executor`, target = plugin ID) or a provider (`provider`, target =
/// provider key). Any other spelling, including the empty one, is an invalid decision;
/// unrecognised spellings decode as `invalid`.
enum class route_target_kind { unset, self, executor, provider, invalid };

template <>
struct detail::enum_spellings<route_target_kind> {
    static constexpr std::string_view name = "route_target_kind";
    static constexpr std::pair<route_target_kind, std::string_view> spellings[] = {
        {route_target_kind::unset, ""},
        {route_target_kind::self, "self"},
        {route_target_kind::executor, "executor"},
        {route_target_kind::provider, "provider"},
        {route_target_kind::invalid, "invalid"},
    };
    static constexpr auto fallback = route_target_kind::invalid;
    static constexpr bool case_insensitive = false;
};

/// The answer of `model.route`. `handled = false` passes to the next router.
struct model_route_response {
    bool handled = false;
    route_target_kind target_kind = route_target_kind::unset;
    std::string target{};
    std::string target_model{}; ///< provider targets only; empty keeps the requested model
    std::string reason{};

    static constexpr auto wire = detail::message(
        "model_route_response", detail::field("Handled", &model_route_response::handled),
        detail::field("TargetKind", &model_route_response::target_kind),
        detail::field("Target", &model_route_response::target),
        detail::field("TargetModel", &model_route_response::target_model),
        detail::field("Reason", &model_route_response::reason));
};

} // namespace cpa

#endif // CPA_API_ROUTING_HPP
