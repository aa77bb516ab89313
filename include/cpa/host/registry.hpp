// What a host program keeps about its plugins besides the chains: the model registry and the
// executor table (model registration, `model.for_auth`, executor registration), the auth
// providers (lookup, parsing, login, refresh), the thinking appliers and the usage subscribers.
//
// Each class works over a `plugin_host` through its public API. The host program runs their
// sync steps after every `apply_config` (`plugin_registries::sync` does them in CPA's order:
// usage subscribers, models, executors, thinking appliers); a step whose snapshot was replaced
// while it was calling plugins commits nothing.
#ifndef CPA_HOST_REGISTRY_HPP
#define CPA_HOST_REGISTRY_HPP

#include <cpa/api.hpp>
#include <cpa/host/plugin_host.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cpa::host {

/// Provider names as the registries compare them: trimmed, lower case.
[[nodiscard]] std::string normalize_provider(std::string_view provider);

// ---- credentials ------------------------------------------------------------------------------

/// A credential as the host program keeps it (CPA's core auth), built from a plugin's
/// `auth_data` by `auth_providers::to_auth`.
struct auth_record {
    std::string id{};
    std::string provider{}; ///< normalised
    std::string file_name{};
    std::string label{};
    std::string prefix{};
    std::string proxy_url{};
    bool disabled = false;
    bool active = true;      ///< the status: false (disabled) when `disabled`
    std::string index{};     ///< the host program's own index of the credential
    bytes raw_storage{};     ///< the plugin's `StorageJSON`, as given
    json_object metadata{};  ///< always carries `type` = provider
    string_map attributes{}; ///< `path`, `source`, `source_backend` when known
    timestamp created_at{};
    timestamp updated_at{};
    timestamp next_refresh_after{};
};

/// The storage JSON of `auth` as plugins receive it: its raw storage object with the metadata
/// laid over it and `type` set to the provider; the metadata alone when the raw storage is not
/// a JSON object.
[[nodiscard]] bytes storage_json(const auth_record& auth);

// ---- models and executors ---------------------------------------------------------------------

/// Who serves a provider key in the executor table.
struct executor_owner {
    bool native = false;     ///< declared by the host program
    std::string plugin_id{}; ///< the plugin whose executor adapter serves it (not native)
};

/// The model registry and executor table as the host program and tests inspect them.
struct model_registry {
    struct client {
        std::string provider{};
        std::vector<model_info> models{};
    };
    /// Model clients by ID: `plugin:<id>:<provider>` (model registrars and providers without an
    /// executor), `plugin:<id>:<provider>:executor` (models won by an executor plugin),
    /// `native:<provider>` (a native executor's models).
    std::map<std::string, client> clients{};
    /// Provider key -> who serves it.
    std::map<std::string, executor_owner> executors{};
    /// Provider key -> the plugin models bound to it (`models_for_provider`).
    std::map<std::string, std::vector<model_info>> provider_models{};

    [[nodiscard]] std::vector<model_info> models_for_provider(std::string_view provider) const;
    /// The providers whose clients list `model_id` (sorted, unique).
    [[nodiscard]] std::vector<std::string> providers_for_model(std::string_view model_id) const;
};

/// The answer of `plugin_models::models_for_auth`.
struct auth_models {
    bool handled = false;
    std::optional<call_error> error{}; ///< the plugin failed (handled)
    std::string provider{};
    std::vector<model_info> models{};
    std::optional<auth_record> auth{}; ///< the credential updated by `AuthUpdate`, when given
};

/// Model registration (`model.static` / `model.register`), per-auth models (`model.for_auth`)
/// and executor registration over one host.
class plugin_models {
public:
    explicit plugin_models(plugin_host& host);

    /// What `model.static` and `model.for_auth` receive as `Host`.
    void set_host_summary(host_config_summary summary);
    /// A native executor for `provider` serving `models` (client `native:<provider>`). Plugins
    /// never take such a provider key, nor models it serves.
    void add_native_executor(std::string_view provider, std::vector<model_info> models = {});
    void remove_native_executor(std::string_view provider);

