// The plugin host: loads, registers, reconfigures, orders, fuses and unloads plugins, and runs
// the capability chains over the active set.
//
// The active set is an immutable snapshot (records sorted by priority descending, then plugin ID
// ascending) swapped atomically; the chains read it without taking the host's locks, and plugin
// calls run concurrently from any number of threads. `apply_config`, `unload_plugin` and
// `shutdown_all` run one at a time; the host's own lock is never held while a plugin runs.
#ifndef CPA_HOST_PLUGIN_HOST_HPP
#define CPA_HOST_PLUGIN_HOST_HPP

#include <cpa/api.hpp>
#include <cpa/context.hpp>
#include <cpa/host/callbacks.hpp>
#include <cpa/host/client.hpp>
#include <cpa/host/config.hpp>
#include <cpa/host/guarded_client.hpp>
#include <cpa/host/library.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpa::host {

/// One line of the host's log: what happened, to which plugin, with structured fields.
struct log_event {
    log_level level = log_level::info;
    std::string plugin_id; ///< empty for host-wide events
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;
};

/// Opens one plugin: `path` is the discovered file (or `in-process:<id>` for objects added with
/// `add_in_process`). `services` answers the plugin's host callbacks.
using open_function = std::function<load_result(
    const std::string& id, const std::filesystem::path& path, std::shared_ptr<host_services>)>;

struct host_options {
    /// How plugins are opened; the default loads shared libraries (`open_library`). Tests put a
    /// test double here.
    open_function open;
    /// Where log events go; the default writes them to Boost.Log (no sink is installed).
    std::function<void(const log_event&)> log;
    /// The platform directory names used by discovery (Go's spelling).
    std::string os;
    std::string arch;
    /// The home directory for `~` in `plugins.dir`; unset means "look at $HOME".
    std::optional<std::string> home;
    /// Delete other builds of active plugins after the first apply that activated any (CPA's
    /// behaviour); off for hosts that must never touch the plugin directory.
    bool delete_stale_files = true;
};

/// Per-ID fuse. Set by a panic; cleared only by unload or a hot reload (never by a config change).
struct fuse_state {
    std::atomic<bool> blown{false};
    std::string reason; ///< written once, before `blown` is set
};

/// A loaded handle of one plugin (one file version, or one in-process object).
struct plugin_handle {
    std::string id;
    std::filesystem::path path;
    std::string version;
    std::shared_ptr<guarded_client> client;
    std::atomic<bool> current{true}; ///< false once retired by a hot reload or unloaded
    bool registered_once = false;    ///< a register/reconfigure returned without panicking
};

/// One registered plugin of a snapshot.
struct plugin_record {
    std::string id;
    std::filesystem::path path;
    std::string version;
    std::int64_t priority = 0;
    cpa::metadata metadata;
    cpa::capabilities capabilities;
    std::uint32_t schema_version = 1;
    std::shared_ptr<plugin_handle> handle;
    std::shared_ptr<fuse_state> fuse;

    [[nodiscard]] bool fused() const noexcept {
        return fuse->blown.load(std::memory_order_acquire);
    }
    /// Not fused, and its handle is still the one the host addresses by this ID.
    [[nodiscard]] bool usable() const noexcept {
        return !fused() && handle->current.load(std::memory_order_acquire);
    }
};

/// The active set: records in chain order.
struct snapshot {
    bool enabled = false;
    std::vector<plugin_record> records;
};

/// `registered_plugins()`: what a management view shows of each active plugin.
struct registered_plugin {
    std::string id;
    std::int64_t priority = 0;
    cpa::metadata metadata;
    std::uint32_t schema_version = 1;
    cpa::capabilities capabilities;
    bool supports_oauth = false;
    std::string oauth_provider;
};

/// The callback scope of one host -> plugin call (wire contract 5.2): its ID goes into the
/// request's `host_callback_id`; host callbacks that pass it back are bound to that call (its
/// plugin, request ID, inbound headers and query) while the scope is open. Closed when
/// destroyed, or by `close`; closing runs the scope's cleanups (it closes the model streams
/// opened under it). Move-only.
class callback_scope {
public:
    callback_scope() = default;
    callback_scope(std::weak_ptr<void> host, std::string id) noexcept
        : host_(std::move(host)), id_(std::move(id)) {}
    callback_scope(callback_scope&& other) noexcept
        : host_(std::move(other.host_)), id_(std::exchange(other.id_, {})) {}
    callback_scope& operator=(callback_scope&& other) noexcept {
        if (this != &other) {
            close();
            host_ = std::move(other.host_);
            id_ = std::exchange(other.id_, {});
        }
        return *this;
    }
    callback_scope(const callback_scope&) = delete;
    callback_scope& operator=(const callback_scope&) = delete;
    ~callback_scope() { close(); }

    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    void close() noexcept;

private:
    std::weak_ptr<void> host_;
    std::string id_;
};

