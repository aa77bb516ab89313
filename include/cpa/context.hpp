// What a capability function can reach during a call: the host's services (logging, HTTP, nested
// model executions, the executor stream sink, credentials) through `call_context`. The same
// context serves plugins loaded from a shared library (where each service is a host callback over
// the C ABI) and plugin objects registered in-process with a host (where it is a direct call).
#ifndef CPA_CONTEXT_HPP
#define CPA_CONTEXT_HPP

#include <cpa/api.hpp>
#include <cpa/error.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace cpa {

class plugin_config;

/// The services a host offers to plugins, one member per host callback of the contract. Every
/// member throws `host_error` on failure and may block (model executions, stream reads, emits
/// under back-pressure): never hold a lock across one. Implementations are thread-safe.
class host_services {
public:
    virtual ~host_services() = default;

    virtual void log(const host_log_request& request) = 0;
    virtual http_response http_do(const host_http_request& request) = 0;
    virtual host_stream_response http_do_stream(const host_http_request& request) = 0;
    virtual host_http_stream_chunk http_stream_read(const host_stream_request& request) = 0;
    virtual void http_stream_close(const host_stream_request& request) = 0;
    virtual host_model_response model_execute(const host_model_request& request) = 0;
    virtual host_stream_response model_execute_stream(const host_model_request& request) = 0;
    virtual host_model_stream_chunk model_stream_read(const host_stream_request& request) = 0;
    virtual void model_stream_close(const host_stream_request& request) = 0;
    virtual void stream_emit(const host_stream_emit_request& request) = 0;
    virtual void stream_close(const host_stream_close_request& request) = 0;
    virtual host_auth_list_response auth_list() = 0;
    virtual host_auth_get_response auth_get(const host_auth_index_request& request) = 0;
    virtual host_auth_get_runtime_response
    auth_get_runtime(const host_auth_index_request& request) = 0;
    virtual host_auth_save_response auth_save(const host_auth_save_request& request) = 0;
};

/// A stream the host produces for the plugin (`host.http.do_stream` or
/// `host.model.execute_stream`). Read until `done`; the destructor closes a stream that was not
/// read to the end. Move-only; not thread-safe (one reader).
template <class Chunk>
class host_stream {
public:
    host_stream() = default;
    host_stream(host_services* services, host_stream_response opened, bool model) noexcept
        : services_(services), opened_(std::move(opened)), model_(model) {}
    host_stream(host_stream&& other) noexcept { *this = std::move(other); }
    host_stream& operator=(host_stream&& other) noexcept {
        if (this != &other) {
            close_quietly();
            services_ = std::exchange(other.services_, nullptr);
            opened_ = std::move(other.opened_);
            model_ = other.model_;
            done_ = other.done_;
        }
        return *this;
    }
    host_stream(const host_stream&) = delete;
    host_stream& operator=(const host_stream&) = delete;
    ~host_stream() { close_quietly(); }

    /// Status code and headers the host answered with when the stream opened.
    [[nodiscard]] std::int64_t status_code() const noexcept { return opened_.status_code; }
    [[nodiscard]] const cpa::headers& headers() const noexcept { return opened_.headers; }
    [[nodiscard]] const std::string& id() const noexcept { return opened_.stream_id; }
    [[nodiscard]] bool done() const noexcept { return done_ || services_ == nullptr; }

    /// Blocks for the next chunk. After a chunk with `done` set the stream is finished; an
    /// `error` in it is the stream's terminal error. Throws `host_error`.
    Chunk read() {
        if (done()) {
            Chunk end;
            end.done = true;
            return end;
        }
        Chunk chunk;
        if (model_) {
            if constexpr (std::is_same_v<Chunk, host_model_stream_chunk>) {
                chunk = services_->model_stream_read({opened_.stream_id});
            }
        } else {
            if constexpr (std::is_same_v<Chunk, host_http_stream_chunk>) {
                chunk = services_->http_stream_read({opened_.stream_id});
            }
        }
        done_ = chunk.done;
        return chunk;
    }

