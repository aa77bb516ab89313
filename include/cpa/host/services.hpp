// What a host program builds over `plugin_host` for the capabilities outside the request
// pipeline: frontend (inbound) authentication, the credential scheduler, the translator and
// normalizer chains, plugin command-line flags, and plugin management routes and resources
// (host behaviour 7.3, 7.4, 7.7, 7.8, 7.9), plus the service-level sync that refreshes them
// after every `apply_config` (2.12).
//
// Each class reads the host's active set through its public API and calls plugins through
// `plugin_host::call`, so fused or no-longer-current plugins are skipped and a panic fuses the
// plugin. HTTP is the host program's business: requests and answers here are plain values.
#ifndef CPA_HOST_SERVICES_HPP
#define CPA_HOST_SERVICES_HPP

#include <cpa/api.hpp>
#include <cpa/host/plugin_host.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cpa::host {

/// An inbound HTTP request as the host program received it. The host program reads the body
/// once and hands it over as bytes; nothing here consumes or changes the caller's copy, so the
/// body stays readable for whatever handles the request next. When reading it failed,
/// `body_error` says why.
struct inbound_request {
    std::string method{};
    std::string path{};
    cpa::headers headers{};
    cpa::headers query{};
    bytes body{};
    std::string body_error{};
};

// ---- 7.3 frontend authentication ------------------------------------------------------------

enum class auth_outcome {
    not_handled,        ///< this provider does not apply; the next one is asked
    authenticated,      ///< done: the request is authenticated
    no_credentials,     ///< the request carries nothing this provider accepts; next
    invalid_credential, ///< the request carries a credential this provider rejects; next
    internal_error,     ///< stop: the request fails with `error`
};

struct frontend_auth_result {
    auth_outcome outcome = auth_outcome::not_handled;
    std::string provider{}; ///< the key of the provider that authenticated
    std::string principal{};
    cpa::string_map metadata{};
    std::string error{};
};

/// The access registry: providers by key in first-registration order, queried in that order.
/// Plugins with a frontend auth capability are registered by `sync` under
/// `plugin:<plugin id>:<identifier>`; the host program registers its own providers (API keys,
/// ...) with `register_provider`.
class frontend_auth {
public:
    using provider_function = std::function<frontend_auth_result(const inbound_request&)>;

    explicit frontend_auth(plugin_host& host) : host_(host) {}

    /// Registers or replaces `key` (trimmed; empty is ignored). A new key goes last; a replaced
    /// key keeps its position.
    void register_provider(std::string key, provider_function provider);
    void unregister_provider(std::string_view key);

    /// Re-registers the plugin providers of the active set (after every apply): keys of
    /// plugins that are gone or fused are removed; an empty identifier registers nothing; the
    /// best exclusive provider (highest priority, then smallest plugin ID) hides every other
    /// provider, built-in ones included, until a sync finds none.
    void sync();

    /// The keys `authenticate` asks, in order: all of them, or only the exclusive one.
    [[nodiscard]] std::vector<std::string> registered_providers() const;

    /// Asks the providers in order; the first that authenticates wins. Plugins answering
    /// `Authenticated:false` or failing count as not handled. A plugin provider reached with a
    /// body the host program could not read answers an internal error without calling the
    /// plugin. Nothing authenticated: `invalid_credential` when a provider said so, otherwise
    /// `no_credentials`.
    [[nodiscard]] frontend_auth_result authenticate(const inbound_request& request) const;

private:
    struct entry {
        std::string key;
        provider_function provider;
    };
    provider_function plugin_provider(const plugin_record& record, std::string key) const;

    plugin_host& host_;
    mutable std::mutex mutex_;
    std::vector<entry> providers_;
    std::set<std::string> plugin_keys_;
    std::string exclusive_;
};

// ---- 7.4 scheduler -------------------------------------------------------------------------

/// The answer of `scheduler::pick`.
struct pick_result {
    /// The plugin decided: an error (deny), a candidate, or a built-in strategy. False: the
    /// host program's own selector picks.
    bool handled = false;
    std::string auth_id{};              ///< a candidate's ID (trimmed)
    std::string delegate_builtin{};     ///< `round-robin` or `fill-first` when `auth_id` is empty
    std::optional<std::string> error{}; ///< set: selection fails with this error
    std::string scheduler_id{};         ///< the plugin asked ("" when none)
};

/// The credential scheduler: only the highest-priority usable scheduler plugin is asked.
class scheduler {
public:
    explicit scheduler(plugin_host& host) : host_(host) {}

    [[nodiscard]] bool has_scheduler() const;

    /// Asks the scheduler (its metadata goes in `Plugin`). An error denies the pick; a panic
    /// fuses it and leaves the pick to the built-in selector, as do `Handled:false` (lower
    /// schedulers are not asked), an `AuthID` that is not a candidate, an unknown delegate and
    /// an answer with neither.
    [[nodiscard]] pick_result pick(scheduler_pick_request request) const;

private:
    plugin_host& host_;
};

