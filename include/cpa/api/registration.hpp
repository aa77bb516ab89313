// `plugin.register` / `plugin.reconfigure`: the request, the registration answer, and the
// capability flags.
#ifndef CPA_API_REGISTRATION_HPP
#define CPA_API_REGISTRATION_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// The request of `plugin.register` and `plugin.reconfigure`: the plugin's own YAML
/// configuration subtree and the host's JSON contract version.
struct register_request {
    bytes config_yaml{};
    std::uint32_t schema_version = 0;

    static constexpr auto wire = detail::message(
        "register_request", detail::field("config_yaml", &register_request::config_yaml),
        detail::field("schema_version", &register_request::schema_version));
};

/// Which models an executor serves: static (API-key) models, OAuth-account models, or both.
/// The host treats an empty or unrecognised value as `both`; unrecognised spellings decode as
/// `both`.
enum class executor_model_scope { unset, both, static_only, oauth };

template <>
struct detail::enum_spellings<executor_model_scope> {
    static constexpr std::string_view name = "executor_model_scope";
    static constexpr std::pair<executor_model_scope, std::string_view> spellings[] = {
        {executor_model_scope::unset, ""},
        {executor_model_scope::both, "both"},
        {executor_model_scope::static_only, "static"},
        {executor_model_scope::oauth, "oauth"},
    };
    static constexpr auto fallback = executor_model_scope::both;
    static constexpr bool case_insensitive = false;
};

/// The capability flags of a registration (`capabilities` object). Note the wire key of
/// `stream_chunk_interceptor`: `response_stream_interceptor`.
struct capabilities {
    bool model_registrar = false;
    bool model_provider = false;
    bool auth_provider = false;
    bool frontend_auth_provider = false;
    bool frontend_auth_provider_exclusive = false; ///< modifier, not a capability by itself
    bool scheduler = false;
    bool model_router = false;
    bool executor = false;
    cpa::executor_model_scope executor_model_scope = cpa::executor_model_scope::unset;
    std::vector<std::string> executor_input_formats{};  ///< omitted when empty
    std::vector<std::string> executor_output_formats{}; ///< omitted when empty
    bool request_translator = false;
    bool request_normalizer = false;
    bool request_interceptor = false;
    bool request_lifecycle_plugin = false;
    bool response_translator = false;
    bool response_before_translator = false;
    bool response_after_translator = false;
    bool response_interceptor = false;
    bool stream_chunk_interceptor = false;
    bool thinking_applier = false;
    bool usage_plugin = false;
    bool command_line_plugin = false;
    bool management_api = false;

    /// True when at least one capability flag is set (the modifier and the executor settings
    /// do not count), as the host requires of a registration.
    [[nodiscard]] constexpr bool any() const noexcept {
        return model_registrar || model_provider || auth_provider || frontend_auth_provider ||
               scheduler || model_router || executor || request_translator || request_normalizer ||
               request_interceptor || request_lifecycle_plugin || response_translator ||
               response_before_translator || response_after_translator || response_interceptor ||
               stream_chunk_interceptor || thinking_applier || usage_plugin ||
               command_line_plugin || management_api;
    }

    static constexpr auto wire = detail::message(
        "capabilities", detail::field("model_registrar", &capabilities::model_registrar),
        detail::field("model_provider", &capabilities::model_provider),
        detail::field("auth_provider", &capabilities::auth_provider),
        detail::field("frontend_auth_provider", &capabilities::frontend_auth_provider),
        detail::field("frontend_auth_provider_exclusive",
                      &capabilities::frontend_auth_provider_exclusive),
        detail::field("scheduler", &capabilities::scheduler),
        detail::field("model_router", &capabilities::model_router),
        detail::field("executor", &capabilities::executor),
        detail::field("executor_model_scope", &capabilities::executor_model_scope),
        detail::field("executor_input_formats", &capabilities::executor_input_formats,
                      detail::omit_empty),
        detail::field("executor_output_formats", &capabilities::executor_output_formats,
                      detail::omit_empty),
        detail::field("request_translator", &capabilities::request_translator),
        detail::field("request_normalizer", &capabilities::request_normalizer),
        detail::field("request_interceptor", &capabilities::request_interceptor),
        detail::field("request_lifecycle_plugin", &capabilities::request_lifecycle_plugin),
        detail::field("response_translator", &capabilities::response_translator),
        detail::field("response_before_translator", &capabilities::response_before_translator),
        detail::field("response_after_translator", &capabilities::response_after_translator),
        detail::field("response_interceptor", &capabilities::response_interceptor),
        detail::field("response_stream_interceptor", &capabilities::stream_chunk_interceptor),
        detail::field("thinking_applier", &capabilities::thinking_applier),
        detail::field("usage_plugin", &capabilities::usage_plugin),
        detail::field("command_line_plugin", &capabilities::command_line_plugin),
        detail::field("management_api", &capabilities::management_api));
};

/// The answer of `plugin.register` / `plugin.reconfigure`. A `schema_version` of 0 means 1.
struct register_response {
    std::uint32_t schema_version = 0;
    cpa::metadata metadata{};
    cpa::capabilities capabilities{};

    static constexpr auto wire = detail::message(
        "register_response", detail::field("schema_version", &register_response::schema_version),
        detail::field("metadata", &register_response::metadata),
        detail::field("capabilities", &register_response::capabilities));
};

} // namespace cpa

#endif // CPA_API_REGISTRATION_HPP