    /// Asks every active model registrar/provider allowed static models for its models.
    /// Plugins without an executor get the client `plugin:<id>:<provider>`; plugins with one
    /// keep theirs for `register_executors`. False when the snapshot changed meanwhile and
    /// nothing was committed.
    bool register_models();
    /// One executor adapter per provider key (highest priority first), models claimed by the
    /// first plugin that lists them, clients `plugin:<id>:<provider>:executor`; stale
    /// plugin-owned providers removed. False when the snapshot changed meanwhile.
    bool register_executors();
    /// Both, in that order.
    void sync();

    /// The models of the first model provider serving `auth`'s provider (host behaviour 7.1).
    auth_models models_for_auth(const auth_record& auth);

    [[nodiscard]] model_registry registry() const;
    [[nodiscard]] std::vector<model_info> models_for_provider(std::string_view provider) const;
    /// The provider a plugin registered its models under ("" when none).
    [[nodiscard]] std::string model_provider(std::string_view plugin_id) const;
    /// The provider key of an executor plugin: its model provider, else its identifier.
    [[nodiscard]] std::string executor_provider(const plugin_record& record) const;

private:
    struct registration {
        std::string provider{};
        std::vector<model_info> models{};
        bool has_executor = false;
        std::int64_t priority = 0;
    };
    plugin_host& host_;
    mutable std::mutex mutex_;
    host_config_summary summary_{};
    model_registry registry_{};
    std::set<std::string> model_clients_{};
    std::set<std::string> executor_clients_{};
    std::set<std::string> executor_providers_{};
    std::map<std::string, std::string> model_providers_{};
    std::map<std::string, registration> registrations_{};
};

// ---- auth providers ---------------------------------------------------------------------------

/// The outcome of a call that may find no plugin for the provider (`handled` false).
template <class T>
struct auth_result {
    bool handled = false;
    std::optional<call_error> error{};
    T value{};
};

/// The auth-provider plugins: lookup by normalised identifier, `auth.parse`, logins, refresh.
class auth_providers {
public:
    explicit auth_providers(plugin_host& host);

    void set_host_summary(host_config_summary summary);

    /// The normalised identifiers of the active auth providers, in chain order.
    [[nodiscard]] std::vector<std::string> identifiers() const;
    [[nodiscard]] bool has(std::string_view provider) const;
    /// The ID of the plugin serving `provider` ("" when none).
    [[nodiscard]] std::string plugin_for(std::string_view provider) const;

    /// `auth.parse`: the plugin of `request.provider`, or the first plugin that handles the file
    /// or fails. Every auth is converted by `to_auth`.
    auth_result<std::vector<auth_record>> parse_auths(auth_parse_request request);
    /// The first auth of `parse_auths`.
    auth_result<std::optional<auth_record>> parse_auth(auth_parse_request request);

    auth_result<auth_login_start_response> start_login(std::string_view provider,
                                                       std::string_view base_url);
    auth_result<auth_login_poll_response>
    poll_login(std::string_view provider, std::string_view state, json_object metadata = {});
    /// `auth.refresh` on the plugin of `auth.provider`: blanks of the answer are filled from
    /// `auth`; index and creation/update times are kept.
    auth_result<std::optional<auth_record>> refresh_auth(const auth_record& auth);

    /// `cpa::host::to_auth` with the auth directory of the host summary.
    [[nodiscard]] std::optional<auth_record> to_auth(const auth_data& data, std::string_view path,
                                                     std::string_view file_name) const;

private:
    [[nodiscard]] const plugin_record* find(const snapshot& s, std::string_view provider) const;
    [[nodiscard]] host_config_summary summary() const;
    plugin_host& host_;
    mutable std::mutex mutex_;
    host_config_summary summary_{};
};

