// One plugin as the host calls it: `plugin_client`, with one implementation per transport (a
// shared library: JSON over the C ABI; an in-process object: typed calls, no JSON) and test
// doubles. Every method of the plugin ABI is a typed `plugin_method<Req, Resp>`, and `invoke`
// is the only way to call one.
//
// Outcomes of a call, as the host's chains see them:
//   - the decoded result;
//   - `cpa::call_error`: an ordinary failure (an error envelope, a non-zero return code, an answer
//     that does not decode, a closed client). Logged, skipped, never fused;
//   - any other exception: the plugin "panicked" (a C++ exception escaping an in-process plugin
//     or a transport). The host fuses the plugin.
#ifndef CPA_HOST_CLIENT_HPP
#define CPA_HOST_CLIENT_HPP

#include <cpa/api.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cpa::host {

/// Every host -> plugin method, as an index into the transports' tables.
enum class method_id : std::uint8_t {
    plugin_register,
    plugin_reconfigure,
    model_register,
    model_static,
    model_for_auth,
    auth_identifier,
    auth_parse,
    auth_login_start,
    auth_login_poll,
    auth_refresh,
    frontend_auth_identifier,
    frontend_auth_authenticate,
    scheduler_pick,
    model_route,
    executor_identifier,
    executor_execute,
    executor_execute_stream,
    executor_count_tokens,
    executor_http_request,
    request_translate,
    request_normalize,
    request_intercept_before,
    request_intercept_after,
    request_complete,
    response_translate,
    response_normalize_before,
    response_normalize_after,
    response_intercept_after,
    response_intercept_stream_chunk,
    thinking_identifier,
    thinking_apply,
    usage_handle,
    command_line_register,
    command_line_execute,
    management_register,
    management_handle,
};

/// How a JSON transport writes a request and reads an answer; one instance per method shape.
struct method_codec {
    void (*encode)(const void* request, std::string& out);
    /// Reads `answer` (the call's return code and bytes) into `*response`; throws `call_error`.
    void (*decode)(std::string_view method, int rc, std::string_view answer, void* response);
};

namespace detail {

template <class Req, class Resp>
struct codec_for {
    static void encode(const void* request, std::string& out) {
        to_json(*static_cast<const Req*>(request), out);
    }
    static void decode(std::string_view method, int rc, std::string_view answer, void* response) {
        auto reply = decode_reply<Resp>(method, rc, answer, "plugin");
        if (!reply) {
            throw reply.error();
        }
        *static_cast<Resp*>(response) = std::move(*reply);
    }
    static constexpr method_codec value{&encode, &decode};
};

} // namespace detail

/// A method of the plugin ABI with its request and response types.
template <class Req, class Resp>
struct plugin_method {
    using request_type = Req;
    using response_type = Resp;
    method_id id;
    std::string_view name;
    [[nodiscard]] static constexpr const method_codec& codec() noexcept {
        return detail::codec_for<Req, Resp>::value;
    }
};