/// The outcome of one `apply_config`.
struct apply_report {
    bool published = false;          ///< a new snapshot was published
    std::vector<std::string> errors; ///< one line per plugin or file that failed, with the reason
};

class plugin_host {
public:
    explicit plugin_host(host_options options = {});
    ~plugin_host(); ///< shuts every plugin down
    plugin_host(const plugin_host&) = delete;
    plugin_host& operator=(const plugin_host&) = delete;

    // ---- lifecycle -------------------------------------------------------------------------

    /// Loads, registers and reconfigures plugins for `config` and publishes the new active set.
    /// Failures of single plugins are reported and logged; the others go on.
    apply_report apply_config(const plugins_config& config, std::stop_token stop = {});
    /// Forgets the plugin: removes it from the active set, clears its fuse, waits (until `stop`)
    /// for its calls in flight and shuts it down. False when nothing of it is loaded.
    bool unload_plugin(std::string_view id, std::stop_token stop = {});
    /// Unloads everything. Fuses stay.
    void shutdown_all(std::stop_token stop = {});

    /// An in-process plugin: `make` creates its client (e.g. `in_process_client<T>`); it takes
    /// part in `apply_config` like a file in the plugin directory, under the path
    /// `in-process:<id>`, and needs a `configs.<id>` entry like any other plugin.
    void add_in_process(
        std::string id,
        std::function<std::shared_ptr<plugin_client>(std::shared_ptr<host_services>)> make);

    /// What answers the plugins' `host.http.*`, `host.model.*` and `host.auth.*` callbacks
    /// (none by default: those callbacks then fail with a message saying so). May be set or
    /// replaced at any time; a callback in progress keeps the one it started with.
    void set_http_transport(std::shared_ptr<http_transport> transport);
    void set_model_executor(std::shared_ptr<model_executor> executor);
    void set_auth_store(std::shared_ptr<auth_store> store);

    // ---- status ----------------------------------------------------------------------------

    [[nodiscard]] std::shared_ptr<const snapshot> current() const noexcept;
    [[nodiscard]] bool plugin_registered(std::string_view id) const;
    [[nodiscard]] bool plugin_loaded(std::string_view id) const;
    [[nodiscard]] bool plugin_busy(std::string_view id) const;
    [[nodiscard]] std::vector<registered_plugin> registered_plugins() const;
    /// Why the plugin is fused ("" when it is not).
    [[nodiscard]] std::string fuse_reason(std::string_view id) const;

    // ---- chains ----------------------------------------------------------------------------

    /// Calls `method` on `record` the way every chain does: skips (nullopt) a record that is
    /// fused or no longer current; a panic fuses the plugin and answers nullopt; an ordinary
    /// failure is logged and answers nullopt, with the error in `*error` when given. A request
    /// that carries a `host_callback_id` and has none gets a callback scope for the call.
    template <class Req, class Resp>
    std::optional<Resp> call(const plugin_record& record, const plugin_method<Req, Resp>& method,
                             const Req& request, call_error* error = nullptr) const;

    /// Opens a callback scope for a call of `plugin_id` that the host program makes itself
    /// (`call` opens one when the request has none). Keep it until the call has returned.
    [[nodiscard]] callback_scope open_callback_scope(std::string_view plugin_id,
                                                     std::string request_id = {},
                                                     cpa::headers headers = {},
                                                     cpa::headers query = {}) const;

    /// Model routing (first valid decision wins): the decision and the trail of every router
    /// asked, or nullopt when no router handled the request. Routers of `skip_id` are skipped.
    struct route_step {
        std::string plugin_id;
        std::string outcome; ///< "handled", or why the router fell through
        std::string reason;  ///< the router's own `Reason`, when it answered
    };
    struct route_result {
        std::optional<model_route_response> decision;
        std::string router_id;
        std::vector<route_step> trail;
    };
    route_result route_model(const model_route_request& request, std::string_view skip_id = {});
    [[nodiscard]] bool has_model_routers(std::string_view skip_id = {}) const;

