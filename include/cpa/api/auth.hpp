// Auth providers: `auth.parse`, `auth.login.start`, `auth.login.poll`, `auth.refresh`.
#ifndef CPA_API_AUTH_HPP
#define CPA_API_AUTH_HPP

#include <cpa/api/common.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// The request of `auth.parse`: an auth file the host found.
struct auth_parse_request {
    std::string provider{};
    std::string path{};
    std::string file_name{};
    bytes raw_json{};
    host_config_summary host{};

    static constexpr auto wire = detail::message(
        "auth_parse_request", detail::field("Provider", &auth_parse_request::provider),
        detail::field("Path", &auth_parse_request::path),
        detail::field("FileName", &auth_parse_request::file_name),
        detail::field("RawJSON", &auth_parse_request::raw_json),
        detail::field("Host", &auth_parse_request::host));
};

/// The answer of `auth.parse`. When `auths` is non-empty it is used instead of `auth`.
struct auth_parse_response {
    bool handled = false;
    auth_data auth{};
    std::vector<auth_data> auths{};

    static constexpr auto wire = detail::message(
        "auth_parse_response", detail::field("Handled", &auth_parse_response::handled),
        detail::field("Auth", &auth_parse_response::auth),
        detail::field("Auths", &auth_parse_response::auths));
};

/// The request of `auth.login.start`.
struct auth_login_start_request {
    std::string provider{};
    std::string base_url{};
    host_config_summary host{};
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "auth_login_start_request", detail::field("Provider", &auth_login_start_request::provider),
        detail::field("BaseURL", &auth_login_start_request::base_url),
        detail::field("Host", &auth_login_start_request::host),
        detail::field("Metadata", &auth_login_start_request::metadata),
        detail::field("host_callback_id", &auth_login_start_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `auth.login.start`. `state` is required by the host.
struct auth_login_start_response {
    std::string provider{};
    std::string url{};
    std::string state{};
    timestamp expires_at{};
    json_object metadata{};

    static constexpr auto wire =
        detail::message("auth_login_start_response",
                        detail::field("Provider", &auth_login_start_response::provider),
                        detail::field("URL", &auth_login_start_response::url),
                        detail::field("State", &auth_login_start_response::state),
                        detail::field("ExpiresAt", &auth_login_start_response::expires_at),
                        detail::field("Metadata", &auth_login_start_response::metadata));
};

/// The request of `auth.login.poll`; `metadata` is what `auth.login.start` returned.
struct auth_login_poll_request {
    std::string provider{};
    std::string state{};
    host_config_summary host{};
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "auth_login_poll_request", detail::field("Provider", &auth_login_poll_request::provider),
        detail::field("State", &auth_login_poll_request::state),
        detail::field("Host", &auth_login_poll_request::host),
        detail::field("Metadata", &auth_login_poll_request::metadata),
        detail::field("host_callback_id", &auth_login_poll_request::host_callback_id,
                      detail::omit_empty));
};

/// State of a pending login. The host keeps waiting on `unset` and `pending`; unrecognised
/// spellings decode as `pending`, which the host treats the same way.
enum class login_status { unset, pending, error, success };

template <>
struct detail::enum_spellings<login_status> {
    static constexpr std::string_view name = "login_status";
    static constexpr std::pair<login_status, std::string_view> spellings[] = {
        {login_status::unset, ""},
        {login_status::pending, "pending"},
        {login_status::error, "error"},
        {login_status::success, "success"},
    };
    static constexpr auto fallback = login_status::pending;
    static constexpr bool case_insensitive = false;
};

/// The answer of `auth.login.poll`.
struct auth_login_poll_response {
    login_status status = login_status::unset;
    std::string message{};
    auth_data auth{};
    std::vector<auth_data> auths{};

    static constexpr auto wire = detail::message(
        "auth_login_poll_response", detail::field("Status", &auth_login_poll_response::status),
        detail::field("Message", &auth_login_poll_response::message),
        detail::field("Auth", &auth_login_poll_response::auth),
        detail::field("Auths", &auth_login_poll_response::auths));
};

/// The request of `auth.refresh`.
struct auth_refresh_request {
    std::string auth_id{};
    std::string auth_provider{};
    bytes storage_json{};
    json_object metadata{};
    string_map attributes{};
    host_config_summary host{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "auth_refresh_request", detail::field("AuthID", &auth_refresh_request::auth_id),
        detail::field("AuthProvider", &auth_refresh_request::auth_provider),
        detail::field("StorageJSON", &auth_refresh_request::storage_json),
        detail::field("Metadata", &auth_refresh_request::metadata),
        detail::field("Attributes", &auth_refresh_request::attributes),
        detail::field("Host", &auth_refresh_request::host),
        detail::field("host_callback_id", &auth_refresh_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `auth.refresh`. The host reads the top-level `next_refresh_after`, never
/// `auth.next_refresh_after`.
struct auth_refresh_response {
    auth_data auth{};
    timestamp next_refresh_after{};

    static constexpr auto wire = detail::message(
        "auth_refresh_response", detail::field("Auth", &auth_refresh_response::auth),
        detail::field("NextRefreshAfter", &auth_refresh_response::next_refresh_after));
};

} // namespace cpa

#endif // CPA_API_AUTH_HPP
