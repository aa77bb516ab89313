// Management API plugins: `management.register`, `management.handle`.
#ifndef CPA_API_MANAGEMENT_HPP
#define CPA_API_MANAGEMENT_HPP

#include <cpa/api/common.hpp>
#include <cpa/api/executor.hpp>

#include <string>
#include <vector>

namespace cpa {

/// The request of `management.register`.
struct management_register_request {
    cpa::metadata plugin{};
    std::string base_path{};
    std::string resource_base_path{};

    static constexpr auto wire = detail::message(
        "management_register_request",
        detail::field("Plugin", &management_register_request::plugin),
        detail::field("BasePath", &management_register_request::base_path),
        detail::field("ResourceBasePath", &management_register_request::resource_base_path));
};

/// An authenticated management route. `handler` exists on the wire but must be null.
struct management_route {
    std::string method{};
    std::string path{};
    std::string menu{};
    std::string description{};
    detail::always_null handler{};

    static constexpr auto wire =
        detail::message("management_route", detail::field("Method", &management_route::method),
                        detail::field("Path", &management_route::path),
                        detail::field("Menu", &management_route::menu),
                        detail::field("Description", &management_route::description),
                        detail::field("Handler", &management_route::handler));
};

/// An unauthenticated, browser-navigable resource (GET only).
struct management_resource {
    std::string path{};
    std::string menu{};
    std::string description{};
    detail::always_null handler{};

    static constexpr auto wire =
        detail::message("management_resource", detail::field("Path", &management_resource::path),
                        detail::field("Menu", &management_resource::menu),
                        detail::field("Description", &management_resource::description),
                        detail::field("Handler", &management_resource::handler));
};

/// The answer of `management.register`.
struct management_register_response {
    std::vector<management_route> routes{};
    std::vector<management_resource> resources{};

    static constexpr auto wire =
        detail::message("management_register_response",
                        detail::field("routes", &management_register_response::routes),
                        detail::field("resources", &management_register_response::resources));
};

/// The request of `management.handle`, for both routes and resources.
struct management_request {
    std::string method{};
    std::string path{};
    cpa::headers headers{};
    cpa::headers query{};
    bytes body{};
    std::string host_callback_id{};

    static constexpr auto wire =
        detail::message("management_request", detail::field("Method", &management_request::method),
                        detail::field("Path", &management_request::path),
                        detail::field("Headers", &management_request::headers),
                        detail::field("Query", &management_request::query),
                        detail::field("Body", &management_request::body),
                        detail::field("host_callback_id", &management_request::host_callback_id,
                                      detail::omit_empty));
};

/// The answer of `management.handle`.
using management_response = http_response;

} // namespace cpa

#endif // CPA_API_MANAGEMENT_HPP