    /// The provider keys with usable credentials (sorted, unique, lower case); the host program
    /// sets them (the reference host: from its built-in providers).
    void set_available_providers(std::vector<std::string> providers);
    [[nodiscard]] std::vector<std::string> available_providers() const;

    /// The plugin's executor is ready to serve a request in `source_format` without credentials.
    [[nodiscard]] bool executor_ready(std::string_view plugin_id,
                                      std::string_view source_format) const;

    /// The normalised executor identifier of a record ("" on error).
    std::string executor_identifier(const plugin_record& record) const;

    /// Logs through the host's log function.
    void log(log_event event) const;

    // ---- interceptors (host behaviour 5) ---------------------------------------------------

    /// The outcome of a request interceptor chain: the accumulated headers and body, and the
    /// termination when a plugin ended the request.
    struct request_chain {
        cpa::headers headers;
        bytes body;
        bool terminated = false;
        std::string terminated_by;
        std::int64_t status_code = 0; ///< as the plugin gave it
        cpa::headers response_headers;
        bytes response_body;
    };
    /// `request.intercept_before` / `request.intercept_after`: a pipeline in chain order; a
    /// termination stops it. Plugins that fail are skipped; plugins that panic are fused.
    request_chain intercept_request_before(const request_intercept_request& request,
                                           std::string_view skip_id = {});
    request_chain intercept_request_after(const request_intercept_request& request,
                                          std::string_view skip_id = {});
    [[nodiscard]] bool has_request_interceptors(std::string_view skip_id = {}) const;

    struct response_chain {
        cpa::headers headers;
        bytes body;
    };
    /// `response.intercept_after`: a pipeline over every response interceptor.
    response_chain intercept_response(const response_intercept_request& request,
                                      std::string_view skip_id = {});

    struct chunk_chain {
        cpa::headers headers;
        bytes body;
        bool dropped = false;
    };
    /// `response.intercept_stream_chunk`: a pipeline; `DropChunk` stops it. Request bodies are
    /// left out for schema-3 plugins on payload chunks (`chunk_index >= 0`).
    chunk_chain intercept_stream_chunk(const stream_chunk_intercept_request& request,
                                       std::string_view skip_id = {});
    [[nodiscard]] bool has_stream_interceptors(std::string_view skip_id = {}) const;

    /// `request.complete` to every lifecycle plugin but `skip_id`: one task per plugin, not
    /// awaited. `usage.handle` to every usage plugin, on one worker, in chain order.
    void complete_request(const request_completion& completion, std::string_view skip_id = {});
    void publish_usage(const usage_record& record);
    /// Waits until the asynchronous deliveries queued so far are done (tests, shutdown).
    void drain_async();

    // ---- executors (host behaviour 6) ------------------------------------------------------

    /// The active, usable record of `id`, or nullptr.
    [[nodiscard]] const plugin_record* find(const snapshot& s, std::string_view id) const;

    /// `executor.execute` / `executor.count_tokens` on the plugin `id`. Throws `call_error`: the
    /// plugin's error (with its HTTP status), or `plugin executor <id> not found / is
    /// unavailable`, or (after fusing it) `... panic: ...`.
    /// `request_id` is the host's ID of the client request, for the call's callback scope.
    executor_response execute(std::string_view id, executor_request request,
                              std::string_view request_id = {});
    executor_response count_tokens(std::string_view id, executor_request request,
                                   std::string_view request_id = {});

    /// The answer of `executor_http`: the plugin's response with status 0 read as 200, and the
    /// status line's text (`202 Accepted`).
    struct executor_http_answer {
        http_response response;
        std::string status;
    };
    /// `executor.http_request` on the plugin `id`. Throws like `execute`.
    executor_http_answer executor_http(std::string_view id, executor_http_request request);

