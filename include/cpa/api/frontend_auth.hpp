// Frontend (inbound request) authentication: `frontend_auth.authenticate`.
#ifndef CPA_API_FRONTEND_AUTH_HPP
#define CPA_API_FRONTEND_AUTH_HPP

#include <cpa/api/common.hpp>

#include <string>

namespace cpa {

/// The request of `frontend_auth.authenticate`: the raw inbound request.
struct frontend_auth_request {
    std::string method{};
    std::string path{};
    cpa::headers headers{};
    cpa::headers query{};
    bytes body{};

    static constexpr auto wire = detail::message(
        "frontend_auth_request", detail::field("Method", &frontend_auth_request::method),
        detail::field("Path", &frontend_auth_request::path),
        detail::field("Headers", &frontend_auth_request::headers),
        detail::field("Query", &frontend_auth_request::query),
        detail::field("Body", &frontend_auth_request::body));
};

/// The answer of `frontend_auth.authenticate`.
struct frontend_auth_response {
    bool authenticated = false;
    std::string principal{};
    string_map metadata{};

    static constexpr auto wire =
        detail::message("frontend_auth_response",
                        detail::field("Authenticated", &frontend_auth_response::authenticated),
                        detail::field("Principal", &frontend_auth_response::principal),
                        detail::field("Metadata", &frontend_auth_response::metadata));
};

} // namespace cpa

#endif // CPA_API_FRONTEND_AUTH_HPP
