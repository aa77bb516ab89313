/*
 * raw-c: a CPA plugin in plain C against <cpa/abi.h> alone - no SDK, no JSON library - to show
 * the ABI itself. It is a model router that declines every request, and it logs each decision
 * through the host.log callback.
 *
 * What the ABI asks of a plugin, all visible below: export cliproxy_plugin_init; fill the
 * function table; answer every call with a JSON envelope in memory the plugin allocated (the
 * host hands it back through free_buffer); release host answers with the host's free_buffer.
 */
#include <cpa/abi.h>

#include <stdlib.h>
#include <string.h>

static const cliproxy_host_api* g_host = NULL;

/* Copies a NUL-terminated JSON text into a malloc'd response buffer. */
static int answer(cliproxy_buffer* response, const char* json, int rc) {
    size_t len = strlen(json);
    void* p = malloc(len);
    if (p == NULL) {
        return 1;
    }
    memcpy(p, json, len);
    response->ptr = p;
    response->len = len;
    return rc;
}

static void host_log(const char* message_json) {
    cliproxy_buffer reply = {NULL, 0};
    if (g_host == NULL) {
        return;
    }
    g_host->call(g_host->host_ctx, CLIPROXY_HOST_LOG, (const uint8_t*)message_json,
                 strlen(message_json), &reply);
    if (reply.ptr != NULL) {
        g_host->free_buffer(reply.ptr, reply.len); /* host memory goes back to the host */
    }
}

static int plugin_call(const char* method, const uint8_t* request, size_t request_len,
                       cliproxy_buffer* response) {
    (void)request;
    (void)request_len;
    response->ptr = NULL;
    response->len = 0;
    if (method == NULL) {
        return answer(response,
                      "{\"ok\":false,\"error\":{\"code\":\"invalid_method\","
                      "\"message\":\"method is NULL\"}}",
                      1);
    }
    if (strcmp(method, CLIPROXY_METHOD_PLUGIN_REGISTER) == 0 ||
        strcmp(method, CLIPROXY_METHOD_PLUGIN_RECONFIGURE) == 0) {
        return answer(response,
                      "{\"ok\":true,\"result\":{\"schema_version\":1,"
                      "\"metadata\":{\"Name\":\"raw-c\",\"Version\":\"1.0.0\","
                      "\"Author\":\"cpa-sdk samples\","
                      "\"GitHubRepository\":\"https://example.invalid/cpa-sdk\"},"
                      "\"capabilities\":{\"model_router\":true}}}",
                      0);
    }
    if (strcmp(method, CLIPROXY_METHOD_MODEL_ROUTE) == 0) {
        host_log("{\"level\":\"info\",\"message\":\"raw-c declines the request\"}");
        return answer(response, "{\"ok\":true,\"result\":{\"Handled\":false}}", 0);
    }
    return answer(response,
                  "{\"ok\":false,\"error\":{\"code\":\"unknown_method\","
                  "\"message\":\"unknown method\"}}",
                  0);
}

static void plugin_free(void* ptr, size_t len) {
    (void)len;
    free(ptr);
}

static void plugin_shutdown(void) {
    g_host = NULL;
}

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin) {
    if (host == NULL || plugin == NULL || host->abi_version != CLIPROXY_ABI_VERSION) {
        return 1;
    }
    g_host = host;
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = plugin_call;
    plugin->free_buffer = plugin_free;
    plugin->shutdown = plugin_shutdown;
    return 0;
}
