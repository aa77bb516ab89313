// Model registration: `model.register`, `model.static`, `model.for_auth`.
#ifndef CPA_API_MODELS_HPP
#define CPA_API_MODELS_HPP

#include <cpa/api/common.hpp>

#include <string>
#include <vector>

namespace cpa {

/// The request of `model.register`: the plugin's own metadata.
using model_register_request = plugin_request;

/// The request of `model.static`.
struct model_static_request {
    cpa::metadata plugin{};
    host_config_summary host{};

    static constexpr auto wire = detail::message(
        "model_static_request", detail::field("Plugin", &model_static_request::plugin),
        detail::field("Host", &model_static_request::host));
};

/// The request of `model.for_auth`: one auth record whose provider this plugin serves.
struct model_for_auth_request {
    cpa::metadata plugin{};
    std::string auth_id{};
    std::string auth_provider{};
    bytes storage_json{};
    json_object metadata{};
    string_map attributes{};
    host_config_summary host{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "model_for_auth_request", detail::field("Plugin", &model_for_auth_request::plugin),
        detail::field("AuthID", &model_for_auth_request::auth_id),
        detail::field("AuthProvider", &model_for_auth_request::auth_provider),
        detail::field("StorageJSON", &model_for_auth_request::storage_json),
        detail::field("Metadata", &model_for_auth_request::metadata),
        detail::field("Attributes", &model_for_auth_request::attributes),
        detail::field("Host", &model_for_auth_request::host),
        detail::field("host_callback_id", &model_for_auth_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `model.register`, `model.static` and `model.for_auth` (Go `ModelResponse`).
/// `auth_update` is read only by `model.for_auth`.
struct model_response {
    std::string provider{};
    std::vector<model_info> models{};
    auth_data auth_update{};

    static constexpr auto wire =
        detail::message("model_response", detail::field("Provider", &model_response::provider),
                        detail::field("Models", &model_response::models),
                        detail::field("AuthUpdate", &model_response::auth_update));
};

} // namespace cpa

#endif // CPA_API_MODELS_HPP