/// A plugin's `auth_data` as a credential (nullopt when its provider is blank): provider
/// normalised, `metadata.type` = provider, `path`/`source`/`source_backend` attributes from
/// `path` (else `source` = the file name), the ID from the plugin or else the path relative to
/// `auth_dir`, disabled or active.
[[nodiscard]] std::optional<auth_record> to_auth(const auth_data& data, std::string_view path,
                                                 std::string_view file_name,
                                                 std::string_view auth_dir);

/// `auth_data` from a credential, `update` (a plugin's answer) filled from `auth` where blank:
/// what `model.for_auth` updates and refreshes are merged with.
[[nodiscard]] auth_data auth_data_with_defaults(auth_data update, const auth_record& auth);

// ---- thinking ---------------------------------------------------------------------------------

/// Thinking appliers by provider name: one owner per name (highest priority, then smallest
/// plugin ID); native provider names are never taken by plugins.
class thinking_registry {
public:
    struct owner {
        std::string plugin_id{};
        std::int64_t priority = 0;
    };

    explicit thinking_registry(plugin_host& host, std::vector<std::string> native_providers = {});

    /// Forgets every plugin provider and registers the active appliers of the current snapshot.
    void sync();
    /// Registers `provider` for `plugin_id`; false when rejected (native name, or a current
    /// owner with a higher priority or the same priority and a smaller-or-equal ID).
    bool register_provider(std::string_view provider, std::string_view plugin_id,
                           std::int64_t priority);
    [[nodiscard]] std::map<std::string, owner> providers() const;
    [[nodiscard]] bool has(std::string_view provider) const;

    /// `thinking.apply` on the owner of `request.provider`: its body, or `request.body`
    /// unchanged when there is no owner, or it failed, answered nothing or panicked.
    bytes apply(thinking_apply_request request);

private:
    plugin_host& host_;
    std::set<std::string> native_;
    mutable std::mutex mutex_;
    std::map<std::string, owner> owners_{};
};

// ---- usage ------------------------------------------------------------------------------------

/// A usage record as the host program produces it: `generate` may be left unknown, which
/// plugins receive as `true`.
struct usage_event {
    usage_record record{};
    std::optional<bool> generate{};
};

/// Named usage subscribers, delivered on one worker in first-registration order. Registering a
/// name again replaces its subscriber in place; subscribers are never removed.
class usage_subscribers {
public:
    using subscriber = std::function<void(const usage_record&)>;

    usage_subscribers() = default;
    ~usage_subscribers();
    usage_subscribers(const usage_subscribers&) = delete;
    usage_subscribers& operator=(const usage_subscribers&) = delete;

    void subscribe(std::string name, subscriber s);
    [[nodiscard]] std::vector<std::string> names() const;
    /// Subscribes `plugin:<id>` for every usage plugin of the current snapshot. The subscriber
    /// calls whatever `usage.handle` capability that ID has when a record is delivered: nothing
    /// once the plugin is gone or fused.
    void register_usage_plugins(plugin_host& host);

    /// Queues a record (an unknown `generate` becomes true).
    void publish(const usage_event& event);
    /// Waits until every record queued so far was delivered.
    void drain();

private:
    void run(const std::stop_token& stop);
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::vector<std::pair<std::string, std::shared_ptr<subscriber>>> subscribers_{};
    std::deque<usage_record> queue_{};
    bool busy_ = false;
    std::jthread worker_{};
};

// ---- all of them ------------------------------------------------------------------------------

/// The registries of one host, synced together after each `apply_config`.
struct plugin_registries {
    explicit plugin_registries(plugin_host& host, std::vector<std::string> native_thinking = {});

    /// Usage subscribers, model registration, executor registration, thinking appliers.
    void sync();
    void set_host_summary(const host_config_summary& summary);

    plugin_host& host;
    plugin_models models;
    auth_providers auths;
    thinking_registry thinking;
    usage_subscribers usage;
};

} // namespace cpa::host

#endif // CPA_HOST_REGISTRY_HPP
