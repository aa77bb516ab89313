// Shapes shared by many messages: plugin metadata, the host configuration summary, model and
// auth records, and the empty message.
#ifndef CPA_API_COMMON_HPP
#define CPA_API_COMMON_HPP

#include <cpa/api/types.hpp>
#include <cpa/detail/codec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cpa {

/// `{}`: the request of the identifier methods and the answer of methods whose result the host
/// ignores (`request.complete`, `usage.handle`, `host.log`, ...). Any object decodes into it.
struct empty_message {
    static constexpr auto wire = detail::message("empty_message");
};

/// One plugin-owned configuration key, described for management clients (Go `ConfigField`).
struct config_field {
    std::string name{};
    std::string type{}; ///< "string", "number", "integer", "boolean", "enum", "array", "object"
    std::vector<std::string> enum_values{};
    std::string description{};

    static constexpr auto wire =
        detail::message("config_field", detail::field("Name", &config_field::name),
                        detail::field("Type", &config_field::type),
                        detail::field("EnumValues", &config_field::enum_values),
                        detail::field("Description", &config_field::description));
};

/// What a plugin says about itself at registration (Go `Plugin`); the host sends it back
/// verbatim as `Plugin` in later requests. Name, Version, Author and GitHubRepository are
/// required.
struct metadata {
    std::string name{};
    std::string version{};
    std::string author{};
    std::string github_repository{};
    std::string logo{};
    std::vector<config_field> config_fields{};

    static constexpr auto wire = detail::message(
        "metadata", detail::field("Name", &metadata::name),
        detail::field("Version", &metadata::version), detail::field("Author", &metadata::author),
        detail::field("GitHubRepository", &metadata::github_repository),
        detail::field("Logo", &metadata::logo),
        detail::field("ConfigFields", &metadata::config_fields));
};

/// A model alias for OAuth providers (`HostConfigSummary.OAuthModelAlias` entries).
struct model_alias {
    std::string name{};
    std::string alias{};

    static constexpr auto wire =
        detail::message("model_alias", detail::field("Name", &model_alias::name),
                        detail::field("Alias", &model_alias::alias));
};

/// The parts of the host configuration a plugin may need (Go `HostConfigSummary`).
struct host_config_summary {
    std::string auth_dir{};
    std::string proxy_url{};
    bool force_model_prefix = false;
    std::map<std::string, std::vector<model_alias>> oauth_model_alias{};
    std::map<std::string, std::vector<std::string>> excluded_models{};

    static constexpr auto wire = detail::message(
        "host_config_summary", detail::field("AuthDir", &host_config_summary::auth_dir),
        detail::field("ProxyURL", &host_config_summary::proxy_url),
        detail::field("ForceModelPrefix", &host_config_summary::force_model_prefix),
        detail::field("OAuthModelAlias", &host_config_summary::oauth_model_alias),
        detail::field("ExcludedModels", &host_config_summary::excluded_models));
};

/// Reasoning limits of a model (Go `ThinkingSupport`).
struct thinking_support {
    std::int64_t min = 0;
    std::int64_t max = 0;
    bool zero_allowed = false;
    bool dynamic_allowed = false;
    std::vector<std::string> levels{};

    static constexpr auto wire =
        detail::message("thinking_support", detail::field("Min", &thinking_support::min),
                        detail::field("Max", &thinking_support::max),
                        detail::field("ZeroAllowed", &thinking_support::zero_allowed),
                        detail::field("DynamicAllowed", &thinking_support::dynamic_allowed),
                        detail::field("Levels", &thinking_support::levels));
};

/// A model as published to the host's registry (Go `ModelInfo`). `id` is required.
struct model_info {
    std::string id{};
    std::string object{};
    std::int64_t created = 0; ///< Unix seconds
    std::string owned_by{};
    std::string type{};
    std::string display_name{};
    std::string name{};
    std::string version{};
    std::string description{};
    std::int64_t input_token_limit = 0;
    std::int64_t output_token_limit = 0;
    std::vector<std::string> supported_generation_methods{};
    std::int64_t context_length = 0;
    std::int64_t max_completion_tokens = 0;
    std::vector<std::string> supported_parameters{};
    std::vector<std::string> supported_input_modalities{};
    std::vector<std::string> supported_output_modalities{};
    std::optional<thinking_support> thinking{};
    bool user_defined = false;

    static constexpr auto wire = detail::message(
        "model_info", detail::field("ID", &model_info::id),
        detail::field("Object", &model_info::object),
        detail::field("Created", &model_info::created),
        detail::field("OwnedBy", &model_info::owned_by), detail::field("Type", &model_info::type),
        detail::field("DisplayName", &model_info::display_name),
        detail::field("Name", &model_info::name), detail::field("Version", &model_info::version),
        detail::field("Description", &model_info::description),
        detail::field("InputTokenLimit", &model_info::input_token_limit),
        detail::field("OutputTokenLimit", &model_info::output_token_limit),
        detail::field("SupportedGenerationMethods", &model_info::supported_generation_methods),
        detail::field("ContextLength", &model_info::context_length),
        detail::field("MaxCompletionTokens", &model_info::max_completion_tokens),
        detail::field("SupportedParameters", &model_info::supported_parameters),
        detail::field("SupportedInputModalities", &model_info::supported_input_modalities),
        detail::field("SupportedOutputModalities", &model_info::supported_output_modalities),
        detail::field("Thinking", &model_info::thinking),
        detail::field("UserDefined", &model_info::user_defined));
};

/// A credential record exchanged with auth and model plugins (Go `AuthData`).
struct auth_data {
    std::string provider{}; ///< required where the method gives no default
    std::string id{};
    std::string file_name{};
    std::string label{};
    std::string prefix{};
    std::string proxy_url{};
    bool disabled = false;
    bytes storage_json{}; ///< JSON object text, provider-owned
    json_object metadata{};
    string_map attributes{};
    timestamp next_refresh_after{};

    static constexpr auto wire = detail::message(
        "auth_data", detail::field("Provider", &auth_data::provider),
        detail::field("ID", &auth_data::id), detail::field("FileName", &auth_data::file_name),
        detail::field("Label", &auth_data::label), detail::field("Prefix", &auth_data::prefix),
        detail::field("ProxyURL", &auth_data::proxy_url),
        detail::field("Disabled", &auth_data::disabled),
        detail::field("StorageJSON", &auth_data::storage_json),
        detail::field("Metadata", &auth_data::metadata),
        detail::field("Attributes", &auth_data::attributes),
        detail::field("NextRefreshAfter", &auth_data::next_refresh_after));
};

/// `{"Plugin": Metadata}`: the request of `model.register` and `command_line.register`.
struct plugin_request {
    cpa::metadata plugin{};

    static constexpr auto wire =
        detail::message("plugin_request", detail::field("Plugin", &plugin_request::plugin));
};

/// `{"identifier": "..."}`: the answer of `auth.identifier`, `frontend_auth.identifier`,
/// `executor.identifier` and `thinking.identifier`.
struct identifier_response {
    std::string identifier{};

    static constexpr auto wire = detail::message(
        "identifier_response", detail::field("identifier", &identifier_response::identifier));
};

} // namespace cpa

#endif // CPA_API_COMMON_HPP
