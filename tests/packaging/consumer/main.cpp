// Uses the installed (or vendored) SDK twice: encodes and decodes a message through the public
// API, then loads the plugin built from tiny_router.cpp with dlopen and drives it through the C
// ABI. Exits 0 only if everything holds.
#include <cpa/abi.h>
#include <cpa/api.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace {

int fail(const std::string& what) {
    std::cerr << "consumer: " << what << '\n';
    return 1;
}

int host_call(void*, const char*, const std::uint8_t*, std::size_t, cliproxy_buffer*) {
    return 1;
}
void host_free(void* p, std::size_t) {
    std::free(p);
}

std::string call(const cliproxy_plugin_api& api, const char* method, const std::string& request) {
    cliproxy_buffer out{nullptr, 0};
    api.call(method, reinterpret_cast<const std::uint8_t*>(request.data()), request.size(), &out);
    std::string text(static_cast<const char*>(out.ptr), out.len);
    api.free_buffer(out.ptr, out.len);
    return text;
}

} // namespace

int main() {
    cpa::model_route_response r;
    r.handled = true;
    r.target_kind = cpa::route_target_kind::executor;
    r.target = "echo";
    const std::string s = cpa::to_json(r);
    std::cout << "abi " << CLIPROXY_ABI_VERSION << ", schema " << CLIPROXY_SCHEMA_VERSION << ": "
              << s << '\n';
    const auto back = cpa::from_json<cpa::model_route_response>(s);
    if (back.target != "echo" || !back.handled ||
        s.find("\"TargetKind\":\"executor\"") == std::string::npos) {
        return fail("round trip failed");
    }

    void* lib = dlopen(TINY_ROUTER_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        return fail(std::string("dlopen: ") + dlerror());
    }
    auto init = reinterpret_cast<cliproxy_plugin_init_fn>(dlsym(lib, CLIPROXY_PLUGIN_INIT_SYMBOL));
    if (init == nullptr) {
        return fail("no cliproxy_plugin_init");
    }
    cliproxy_host_api host{CLIPROXY_ABI_VERSION, nullptr, &host_call, &host_free};
    cliproxy_plugin_api api{};
    if (init(&host, &api) != 0) {
        return fail("init failed");
    }
    const auto reg = cpa::decode_reply<cpa::register_response>(
        "plugin.register", 0,
        call(api, "plugin.register", R"({"config_yaml":null,"schema_version":3})"));
    if (!reg || reg->metadata.name != "tiny-router" || !reg->capabilities.model_router) {
        return fail("plugin.register answered badly");
    }
    const auto route = cpa::decode_reply<cpa::model_route_response>(
        "model.route", 0, call(api, "model.route", R"({"RequestedModel":"tiny-1"})"));
    if (!route || !route->handled || route->target_kind != cpa::route_target_kind::self) {
        return fail("model.route answered badly");
    }
    std::cout << "tiny-router: registered and routed tiny-1 (" << route->reason << ")\n";
    if (api.shutdown != nullptr) {
        api.shutdown();
    }
    dlclose(lib);
    return 0;
}
