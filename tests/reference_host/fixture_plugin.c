/*
 * Deliberately broken plugins for `cpa-host check`, in plain C against <cpa/abi.h> alone. One
 * source, one plugin per fixture macro:
 *
 *   CPA_FIXTURE_BLANK_METADATA  registers a model router whose metadata Name and Author are blank
 *                               (wire contract 3.6: the host never uses such a plugin)
 *   CPA_FIXTURE_HANGS           a valid model router whose model.route never answers in time
 *
 * Everything else is what any plugin must do: export cliproxy_plugin_init, fill the function
 * table, answer with envelopes in memory it allocated.
 */
#define _POSIX_C_SOURCE 200809L

#include <cpa/abi.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(CPA_FIXTURE_BLANK_METADATA)
#define FIXTURE_NAME "  "
#define FIXTURE_AUTHOR ""
#elif defined(CPA_FIXTURE_HANGS)
#define FIXTURE_NAME "hangs"
#define FIXTURE_AUTHOR "cpa-sdk tests"
#else
#error "define one CPA_FIXTURE_* macro"
#endif

static int answer(cliproxy_buffer* response, const char* json) {
    size_t len = strlen(json);
    void* p = malloc(len);
    if (p == NULL) {
        return 1;
    }
    memcpy(p, json, len);
    response->ptr = p;
    response->len = len;
    return 0;
}

static int plugin_call(const char* method, const uint8_t* request, size_t request_len,
                       cliproxy_buffer* response) {
    (void)request;
    (void)request_len;
    response->ptr = NULL;
    response->len = 0;
    if (method == NULL) {
        return 1;
    }
    if (strcmp(method, CLIPROXY_METHOD_PLUGIN_REGISTER) == 0 ||
        strcmp(method, CLIPROXY_METHOD_PLUGIN_RECONFIGURE) == 0) {
        return answer(response, "{\"ok\":true,\"result\":{\"schema_version\":1,"
                                "\"metadata\":{\"Name\":\"" FIXTURE_NAME "\",\"Version\":\"1.0.0\","
                                "\"Author\":\"" FIXTURE_AUTHOR "\","
                                "\"GitHubRepository\":\"https://example.invalid/cpa-sdk\"},"
                                "\"capabilities\":{\"model_router\":true}}}");
    }
    if (strcmp(method, CLIPROXY_METHOD_MODEL_ROUTE) == 0) {
#if defined(CPA_FIXTURE_HANGS)
        struct timespec pause = {30, 0};
        nanosleep(&pause, NULL);
#endif
        return answer(response, "{\"ok\":true,\"result\":{\"Handled\":false}}");
    }
    return answer(response, "{\"ok\":false,\"error\":{\"code\":\"unknown_method\","
                            "\"message\":\"unknown method\"}}");
}

static void plugin_free(void* ptr, size_t len) {
    (void)len;
    free(ptr);
}

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin) {
    if (host == NULL || plugin == NULL || host->abi_version != CLIPROXY_ABI_VERSION) {
        return 1;
    }
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = plugin_call;
    plugin->free_buffer = plugin_free;
    plugin->shutdown = NULL;
    return 0;
}