// ---- 7.7 translators and normalizers -------------------------------------------------------

/// The plugin translator and normalizer chains. This host library has no native translators:
/// a request from one format to another is translated only by plugins. Rewriting the model name
/// inside an untranslated body, as CPA's translator registry does, is left to the host program.
class translators {
public:
    explicit translators(plugin_host& host) : host_(host) {}

    struct request_result {
        bytes body{};
        bool translated = false;
        std::string translated_by{}; ///< the translator that succeeded
    };

    /// `request.normalize` over every normalizer (pipeline), then `request.translate` (first
    /// non-empty answer wins), else the normalised payload.
    [[nodiscard]] request_result transform_request(request_transform_request request) const;
    /// The request normalizer pipeline: an error or an empty body keeps the current body.
    [[nodiscard]] bytes normalize_request(request_transform_request request) const;
    /// The request translators: the first non-empty answer, or nullopt.
    [[nodiscard]] std::optional<request_result>
    translate_request(const request_transform_request& request) const;

    /// `response.normalize_before` (pipeline), `response.translate` (first success, else
    /// unchanged), then `response.normalize_after` (pipeline). `FromFormat` is the upstream
    /// format, `ToFormat` the client's.
    [[nodiscard]] bytes transform_response(response_transform_request request) const;
    [[nodiscard]] bytes normalize_response_before(response_transform_request request) const;
    [[nodiscard]] std::optional<bytes>
    translate_response(const response_transform_request& request) const;
    [[nodiscard]] bytes normalize_response_after(response_transform_request request) const;

private:
    plugin_host& host_;
};

// ---- 7.8 command line ----------------------------------------------------------------------

/// Saves the credentials a command-line plugin returns (the host program's token store).
class token_store {
public:
    virtual ~token_store() = default;
    /// Saves `auth` (its provider normalised) under `auth_dir` and returns the path written
    /// ("" when nothing was written). Throws on failure.
    virtual std::string save(const auth_data& auth, std::string_view auth_dir) = 0;
};

/// One flag of the host program's command line.
struct flag_definition {
    std::string name{};
    std::string type{}; ///< bool, string, int, int64, float64 or duration
    std::string usage{};
    std::string default_value{}; ///< normalised for the type
    std::string owner{};         ///< the plugin that declared it; "" for the host's own
};

/// The host program's flag set with the plugins' flags added, parsed as Go's `flag` package
/// parses (`-name`, `--name`, `-name=value`, `-name value` for non-bool flags; parsing stops at
/// the first non-flag argument or after `--`).
class command_line {
public:
    explicit command_line(plugin_host& host) : host_(host) {}

    /// A flag of the host program itself (these win over plugin flags). False when the name or
    /// type is invalid, the default does not parse, or the name is taken.
    bool add_native_flag(std::string name, std::string type, std::string default_value = {},
                         std::string usage = {});

    /// `command_line.register` on every usable command-line plugin in chain order. A flag is
    /// skipped when its name (trimmed) is empty, starts with `-`, is `help` or `h`, or contains
    /// whitespace or `=`; when its type (empty = bool) is unknown or its default does not
    /// parse; when the name is already taken (host flags, then higher-priority plugins).
    void register_flags();

    [[nodiscard]] std::vector<flag_definition> flags() const;
    [[nodiscard]] std::optional<flag_definition> lookup(std::string_view name) const;
    /// The current value of a flag (normalised), nullopt when it does not exist.
    [[nodiscard]] std::optional<std::string> value(std::string_view name) const;

    struct parse_result {
        std::vector<std::string> positional{}; ///< the arguments after the flags
        std::string error{};                   ///< Go's message; empty on success
        bool help = false;                     ///< `-h` / `-help` without such a flag
    };
    /// Parses `args` (without the program name); stops at the first error.
    parse_result parse(const std::vector<std::string>& args);

    /// A plugin flag was given on the command line.
    [[nodiscard]] bool has_triggered_flags() const;

    struct execution {
        int exit_code = 0;
        bool handled = false; ///< at least one plugin ran
        std::string stdout_text{};
        std::string stderr_text{};
    };
    /// `command_line.execute` on every usable plugin with at least one of its flags given, in
    /// chain order, with every flag in `Flags` and the plugin's given flags in
    /// `TriggeredFlags`. Auths of a plugin that exits with 0 are saved through `store`, each
    /// path adding `Authentication saved to <path>` to stdout. The exit code is the first
    /// non-zero one; a plugin error or a failed save counts as 1.
    execution execute(const std::string& program, const std::vector<std::string>& args,
                      const std::string& config_path, const host_config_summary& host,
                      token_store* store);

private:
    struct flag_state {
        flag_definition definition;
        std::string value;
        bool set = false;
    };
    plugin_host& host_;
    mutable std::mutex mutex_;
    std::map<std::string, flag_state> flags_;
};

