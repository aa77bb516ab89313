/*
 * cpa/abi.h - the C ABI (version 1) between a CPA host and a native plugin.
 *
 * This header is the binary contract and nothing else: five plain structs and function-pointer
 * types, the one exported init symbol, and the constants every message on the wire uses. It is
 * valid C99 and C++, has no dependencies beyond <stdint.h> and <stddef.h>, and its layout is
 * identical to the one CPA hosts and plugins written in any language use.
 *
 * Ownership in one paragraph: a buffer is freed by the side that allocated it. A plugin answers a
 * call by pointing `response` at memory it allocated; the host copies it and hands it back through
 * the plugin's `free_buffer`. A host callback answers the same way with host memory, which the
 * plugin must release through `cliproxy_host_api::free_buffer`.
 */
#ifndef CPA_ABI_H
#define CPA_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this binary layout. Both sides must say exactly 1; there is no negotiation. */
#define CLIPROXY_ABI_VERSION 1u

/** Highest JSON contract version (`schema_version`) described by this header. */
#define CLIPROXY_SCHEMA_VERSION 3u

/** From this schema version on, stream-chunk payload calls carry null request bodies. */
#define CLIPROXY_SCHEMA_VERSION_STREAM_CHUNK_OMIT_REQUEST_BODY 3u

/** Name of the single symbol a plugin exports. */
#define CLIPROXY_PLUGIN_INIT_SYMBOL "cliproxy_plugin_init"

/** A byte range owned by whichever side allocated it. Not NUL-terminated. */
typedef struct {
    void* ptr;
    size_t len;
} cliproxy_buffer;

/** Plugin -> host call. `response` receives host-allocated memory (release with free_buffer). */
typedef int (*cliproxy_host_call_fn)(void* host_ctx, const char* method, const uint8_t* request,
                                     size_t request_len, cliproxy_buffer* response);
/** Releases a buffer the host returned from `call`. */
typedef void (*cliproxy_host_free_fn)(void* ptr, size_t len);

/** What the host gives the plugin at init. Valid until the plugin's shutdown has returned. */
typedef struct {
    uint32_t abi_version;
    void* host_ctx;
    cliproxy_host_call_fn call;
    cliproxy_host_free_fn free_buffer;
} cliproxy_host_api;

/** Host -> plugin call. `response` must receive plugin-allocated memory holding a JSON envelope. */
typedef int (*cliproxy_plugin_call_fn)(const char* method, const uint8_t* request,
                                       size_t request_len, cliproxy_buffer* response);
/** Releases a buffer the plugin returned from `call`; may run on another thread. */
typedef void (*cliproxy_plugin_free_fn)(void* ptr, size_t len);
/** End of life: stop every plugin thread; the host API is gone once this returns. May be NULL. */
typedef void (*cliproxy_plugin_shutdown_fn)(void);

/** What the plugin fills in at init. The pointer itself must not be kept after init returns. */
typedef struct {
    uint32_t abi_version;
    cliproxy_plugin_call_fn call;
    cliproxy_plugin_free_fn free_buffer;
    cliproxy_plugin_shutdown_fn shutdown;
} cliproxy_plugin_api;

/** Signature of the exported init function. Returns 0 on success. */
typedef int (*cliproxy_plugin_init_fn)(const cliproxy_host_api* host, cliproxy_plugin_api* plugin);