/// The methods, by their wire names (`model.route` -> `plugin_methods::model_route`).
namespace plugin_methods {
// clang-format off
inline constexpr plugin_method<register_request, register_response> plugin_register{method_id::plugin_register, cpa::methods::plugin_register};
inline constexpr plugin_method<register_request, register_response> plugin_reconfigure{method_id::plugin_reconfigure, cpa::methods::plugin_reconfigure};
inline constexpr plugin_method<model_register_request, model_response> model_register{method_id::model_register, cpa::methods::model_register};
inline constexpr plugin_method<model_static_request, model_response> model_static{method_id::model_static, cpa::methods::model_static};
inline constexpr plugin_method<model_for_auth_request, model_response> model_for_auth{method_id::model_for_auth, cpa::methods::model_for_auth};
inline constexpr plugin_method<empty_message, identifier_response> auth_identifier{method_id::auth_identifier, cpa::methods::auth_identifier};
inline constexpr plugin_method<auth_parse_request, auth_parse_response> auth_parse{method_id::auth_parse, cpa::methods::auth_parse};
inline constexpr plugin_method<auth_login_start_request, auth_login_start_response> auth_login_start{method_id::auth_login_start, cpa::methods::auth_login_start};
inline constexpr plugin_method<auth_login_poll_request, auth_login_poll_response> auth_login_poll{method_id::auth_login_poll, cpa::methods::auth_login_poll};
inline constexpr plugin_method<auth_refresh_request, auth_refresh_response> auth_refresh{method_id::auth_refresh, cpa::methods::auth_refresh};
inline constexpr plugin_method<empty_message, identifier_response> frontend_auth_identifier{method_id::frontend_auth_identifier, cpa::methods::frontend_auth_identifier};
inline constexpr plugin_method<frontend_auth_request, frontend_auth_response> frontend_auth_authenticate{method_id::frontend_auth_authenticate, cpa::methods::frontend_auth_authenticate};
inline constexpr plugin_method<scheduler_pick_request, scheduler_pick_response> scheduler_pick{method_id::scheduler_pick, cpa::methods::scheduler_pick};
inline constexpr plugin_method<model_route_request, model_route_response> model_route{method_id::model_route, cpa::methods::model_route};
inline constexpr plugin_method<empty_message, identifier_response> executor_identifier{method_id::executor_identifier, cpa::methods::executor_identifier};
inline constexpr plugin_method<executor_request, executor_response> executor_execute{method_id::executor_execute, cpa::methods::executor_execute};
inline constexpr plugin_method<executor_request, executor_stream_response> executor_execute_stream{method_id::executor_execute_stream, cpa::methods::executor_execute_stream};
inline constexpr plugin_method<executor_request, executor_response> executor_count_tokens{method_id::executor_count_tokens, cpa::methods::executor_count_tokens};
inline constexpr plugin_method<executor_http_request, http_response> executor_http_request{method_id::executor_http_request, cpa::methods::executor_http_request};
inline constexpr plugin_method<request_transform_request, payload_response> request_translate{method_id::request_translate, cpa::methods::request_translate};
inline constexpr plugin_method<request_transform_request, payload_response> request_normalize{method_id::request_normalize, cpa::methods::request_normalize};
inline constexpr plugin_method<request_intercept_request, request_intercept_response> request_intercept_before{method_id::request_intercept_before, cpa::methods::request_intercept_before};
inline constexpr plugin_method<request_intercept_request, request_intercept_response> request_intercept_after{method_id::request_intercept_after, cpa::methods::request_intercept_after};
inline constexpr plugin_method<request_completion, empty_message> request_complete{method_id::request_complete, cpa::methods::request_complete};
inline constexpr plugin_method<response_transform_request, payload_response> response_translate{method_id::response_translate, cpa::methods::response_translate};
inline constexpr plugin_method<response_transform_request, payload_response> response_normalize_before{method_id::response_normalize_before, cpa::methods::response_normalize_before};
inline constexpr plugin_method<response_transform_request, payload_response> response_normalize_after{method_id::response_normalize_after, cpa::methods::response_normalize_after};
inline constexpr plugin_method<response_intercept_request, response_intercept_response> response_intercept_after{method_id::response_intercept_after, cpa::methods::response_intercept_after};
inline constexpr plugin_method<stream_chunk_intercept_request, stream_chunk_intercept_response> response_intercept_stream_chunk{method_id::response_intercept_stream_chunk, cpa::methods::response_intercept_stream_chunk};
inline constexpr plugin_method<empty_message, identifier_response> thinking_identifier{method_id::thinking_identifier, cpa::methods::thinking_identifier};
inline constexpr plugin_method<thinking_apply_request, payload_response> thinking_apply{method_id::thinking_apply, cpa::methods::thinking_apply};
inline constexpr plugin_method<usage_record, empty_message> usage_handle{method_id::usage_handle, cpa::methods::usage_handle};
inline constexpr plugin_method<command_line_register_request, command_line_register_response> command_line_register{method_id::command_line_register, cpa::methods::command_line_register};
inline constexpr plugin_method<command_line_execute_request, command_line_execute_response> command_line_execute{method_id::command_line_execute, cpa::methods::command_line_execute};
inline constexpr plugin_method<management_register_request, management_register_response> management_register{method_id::management_register, cpa::methods::management_register};
inline constexpr plugin_method<management_request, management_response> management_handle{method_id::management_handle, cpa::methods::management_handle};
// clang-format on
} // namespace plugin_methods

/// One loaded plugin, whatever carries the calls. Thread-safe: `call` is entered concurrently
/// and re-entrantly. `shutdown` is called once, after the last call returned.
class plugin_client {
public:
    plugin_client() = default;
    plugin_client(const plugin_client&) = delete;
    plugin_client& operator=(const plugin_client&) = delete;
    virtual ~plugin_client() = default;

    /// Calls `name` with `*request` (of the method's request type) and writes the answer into
    /// `*response` (of its response type). Throws as described at the top of this header.
    virtual void call(method_id id, std::string_view name, const method_codec& codec,
                      const void* request, void* response) = 0;

    /// The plugin's own shutdown. Never throws.
    virtual void shutdown() noexcept = 0;
};

/// Calls `method` on `client`: the result, or `call_error`, or a panic (any other exception).
template <class Req, class Resp>
Resp invoke(plugin_client& client, const plugin_method<Req, Resp>& method, const Req& request) {
    Resp response{};
    client.call(method.id, method.name, method.codec(), &request, &response);
    return response;
}

} // namespace cpa::host

#endif // CPA_HOST_CLIENT_HPP
