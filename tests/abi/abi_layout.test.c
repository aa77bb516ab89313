/*
 * abi_layout.test.c - include/cpa/abi.h is plain C (built as C99 and as C11, no extensions) and its
 * layout is the CPA contract on 64-bit targets. The header static-asserts the same offsets; this
 * program checks them again at run time so a failure names the field.
 */
#include <cpa/abi.h>

#include <stdio.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

static void check(int ok, const char* what) {
    printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
    if (ok) {
        ++passed;
    } else {
        ++failed;
    }
}

#define CHECK(expr) check((expr) ? 1 : 0, #expr)

/* A complete plugin, written against the typedefs only. */
static const char plugin_reply[] = "{\"ok\":true}";

static int plugin_call(const char* method, const uint8_t* request, size_t request_len,
                       cliproxy_buffer* response) {
    (void)method;
    (void)request;
    (void)request_len;
    response->ptr = (void*)plugin_reply;
    response->len = sizeof plugin_reply - 1;
    return 0;
}

static void plugin_free(void* ptr, size_t len) {
    (void)ptr;
    (void)len;
}

static void plugin_shutdown(void) {}

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin);

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin) {
    if (host == NULL || plugin == NULL || host->abi_version != CLIPROXY_ABI_VERSION) {
        return 1;
    }
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = plugin_call;
    plugin->free_buffer = plugin_free;
    plugin->shutdown = plugin_shutdown;
    return 0;
}

static void check_layout(void) {
    if (sizeof(void*) != 8) {
        printf("SKIP: layout checks need a 64-bit target (sizeof(void*) == %u)\n",
               (unsigned)sizeof(void*));
        return;
    }
    CHECK(sizeof(cliproxy_buffer) == 16);
    CHECK(offsetof(cliproxy_buffer, ptr) == 0);
    CHECK(offsetof(cliproxy_buffer, len) == 8);

    CHECK(sizeof(cliproxy_host_api) == 32);
    CHECK(offsetof(cliproxy_host_api, abi_version) == 0);
    CHECK(offsetof(cliproxy_host_api, host_ctx) == 8);
    CHECK(offsetof(cliproxy_host_api, call) == 16);
    CHECK(offsetof(cliproxy_host_api, free_buffer) == 24);

    CHECK(sizeof(cliproxy_plugin_api) == 32);
    CHECK(offsetof(cliproxy_plugin_api, abi_version) == 0);
    CHECK(offsetof(cliproxy_plugin_api, call) == 8);
    CHECK(offsetof(cliproxy_plugin_api, free_buffer) == 16);
    CHECK(offsetof(cliproxy_plugin_api, shutdown) == 24);
}

static void check_constants(void) {
    CHECK(CLIPROXY_ABI_VERSION == 1);
    CHECK(CLIPROXY_SCHEMA_VERSION == 3);
    CHECK(strcmp(CLIPROXY_PLUGIN_INIT_SYMBOL, "cliproxy_plugin_init") == 0);
    CHECK(strcmp(CLIPROXY_METHOD_PLUGIN_REGISTER, "plugin.register") == 0);
    CHECK(strcmp(CLIPROXY_HOST_AUTH_GET_RUNTIME, "host.auth.get_runtime") == 0);
}

static void check_init(void) {
    cliproxy_plugin_init_fn init = cliproxy_plugin_init;
    cliproxy_host_api host;
    cliproxy_plugin_api plugin;
    cliproxy_buffer response;
    const uint8_t request[] = "{}";

    memset(&host, 0, sizeof host);
    memset(&plugin, 0, sizeof plugin);
    memset(&response, 0, sizeof response);
    host.abi_version = CLIPROXY_ABI_VERSION;

    CHECK(init == cliproxy_plugin_init);
    CHECK(init(&host, &plugin) == 0);
    CHECK(plugin.abi_version == CLIPROXY_ABI_VERSION);
    CHECK(plugin.call == plugin_call);
    CHECK(plugin.free_buffer == plugin_free);
    CHECK(plugin.shutdown == plugin_shutdown);
    CHECK(plugin.call(CLIPROXY_METHOD_PLUGIN_REGISTER, request, sizeof request - 1, &response) ==
          0);
    CHECK(response.len == sizeof plugin_reply - 1 &&
          memcmp(response.ptr, plugin_reply, response.len) == 0);
    plugin.free_buffer(response.ptr, response.len);
    plugin.shutdown();
}

int main(void) {
#if defined(__STDC_VERSION__)
    printf("C standard: __STDC_VERSION__ = %ldL\n", (long)__STDC_VERSION__);
#endif
    check_layout();
    check_constants();
    check_init();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