/*
 * CLIPROXY_PLUGIN_EXPORT marks the init function as the library's one public symbol:
 *
 *     CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
 *                                                     cliproxy_plugin_api* plugin) { ... }
 *
 * In C++ it also gives the function C linkage.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#define CLIPROXY_PLUGIN_VISIBILITY __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define CLIPROXY_PLUGIN_VISIBILITY __attribute__((visibility("default")))
#else
#define CLIPROXY_PLUGIN_VISIBILITY
#endif
#ifdef __cplusplus
#define CLIPROXY_PLUGIN_EXPORT extern "C" CLIPROXY_PLUGIN_VISIBILITY
#else
#define CLIPROXY_PLUGIN_EXPORT CLIPROXY_PLUGIN_VISIBILITY
#endif

/* Method names, host -> plugin. */
#define CLIPROXY_METHOD_PLUGIN_REGISTER "plugin.register"
#define CLIPROXY_METHOD_PLUGIN_RECONFIGURE "plugin.reconfigure"
#define CLIPROXY_METHOD_PLUGIN_SHUTDOWN "plugin.shutdown" /* defined by CPA, never sent */
#define CLIPROXY_METHOD_MODEL_REGISTER "model.register"
#define CLIPROXY_METHOD_MODEL_STATIC "model.static"
#define CLIPROXY_METHOD_MODEL_FOR_AUTH "model.for_auth"
#define CLIPROXY_METHOD_AUTH_IDENTIFIER "auth.identifier"
#define CLIPROXY_METHOD_AUTH_PARSE "auth.parse"
#define CLIPROXY_METHOD_AUTH_LOGIN_START "auth.login.start"
#define CLIPROXY_METHOD_AUTH_LOGIN_POLL "auth.login.poll"
#define CLIPROXY_METHOD_AUTH_REFRESH "auth.refresh"
#define CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER "frontend_auth.identifier"
#define CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE "frontend_auth.authenticate"
#define CLIPROXY_METHOD_SCHEDULER_PICK "scheduler.pick"
#define CLIPROXY_METHOD_MODEL_ROUTE "model.route"
#define CLIPROXY_METHOD_EXECUTOR_IDENTIFIER "executor.identifier"
#define CLIPROXY_METHOD_EXECUTOR_EXECUTE "executor.execute"
#define CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM "executor.execute_stream"
#define CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS "executor.count_tokens"
#define CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST "executor.http_request"
#define CLIPROXY_METHOD_REQUEST_TRANSLATE "request.translate"
#define CLIPROXY_METHOD_REQUEST_NORMALIZE "request.normalize"
#define CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE "request.intercept_before"
#define CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER "request.intercept_after"
#define CLIPROXY_METHOD_REQUEST_COMPLETE "request.complete"
#define CLIPROXY_METHOD_RESPONSE_TRANSLATE "response.translate"
#define CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE "response.normalize_before"
#define CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER "response.normalize_after"
#define CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER "response.intercept_after"
#define CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK "response.intercept_stream_chunk"
#define CLIPROXY_METHOD_THINKING_IDENTIFIER "thinking.identifier"
#define CLIPROXY_METHOD_THINKING_APPLY "thinking.apply"
#define CLIPROXY_METHOD_USAGE_HANDLE "usage.handle"
#define CLIPROXY_METHOD_COMMAND_LINE_REGISTER "command_line.register"
#define CLIPROXY_METHOD_COMMAND_LINE_EXECUTE "command_line.execute"
#define CLIPROXY_METHOD_MANAGEMENT_REGISTER "management.register"
#define CLIPROXY_METHOD_MANAGEMENT_HANDLE "management.handle"

/* Method names, plugin -> host (host callbacks). */
#define CLIPROXY_HOST_LOG "host.log"
#define CLIPROXY_HOST_HTTP_DO "host.http.do"
#define CLIPROXY_HOST_HTTP_DO_STREAM "host.http.do_stream"
#define CLIPROXY_HOST_HTTP_STREAM_READ "host.http.stream_read"
#define CLIPROXY_HOST_HTTP_STREAM_CLOSE "host.http.stream_close"
#define CLIPROXY_HOST_MODEL_EXECUTE "host.model.execute"
#define CLIPROXY_HOST_MODEL_EXECUTE_STREAM "host.model.execute_stream"
#define CLIPROXY_HOST_MODEL_STREAM_READ "host.model.stream_read"
#define CLIPROXY_HOST_MODEL_STREAM_CLOSE "host.model.stream_close"
#define CLIPROXY_HOST_STREAM_EMIT "host.stream.emit"
#define CLIPROXY_HOST_STREAM_CLOSE "host.stream.close"
#define CLIPROXY_HOST_AUTH_LIST "host.auth.list"
#define CLIPROXY_HOST_AUTH_GET "host.auth.get"
#define CLIPROXY_HOST_AUTH_GET_RUNTIME "host.auth.get_runtime"
#define CLIPROXY_HOST_AUTH_SAVE "host.auth.save"

/* Layout checks for 64-bit targets: these offsets are what every CPA host and plugin assumes. */
#if defined(__cplusplus)
#define CPA_ABI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define CPA_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
/* C99: a negative array size fails the build. */
#define CPA_ABI_STATIC_ASSERT_CAT2(a, b) a##b
#define CPA_ABI_STATIC_ASSERT_CAT(a, b) CPA_ABI_STATIC_ASSERT_CAT2(a, b)
#define CPA_ABI_STATIC_ASSERT(cond, msg)                                                           \
    typedef char CPA_ABI_STATIC_ASSERT_CAT(cpa_abi_layout_check_, __LINE__)[(cond) ? 1 : -1]
#endif

#if UINTPTR_MAX == 0xffffffffffffffffu
CPA_ABI_STATIC_ASSERT(sizeof(cliproxy_buffer) == 16, "cliproxy_buffer is 16 bytes");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_buffer, len) == 8, "cliproxy_buffer.len at 8");
CPA_ABI_STATIC_ASSERT(sizeof(cliproxy_host_api) == 32, "cliproxy_host_api is 32 bytes");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_host_api, host_ctx) == 8, "host_ctx at 8");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_host_api, call) == 16, "host call at 16");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_host_api, free_buffer) == 24, "host free_buffer at 24");
CPA_ABI_STATIC_ASSERT(sizeof(cliproxy_plugin_api) == 32, "cliproxy_plugin_api is 32 bytes");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_plugin_api, call) == 8, "plugin call at 8");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_plugin_api, free_buffer) == 16, "plugin free_buffer at 16");
CPA_ABI_STATIC_ASSERT(offsetof(cliproxy_plugin_api, shutdown) == 24, "plugin shutdown at 24");
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CPA_ABI_H */
