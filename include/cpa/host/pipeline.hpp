// The request path of a host (the handler layer): model routers, `request.intercept_before`,
// the executor (a routed plugin executor or a provider built into the host program),
// `request.intercept_after`, `response.intercept_after` or, for streams,
// `response.intercept_stream_chunk` on every chunk, then `request.complete` and usage.
#ifndef CPA_HOST_PIPELINE_HPP
#define CPA_HOST_PIPELINE_HPP

#include <cpa/host/plugin_host.hpp>

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace cpa::host {

/// A client's model request as the host's front end received it.
struct client_request {
    std::string entry_protocol = "openai"; ///< the request's format (`SourceFormat`)
    std::string exit_protocol{};           ///< the response's format; "" = entry protocol
    std::string model{};
    bool stream = false;
    cpa::headers headers{};
    cpa::headers query{};
    bytes body{};
    json_object metadata{};
    std::string trace_id{};
};

/// What the client gets. For streams, `body` is empty and the chunks went to the callback.
struct client_response {
    std::int64_t status = 200;
    cpa::headers headers{};
    bytes body{};
    std::string error{}; ///< why the request failed (status >= 400), for logs and tests
};

/// A provider the host program serves itself (no plugin): the target of `provider` routing
/// decisions and of requests no router took.
class provider {
public:
    virtual ~provider() = default;
    /// The provider key (lower case).
    [[nodiscard]] virtual std::string name() const = 0;
    /// The models it serves (for requests that no router routes).
    [[nodiscard]] virtual std::vector<std::string> models() const = 0;
    /// Throws `call_error` on failure.
    virtual executor_response execute(const executor_request& request) = 0;
    /// The chunks of a streamed answer. Throws `call_error` on failure.
    virtual std::vector<bytes> execute_stream(const executor_request& request) = 0;
};

/// What happened to one request, step by step (for the reference host's trails and for tests).
struct pipeline_trace {
    plugin_host::route_result route;
    std::string served_by; ///< `plugin <id>` or `provider <name>`
    std::vector<std::string> steps;
};

class pipeline {
public:
    explicit pipeline(plugin_host& host) : host_(host) {}

    /// Adds a built-in provider; the host's available providers are updated.
    void add_provider(std::shared_ptr<provider> p);

    /// A non-streamed request. Plugins of `skip_id` (the caller of a nested `host.model.*`) take
    /// no part.
    client_response execute(const client_request& request, pipeline_trace* trace = nullptr,
                            std::string_view skip_id = {});

    /// A streamed request: `on_chunk` gets every delivered chunk, after the stream
    /// interceptors. The response carries the final headers and the status. A stop requested
    /// on `cancel` (the client went away) ends the stream: 499, lifecycle outcome `canceled`
    /// with status 0, no usage record.
    client_response execute_stream(const client_request& request,
                                   const std::function<void(std::string_view chunk)>& on_chunk,
                                   pipeline_trace* trace = nullptr, std::string_view skip_id = {},
                                   std::stop_token cancel = {});

private:
    plugin_host& host_;
    std::vector<std::shared_ptr<provider>> providers_;
};

} // namespace cpa::host

#endif // CPA_HOST_PIPELINE_HPP
