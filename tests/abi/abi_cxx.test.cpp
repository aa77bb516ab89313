// <cpa/abi.h> from C++: the same 64-bit layout as in C, types usable as plain data, the method
// names spelled exactly as CPA spells them, and ordinary functions storable in every
// function-pointer type.
#include <cpa/abi.h>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#if UINTPTR_MAX == 0xffffffffffffffffu
static_assert(sizeof(cliproxy_buffer) == 16);
static_assert(offsetof(cliproxy_buffer, ptr) == 0);
static_assert(offsetof(cliproxy_buffer, len) == 8);
static_assert(sizeof(cliproxy_host_api) == 32);
static_assert(offsetof(cliproxy_host_api, abi_version) == 0);
static_assert(offsetof(cliproxy_host_api, host_ctx) == 8);
static_assert(offsetof(cliproxy_host_api, call) == 16);
static_assert(offsetof(cliproxy_host_api, free_buffer) == 24);
static_assert(sizeof(cliproxy_plugin_api) == 32);
static_assert(offsetof(cliproxy_plugin_api, abi_version) == 0);
static_assert(offsetof(cliproxy_plugin_api, call) == 8);
static_assert(offsetof(cliproxy_plugin_api, free_buffer) == 16);
static_assert(offsetof(cliproxy_plugin_api, shutdown) == 24);
#endif

static_assert(CLIPROXY_ABI_VERSION == 1u);
static_assert(CLIPROXY_SCHEMA_VERSION == 3u);

// Functions with C language linkage, internal to this file, matching each typedef exactly.
extern "C" {
static int host_call(void* host_ctx, const char* method, const std::uint8_t* request,
                     std::size_t request_len, cliproxy_buffer* response) {
    static_cast<void>(host_ctx);
    static_cast<void>(method);
    static_cast<void>(request);
    static_cast<void>(request_len);
    response->ptr = nullptr;
    response->len = 0;
    return 0;
}
static void host_free(void* ptr, std::size_t len) {
    static_cast<void>(ptr);
    static_cast<void>(len);
}
static int plugin_call(const char* method, const std::uint8_t* request, std::size_t request_len,
                       cliproxy_buffer* response) {
    static_cast<void>(method);
    static_cast<void>(request);
    static_cast<void>(request_len);
    response->ptr = nullptr;
    response->len = 0;
    return 0;
}
static void plugin_free(void* ptr, std::size_t len) {
    static_cast<void>(ptr);
    static_cast<void>(len);
}
static void plugin_shutdown() {}
}

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin);

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,
                                                cliproxy_plugin_api* plugin) {
    if (host == nullptr || plugin == nullptr || host->abi_version != CLIPROXY_ABI_VERSION) {
        return 1;
    }
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = plugin_call;
    plugin->free_buffer = plugin_free;
    plugin->shutdown = plugin_shutdown;
    return 0;
}

BOOST_AUTO_TEST_SUITE(abi_contract)

BOOST_AUTO_TEST_CASE(structs_are_plain_data) {
    BOOST_TEST(std::is_standard_layout_v<cliproxy_buffer>);
    BOOST_TEST(std::is_standard_layout_v<cliproxy_host_api>);
    BOOST_TEST(std::is_standard_layout_v<cliproxy_plugin_api>);
    BOOST_TEST(std::is_trivially_copyable_v<cliproxy_buffer>);
    BOOST_TEST(std::is_trivially_copyable_v<cliproxy_host_api>);
    BOOST_TEST(std::is_trivially_copyable_v<cliproxy_plugin_api>);
    BOOST_TEST(std::is_trivially_default_constructible_v<cliproxy_buffer>);
    BOOST_TEST(std::is_trivially_default_constructible_v<cliproxy_host_api>);
    BOOST_TEST(std::is_trivially_default_constructible_v<cliproxy_plugin_api>);
}

BOOST_AUTO_TEST_CASE(layout_on_64_bit_targets) {
    if constexpr (sizeof(void*) != 8) {
        BOOST_TEST_MESSAGE("not a 64-bit target; layout not checked");
        return;
    }
    BOOST_TEST(sizeof(cliproxy_buffer) == 16u);
    BOOST_TEST(offsetof(cliproxy_buffer, len) == 8u);
    BOOST_TEST(sizeof(cliproxy_host_api) == 32u);
    BOOST_TEST(offsetof(cliproxy_host_api, host_ctx) == 8u);
    BOOST_TEST(offsetof(cliproxy_host_api, call) == 16u);
    BOOST_TEST(offsetof(cliproxy_host_api, free_buffer) == 24u);
    BOOST_TEST(sizeof(cliproxy_plugin_api) == 32u);
    BOOST_TEST(offsetof(cliproxy_plugin_api, call) == 8u);
    BOOST_TEST(offsetof(cliproxy_plugin_api, free_buffer) == 16u);
    BOOST_TEST(offsetof(cliproxy_plugin_api, shutdown) == 24u);
}

BOOST_AUTO_TEST_CASE(constants) {
    BOOST_TEST(CLIPROXY_ABI_VERSION == 1u);
    BOOST_TEST(CLIPROXY_SCHEMA_VERSION == 3u);
    BOOST_TEST(std::string_view{CLIPROXY_PLUGIN_INIT_SYMBOL} == "cliproxy_plugin_init");
}

BOOST_AUTO_TEST_CASE(method_names) {
    BOOST_TEST(std::string_view{CLIPROXY_METHOD_PLUGIN_REGISTER} == "plugin.register");
    BOOST_TEST(std::string_view{CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK} ==
               "response.intercept_stream_chunk");
    BOOST_TEST(std::string_view{CLIPROXY_HOST_AUTH_GET_RUNTIME} == "host.auth.get_runtime");
}

BOOST_AUTO_TEST_CASE(functions_fit_every_pointer_type) {
    cliproxy_host_call_fn hc = host_call;
    cliproxy_host_free_fn hf = host_free;
    cliproxy_plugin_call_fn pc = plugin_call;
    cliproxy_plugin_free_fn pf = plugin_free;
    cliproxy_plugin_shutdown_fn ps = plugin_shutdown;
    cliproxy_plugin_init_fn init = cliproxy_plugin_init;

    cliproxy_host_api host{};
    host.abi_version = CLIPROXY_ABI_VERSION;
    host.call = hc;
    host.free_buffer = hf;

    cliproxy_plugin_api plugin{};
    BOOST_TEST(init(&host, &plugin) == 0);
    BOOST_TEST(plugin.abi_version == CLIPROXY_ABI_VERSION);
    BOOST_TEST((plugin.call == pc));
    BOOST_TEST((plugin.free_buffer == pf));
    BOOST_TEST((plugin.shutdown == ps));

    cliproxy_buffer response{};
    BOOST_TEST(host.call(host.host_ctx, CLIPROXY_HOST_LOG, nullptr, 0, &response) == 0);
    host.free_buffer(response.ptr, response.len);
    BOOST_TEST(plugin.call(CLIPROXY_METHOD_PLUGIN_REGISTER, nullptr, 0, &response) == 0);
    plugin.free_buffer(response.ptr, response.len);
    plugin.shutdown();
}

BOOST_AUTO_TEST_SUITE_END()