/// Flag values as the command line normalises them (Go's `strconv` and `time` spellings):
/// nullopt when `value` does not parse as `type`. An empty value is the type's zero.
[[nodiscard]] std::optional<std::string> normalize_flag_value(std::string_view type,
                                                              std::string_view value);

// ---- 7.9 management routes and resources ---------------------------------------------------

/// A plugin resource with a menu label (`registered_plugin` menus).
struct management_menu {
    std::string path{}; ///< the full `/v0/resource/plugins/<id>/...` path
    std::string menu{};
    std::string description{};

    friend bool operator==(const management_menu&, const management_menu&) = default;
};

/// What the host program's HTTP server answers. `handled == false`: not a plugin route (404).
struct management_answer {
    bool handled = false;
    std::int64_t status = 0;
    cpa::headers headers{};
    bytes body{};
};

/// The plugin management routes (`/v0/management/...`, management-authenticated by the host
/// program) and resources (`/v0/resource/plugins/<id>/...`, unauthenticated, GET only).
class management {
public:
    static constexpr std::string_view base_path = "/v0/management";
    static constexpr std::string_view resource_base_path = "/v0/resource/plugins";

    explicit management(plugin_host& host) : host_(host) {}

    /// Rebuilds both tables from `management.register` of every usable management plugin in
    /// chain order. `reserved` holds the host's own routes as `METHOD /v0/management/path`;
    /// they win, then higher-priority plugins. A GET route with a menu becomes a resource.
    void register_routes(const std::set<std::string>& reserved = {});
    /// Empties both tables (plugins disabled, shutdown).
    void clear();
    /// Drops the entries of one plugin (unloaded).
    void remove_plugin(std::string_view plugin_id);

    /// `METHOD /v0/management/path` keys, sorted.
    [[nodiscard]] std::vector<std::string> routes() const;
    /// The full resource paths, sorted.
    [[nodiscard]] std::vector<std::string> resources() const;
    /// The resources of `plugin_id` with a menu label, sorted by path.
    [[nodiscard]] std::vector<management_menu> menus(std::string_view plugin_id) const;

    /// Serves a management route: exact `METHOD path` lookup; a fused or replaced plugin is not
    /// handled; an unreadable body is 400; a plugin error or panic is 502 `plugin management
    /// handler failed`; status 0 is 200; every string value of a JSON body is HTML-escaped.
    [[nodiscard]] management_answer serve_management(const inbound_request& request) const;
    /// Serves a resource: GET only, no body sent to the plugin, the answer passed unescaped.
    [[nodiscard]] management_answer serve_resource(const inbound_request& request) const;

private:
    struct route {
        std::string plugin_id;
        const plugin_handle* handle = nullptr;
        std::string method;
        std::string path;
        std::string menu;
        std::string description;
    };
    management_answer serve(const route& r, const management_request& request, bool escape) const;

    plugin_host& host_;
    mutable std::mutex mutex_;
    std::map<std::string, route> routes_;    ///< by `METHOD path`
    std::map<std::string, route> resources_; ///< by path
};

/// `body` with every string value of its JSON document HTML-escaped (keys sorted, numbers as
/// written), when `content_type` is JSON (`application/json`, `+json`) or the body starts with
/// `{` or `[`; otherwise, or when it is not one JSON document, nullopt.
[[nodiscard]] std::optional<std::string> html_escape_json_body(std::string_view body,
                                                               std::string_view content_type);

// ---- 2.12 service-level sync ---------------------------------------------------------------

/// Where the host program's credential manager takes a plugin scheduler.
class scheduler_slot {
public:
    virtual ~scheduler_slot() = default;
    /// `nullptr`: no plugin scheduler; the built-in selector alone picks.
    virtual void set_plugin_scheduler(const scheduler* s) = 0;
};

/// The services of this header over one host.
struct service_set {
    explicit service_set(plugin_host& host)
        : frontend(host), picker(host), translation(host), routes(host), flags(host) {}
    frontend_auth frontend;
    scheduler picker;
    translators translation;
    management routes;
    command_line flags;
};

/// The steps of the service-level sync (2.12) this library covers, run after `apply_config`
/// in CPA's order: install the scheduler into `slot` (step 2), re-register frontend auth
/// providers (step 4), rebuild the management routes (step 8). Translators need no step: they
/// read the active set on every call. Without services (no plugin host) the slot is cleared
/// and the answer is false.
bool sync_services(service_set* services, scheduler_slot& slot,
                   const std::set<std::string>& reserved_routes = {});

} // namespace cpa::host

#endif // CPA_HOST_SERVICES_HPP
