// Credential scheduling: `scheduler.pick`.
#ifndef CPA_API_SCHEDULER_HPP
#define CPA_API_SCHEDULER_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// Request headers and sanitised metadata handed to the scheduler.
struct scheduler_options {
    cpa::headers headers{};
    json_object metadata{};

    static constexpr auto wire =
        detail::message("scheduler_options", detail::field("Headers", &scheduler_options::headers),
                        detail::field("Metadata", &scheduler_options::metadata));
};

/// Status of a candidate credential. Unrecognised spellings decode as `unknown`.
enum class auth_status { unset, unknown, active, pending, refreshing, error, disabled };

template <>
struct detail::enum_spellings<auth_status> {
    static constexpr std::string_view name = "auth_status";
    static constexpr std::pair<auth_status, std::string_view> spellings[] = {
        {auth_status::unset, ""},
        {auth_status::unknown, "unknown"},
        {auth_status::active, "active"},
        {auth_status::pending, "pending"},
        {auth_status::refreshing, "refreshing"},
        {auth_status::error, "error"},
        {auth_status::disabled, "disabled"},
    };
    static constexpr auto fallback = auth_status::unknown;
    static constexpr bool case_insensitive = false;
};

/// A credential the scheduler may pick.
struct scheduler_candidate {
    std::string id{};
    std::string provider{};
    std::int64_t priority = 0;
    auth_status status = auth_status::unset;
    string_map attributes{};
    json_object metadata{};

    static constexpr auto wire =
        detail::message("scheduler_candidate", detail::field("ID", &scheduler_candidate::id),
                        detail::field("Provider", &scheduler_candidate::provider),
                        detail::field("Priority", &scheduler_candidate::priority),
                        detail::field("Status", &scheduler_candidate::status),
                        detail::field("Attributes", &scheduler_candidate::attributes),
                        detail::field("Metadata", &scheduler_candidate::metadata));
};

/// The request of `scheduler.pick`.
struct scheduler_pick_request {
    cpa::metadata plugin{};
    std::string provider{};
    std::vector<std::string> providers{};
    std::string model{};
    bool stream = false;
    scheduler_options options{};
    std::vector<scheduler_candidate> candidates{};

    static constexpr auto wire = detail::message(
        "scheduler_pick_request", detail::field("Plugin", &scheduler_pick_request::plugin),
        detail::field("Provider", &scheduler_pick_request::provider),
        detail::field("Providers", &scheduler_pick_request::providers),
        detail::field("Model", &scheduler_pick_request::model),
        detail::field("Stream", &scheduler_pick_request::stream),
        detail::field("Options", &scheduler_pick_request::options),
        detail::field("Candidates", &scheduler_pick_request::candidates));
};

/// The answer of `scheduler.pick`: a candidate ID, or a built-in strategy (`"round-robin"`,
/// `"fill-first"`) to delegate to.
struct scheduler_pick_response {
    std::string auth_id{};
    std::string delegate_builtin{};
    bool handled = false;

    static constexpr auto wire = detail::message(
        "scheduler_pick_response", detail::field("AuthID", &scheduler_pick_response::auth_id),
        detail::field("DelegateBuiltin", &scheduler_pick_response::delegate_builtin),
        detail::field("Handled", &scheduler_pick_response::handled));
};

} // namespace cpa

#endif // CPA_API_SCHEDULER_HPP
