// Method names as C++ constants, one per method of the ABI (same values as the macros in
// <cpa/abi.h>).
#ifndef CPA_API_METHODS_HPP
#define CPA_API_METHODS_HPP

#include <cpa/abi.h>

#include <string_view>

namespace cpa {

/// Host -> plugin methods.
namespace methods {
inline constexpr std::string_view plugin_register = CLIPROXY_METHOD_PLUGIN_REGISTER;
inline constexpr std::string_view plugin_reconfigure = CLIPROXY_METHOD_PLUGIN_RECONFIGURE;
inline constexpr std::string_view plugin_shutdown = CLIPROXY_METHOD_PLUGIN_SHUTDOWN;
inline constexpr std::string_view model_register = CLIPROXY_METHOD_MODEL_REGISTER;
inline constexpr std::string_view model_static = CLIPROXY_METHOD_MODEL_STATIC;
inline constexpr std::string_view model_for_auth = CLIPROXY_METHOD_MODEL_FOR_AUTH;
inline constexpr std::string_view auth_identifier = CLIPROXY_METHOD_AUTH_IDENTIFIER;
inline constexpr std::string_view auth_parse = CLIPROXY_METHOD_AUTH_PARSE;
inline constexpr std::string_view auth_login_start = CLIPROXY_METHOD_AUTH_LOGIN_START;
inline constexpr std::string_view auth_login_poll = CLIPROXY_METHOD_AUTH_LOGIN_POLL;
inline constexpr std::string_view auth_refresh = CLIPROXY_METHOD_AUTH_REFRESH;
inline constexpr std::string_view frontend_auth_identifier =
    CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER;
inline constexpr std::string_view frontend_auth_authenticate =
    CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE;
inline constexpr std::string_view scheduler_pick = CLIPROXY_METHOD_SCHEDULER_PICK;
inline constexpr std::string_view model_route = CLIPROXY_METHOD_MODEL_ROUTE;
inline constexpr std::string_view executor_identifier = CLIPROXY_METHOD_EXECUTOR_IDENTIFIER;
inline constexpr std::string_view executor_execute = CLIPROXY_METHOD_EXECUTOR_EXECUTE;
inline constexpr std::string_view executor_execute_stream = CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM;
inline constexpr std::string_view executor_count_tokens = CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS;
inline constexpr std::string_view executor_http_request = CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST;
inline constexpr std::string_view request_translate = CLIPROXY_METHOD_REQUEST_TRANSLATE;
inline constexpr std::string_view request_normalize = CLIPROXY_METHOD_REQUEST_NORMALIZE;
inline constexpr std::string_view request_intercept_before =
    CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE;
inline constexpr std::string_view request_intercept_after = CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER;
inline constexpr std::string_view request_complete = CLIPROXY_METHOD_REQUEST_COMPLETE;
inline constexpr std::string_view response_translate = CLIPROXY_METHOD_RESPONSE_TRANSLATE;
inline constexpr std::string_view response_normalize_before =
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE;
inline constexpr std::string_view response_normalize_after =
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER;
inline constexpr std::string_view response_intercept_after =
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER;
inline constexpr std::string_view response_intercept_stream_chunk =
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK;
inline constexpr std::string_view thinking_identifier = CLIPROXY_METHOD_THINKING_IDENTIFIER;
inline constexpr std::string_view thinking_apply = CLIPROXY_METHOD_THINKING_APPLY;
inline constexpr std::string_view usage_handle = CLIPROXY_METHOD_USAGE_HANDLE;
inline constexpr std::string_view command_line_register = CLIPROXY_METHOD_COMMAND_LINE_REGISTER;
inline constexpr std::string_view command_line_execute = CLIPROXY_METHOD_COMMAND_LINE_EXECUTE;
inline constexpr std::string_view management_register = CLIPROXY_METHOD_MANAGEMENT_REGISTER;
inline constexpr std::string_view management_handle = CLIPROXY_METHOD_MANAGEMENT_HANDLE;
} // namespace methods

/// Plugin -> host callbacks.
namespace host_methods {
inline constexpr std::string_view log = CLIPROXY_HOST_LOG;
inline constexpr std::string_view http_do = CLIPROXY_HOST_HTTP_DO;
inline constexpr std::string_view http_do_stream = CLIPROXY_HOST_HTTP_DO_STREAM;
inline constexpr std::string_view http_stream_read = CLIPROXY_HOST_HTTP_STREAM_READ;
inline constexpr std::string_view http_stream_close = CLIPROXY_HOST_HTTP_STREAM_CLOSE;
inline constexpr std::string_view model_execute = CLIPROXY_HOST_MODEL_EXECUTE;
inline constexpr std::string_view model_execute_stream = CLIPROXY_HOST_MODEL_EXECUTE_STREAM;
inline constexpr std::string_view model_stream_read = CLIPROXY_HOST_MODEL_STREAM_READ;
inline constexpr std::string_view model_stream_close = CLIPROXY_HOST_MODEL_STREAM_CLOSE;
inline constexpr std::string_view stream_emit = CLIPROXY_HOST_STREAM_EMIT;
inline constexpr std::string_view stream_close = CLIPROXY_HOST_STREAM_CLOSE;
inline constexpr std::string_view auth_list = CLIPROXY_HOST_AUTH_LIST;
inline constexpr std::string_view auth_get = CLIPROXY_HOST_AUTH_GET;
inline constexpr std::string_view auth_get_runtime = CLIPROXY_HOST_AUTH_GET_RUNTIME;
inline constexpr std::string_view auth_save = CLIPROXY_HOST_AUTH_SAVE;
} // namespace host_methods

} // namespace cpa

#endif // CPA_API_METHODS_HPP
