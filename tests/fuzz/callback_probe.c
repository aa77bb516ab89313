/* The plugin library of the host_callbacks fuzz target: it keeps the host API it was given at
 * init and hands it out through `cpa_fuzz_host_api`, so that the fuzzer calls the host's
 * callback entry point exactly as a plugin does. It registers as a model router and answers
 * every other call with an empty result. Plain C against <cpa/abi.h>. */
#include <cpa/abi.h>

#include <stdlib.h>
#include <string.h>

static cliproxy_host_api saved_host;
static int have_host;

static const char registration[] =
    "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"fuzz-callbacks\","
    "\"Version\":\"1.0.0\",\"Author\":\"cpa-sdk fuzz\",\"GitHubRepository\":"
    "\"https://example.invalid/cpa-sdk\"},\"capabilities\":{\"model_router\":true}}}";
static const char empty_result[] = "{\"ok\":true,\"result\":{}}";

static int probe_call(const char* method, const uint8_t* request, size_t request_len,
                      cliproxy_buffer* response) {
    const char* text = empty_result;
    size_t len;
    (void)request;
    (void)request_len;
    if (method != NULL && (strcmp(method, CLIPROXY_METHOD_PLUGIN_REGISTER) == 0 ||
                           strcmp(method, CLIPROXY_METHOD_PLUGIN_RECONFIGURE) == 0)) {
        text = registration;
    }
    len = strlen(text);
    response->ptr = malloc(len);
    if (response->ptr == NULL) {
        response->len = 0;
        return 1;
    }
    memcpy(response->ptr, text, len);
    response->len = len;
    return 0;
}

static void probe_free(void* ptr, size_t len) {
    (void)len;
    free(ptr);
}

static void probe_shutdown(void) {
    have_host = 0;
}

CLIPROXY_PLUGIN_EXPORT const cliproxy_host_api* cpa_fuzz_host_api(void) {
    return have_host ? &saved_host : NULL;
}

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin) {
    saved_host = *host;
    have_host = 1;
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = probe_call;
    plugin->free_buffer = probe_free;
    plugin->shutdown = probe_shutdown;
    return 0;
}