    /// Closes the stream early. Throws `host_error`.
    void close() {
        if (done()) {
            return;
        }
        done_ = true;
        if (model_) {
            services_->model_stream_close({opened_.stream_id});
        } else {
            services_->http_stream_close({opened_.stream_id});
        }
    }

private:
    void close_quietly() noexcept {
        try {
            close();
        } catch (...) { // a destructor cannot report it; the host reclaims the stream anyway
        }
    }

    host_services* services_ = nullptr;
    host_stream_response opened_;
    bool model_ = false;
    bool done_ = false;
};

using host_http_stream = host_stream<host_http_stream_chunk>;
using host_model_stream = host_stream<host_model_stream_chunk>;

/// The context of one call into a plugin: the method, its host callback ID (set on the methods
/// that carry one, and passed back automatically on the callbacks that take one), the plugin's
/// configuration as of the call, and the host's services.
///
/// Thread-safety: a context may be copied and used from other threads while the call's callback
/// scope lives (for streams: until the stream ends). Every service may block.
class call_context {
public:
    call_context(host_services& services, std::string_view method, std::string host_callback_id,
                 std::shared_ptr<const plugin_config> config) noexcept
        : services_(&services), method_(method), host_callback_id_(std::move(host_callback_id)),
          config_(std::move(config)) {}

    [[nodiscard]] std::string_view method() const noexcept { return method_; }
    [[nodiscard]] const std::string& host_callback_id() const noexcept { return host_callback_id_; }
    /// The plugin's configuration at the time of the call; later reconfigurations do not change
    /// it. Valid for the lifetime of the context.
    [[nodiscard]] const plugin_config& config() const noexcept { return *config_; }
    [[nodiscard]] const std::shared_ptr<const plugin_config>& config_ptr() const noexcept {
        return config_;
    }
    [[nodiscard]] host_services& host() const noexcept { return *services_; }

    /// `host.log`. Never throws: a log line that cannot be delivered is dropped.
    void log(log_level level, std::string_view message, json_object fields = {}) const noexcept {
        try {
            services_->log({host_callback_id_, level, std::string(message), std::move(fields)});
        } catch (...) { // logging must not turn a successful call into a failed one
        }
    }

    /// `host.http.do` through the host's proxy-aware client. Non-2xx statuses are results.
    [[nodiscard]] http_response http(host_http_request request) const {
        request.host_callback_id = host_callback_id_;
        return services_->http_do(request);
    }

    /// `host.http.do_stream`: returns once the response headers arrived.
    [[nodiscard]] host_http_stream open_http_stream(host_http_request request) const {
        request.host_callback_id = host_callback_id_;
        return host_http_stream(services_, services_->http_do_stream(request), false);
    }

    /// `host.model.execute`: a nested execution through the host's pipeline (this plugin's own
    /// routers and interceptors are skipped). `request.stream` is set to false.
    [[nodiscard]] host_model_response execute_model(host_model_request request) const {
        request.stream = false;
        request.host_callback_id = host_callback_id_;
        return services_->model_execute(request);
    }

    /// `host.model.execute_stream`: blocks until the first chunk is available.
    [[nodiscard]] host_model_stream open_model_stream(host_model_request request) const {
        request.stream = true;
        request.host_callback_id = host_callback_id_;
        return host_model_stream(services_, services_->model_execute_stream(request), true);
    }

    /// `host.auth.list`, `host.auth.get`, `host.auth.get_runtime`, `host.auth.save`.
    [[nodiscard]] host_auth_list_response list_auths() const { return services_->auth_list(); }
    [[nodiscard]] host_auth_get_response get_auth(std::string auth_index) const {
        return services_->auth_get({std::move(auth_index)});
    }
    [[nodiscard]] host_auth_get_runtime_response get_runtime_auth(std::string auth_index) const {
        return services_->auth_get_runtime({std::move(auth_index)});
    }
    host_auth_save_response save_auth(std::string name, json_value json) const {
        return services_->auth_save({std::move(name), std::move(json)});
    }

private:
    host_services* services_;
    std::string_view method_;
    std::string host_callback_id_;
    std::shared_ptr<const plugin_config> config_;
};

} // namespace cpa

#endif // CPA_CONTEXT_HPP
