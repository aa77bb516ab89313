// What a host program supplies to answer the plugins' host callbacks (wire contract 5): an HTTP
// transport for `host.http.*`, a model executor for `host.model.*` (nested executions through
// the host's pipeline) and a credential store for `host.auth.*`. Without one, the callbacks it
// serves answer `host_call_failed` with a message that says what is missing.
//
// Every callback names its origin: the calling plugin and, when the plugin passed the
// `host_callback_id` of a call still in progress, that call's request (its ID, inbound headers
// and query). Implementations are called concurrently from any plugin thread.
//
// Nested executions are bounded: a `host.model.*` callback made from inside a nested execution
// that is already `max_model_nesting_depth` levels deep fails with `host_call_failed`
// ("host.model.execute: nesting depth 8 exceeded (plugin <id>)"), so a plugin whose nested
// request routes back to itself ends with an error instead of recursing without end. The depth
// travels with the origin (`callback_origin::depth`): `pipeline_model_executor` runs each nested
// execution at its origin's depth + 1, on the calling thread or on the stream's own thread, and
// the callback scopes opened meanwhile remember that depth for callbacks that name them from any
// thread.
#ifndef CPA_HOST_CALLBACKS_HPP
#define CPA_HOST_CALLBACKS_HPP

#include <cpa/api.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cpa::host {

class pipeline;

/// Who made a host callback.
struct callback_origin {
    std::string plugin_id;     ///< the calling plugin
    std::string callback_id{}; ///< the open callback scope it passed; "" when none or expired
    std::string request_id{};  ///< the request that scope belongs to
    cpa::headers headers{};    ///< that request's inbound headers
    cpa::headers query{};      ///< and query
    /// How deep in nested executions the callback was made: 0 for a client's request, n inside
    /// the n-th nested `host.model.*` execution below it.
    int depth{};
};

/// The deepest nested execution `host.model.*` starts; a callback at this depth is refused.
inline constexpr int max_model_nesting_depth = 8;

/// A body or chunk stream the host program produces for a plugin.
class byte_stream {
public:
    struct chunk {
        bytes payload{};
        std::string error{}; ///< a terminal error when not empty
    };
    virtual ~byte_stream() = default;
    /// The next chunk, or nullopt at the end. Blocks until one is available.
    virtual std::optional<chunk> next() = 0;
    /// The reader is gone: stop producing. Called once, from any thread, possibly while `next`
    /// is blocked on another thread (which must then return promptly).
    virtual void cancel() noexcept = 0;
};

/// A stream opened by `host.http.do_stream` or `host.model.execute_stream`.
struct opened_stream {
    std::int64_t status_code = 200;
    cpa::headers headers{};
    std::unique_ptr<byte_stream> body{};
};

/// `host.http.*`: outbound HTTP on the plugins' behalf. The request arrives resolved: the nested
/// `request` form applied, the method defaulted to GET. Transport failures are thrown (any
/// `std::exception`) and reach the plugin as `host_call_failed`; HTTP error statuses are answers.
class http_transport {
public:
    virtual ~http_transport() = default;
    virtual http_response execute(const host_http_request_spec& request,
                                  const callback_origin& origin) = 0;
    /// Returns once the response headers are known; the body is read through the stream.
    virtual opened_stream open_stream(const host_http_request_spec& request,
                                      const callback_origin& origin) = 0;
};

/// `host.model.*`: a nested model execution. The host has checked `stream` already. An
/// execution that fails throws (any `std::exception`); its text reaches the plugin.
class model_executor {
public:
    virtual ~model_executor() = default;
    virtual host_model_response execute(const host_model_request& request,
                                        const callback_origin& origin) = 0;
    /// Returns once the first chunk is available (or the stream ended).
    virtual opened_stream execute_stream(const host_model_request& request,
                                         const callback_origin& origin) = 0;
};

/// `host.auth.*`: the host's credentials. A credential that does not exist, or a save that
/// fails, is thrown (any `std::exception`).
class auth_store {
public:
    virtual ~auth_store() = default;
    virtual host_auth_list_response list() = 0;
    virtual host_auth_get_response get(std::string_view auth_index) = 0;
    virtual host_auth_get_runtime_response get_runtime(std::string_view auth_index) = 0;
    /// `name` is a plain `*.json` file name (checked by the host); `json` is an object.
    virtual host_auth_save_response save(std::string_view name, const json_object& json) = 0;
};

/// The metadata `source` of a nested execution.
inline constexpr std::string_view nested_execution_source = "plugin_host_model_callback";

/// A model executor over `p`: each nested execution runs through the whole pipeline with the
/// caller's routers, interceptors and lifecycle hook skipped and its metadata `source` set to
/// `plugin_host_model_callback`. (The host has already put the origin's headers and query into
/// a request that carried none.) Each nested execution runs at `origin.depth + 1` (see
/// `max_model_nesting_depth`). `p` must outlive the executor.
[[nodiscard]] std::shared_ptr<model_executor> pipeline_model_executor(pipeline& p);

} // namespace cpa::host

#endif // CPA_HOST_CALLBACKS_HPP