    /// A stream an executor plugin produces: the response headers at once, then chunks.
    class executor_stream_reader {
    public:
        struct chunk {
            bytes payload;
            std::string error; ///< a terminal error chunk when not empty
        };
        virtual ~executor_stream_reader() = default;
        [[nodiscard]] virtual const cpa::headers& headers() const noexcept = 0;
        /// The next chunk, or nullopt at the end. Blocks while the plugin has produced nothing.
        virtual std::optional<chunk> next() = 0;
        /// The consumer is gone: pending and later emits fail, buffered chunks are dropped.
        virtual void abort() noexcept = 0;
    };
    /// `executor.execute_stream` on the plugin `id`, with the bridge of host behaviour 6.5
    /// (16-chunk buffer, `host.stream.emit` / `host.stream.close`). Throws like `execute`.
    /// One difference from a plain blocking buffer: an emit made from inside the plugin's own
    /// `execute_stream` call into a full buffer cannot be read before the call returns, so it
    /// fails at once and ends the stream with an error chunk instead of waiting for ever.
    std::unique_ptr<executor_stream_reader>
    execute_stream(std::string_view id, executor_request request, std::string_view request_id = {});

    /// The host's internals (defined inside the host library only).
    struct state;

private:
    friend class plugin_services;
    template <class Req, class Resp>
    std::optional<Resp> call_now(const plugin_record& record,
                                 const plugin_method<Req, Resp>& method, const Req& request,
                                 call_error* error) const;
    void blow_fuse(const plugin_record& record, std::string_view method,
                   std::string_view what) const;
    std::shared_ptr<state> state_;
};

/// Format names as executors declare them: trimmed, aliases folded (`chat-completions` ->
/// `openai`, `responses` -> `openai-response`, `anthropic` -> `claude`), `none` -> "".
[[nodiscard]] std::string normalize_format(std::string_view format);

/// The formats an executor call uses (host behaviour 6.1): the plugin receives `Format` =
/// `output` and `SourceFormat` = `input`.
struct executor_formats {
    std::string input;
    std::string output;
};

/// What a request asks of an executor, in the terms of 6.1.
struct format_request {
    std::string source_format{};   ///< the client's format
    std::string response_format{}; ///< the format the client wants back ("" = source)
    std::string format{};          ///< the request's own `Format`, the fallback of both
    /// An active, unfused plugin declares a response translator (the loose "translation is
    /// available" rule).
    bool response_translator_active = false;
};

/// Selects the input and output formats of executor `record` for `request`. This host has no
/// native translators: an input format is usable only when the executor declares it; an output
/// format that differs from the requested one needs a response translator plugin. Throws
/// `call_error` (`plugin executor <id> declares no input formats`, `... does not support input
/// format "<x>"`, and the same for output).
[[nodiscard]] executor_formats select_executor_formats(const plugin_record& record,
                                                       const format_request& request);

/// The reason phrase of an HTTP status code ("" for codes without one).
[[nodiscard]] std::string_view http_status_text(std::int64_t code) noexcept;

// ---------------------------------------------------------------------------------------------

template <class Req, class Resp>
std::optional<Resp> plugin_host::call(const plugin_record& record,
                                      const plugin_method<Req, Resp>& method, const Req& request,
                                      call_error* error) const {
    if constexpr (requires(Req & r) { r.host_callback_id = std::string(); }) {
        if (request.host_callback_id.empty() && record.usable()) {
            Req scoped = request;
            const auto scope = open_callback_scope(record.id);
            scoped.host_callback_id = scope.id();
            return call_now(record, method, scoped, error);
        }
    }
    return call_now(record, method, request, error);
}

template <class Req, class Resp>
std::optional<Resp> plugin_host::call_now(const plugin_record& record,
                                          const plugin_method<Req, Resp>& method,
                                          const Req& request, call_error* error) const {
    if (!record.usable()) {
        if (error != nullptr) {
            *error = call_error("plugin " + record.id + " is unavailable");
        }
        return std::nullopt;
    }
    try {
        return invoke(*record.handle->client, method, request);
    } catch (const call_error& e) {
        log({log_level::warn, record.id, std::string(method.name) + " failed: " + e.what(), {}});
        if (error != nullptr) {
            *error = e;
        }
    } catch (const std::exception& e) {
        blow_fuse(record, method.name, e.what());
        if (error != nullptr) {
            *error = call_error(std::string(method.name) + " panic: " + e.what());
        }
    } catch (...) {
        blow_fuse(record, method.name, "unknown exception");
        if (error != nullptr) {
            *error = call_error(std::string(method.name) + " panic: unknown exception");
        }
    }
    return std::nullopt;
}

} // namespace cpa::host

#endif // CPA_HOST_PLUGIN_HOST_HPP
