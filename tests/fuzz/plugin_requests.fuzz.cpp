// Fuzz target plugin_requests: the plugin side reading every host request. A plugin class with
// every capability runs in this process under the SDK runtime (`CPA_PLUGIN`), initialised once
// with a host API whose callbacks all succeed; each input is one call of the plugin's
// `cliproxy_plugin_api::call`. The selector byte picks the method among every method the runtime
// dispatches (plus `plugin.shutdown`, which it does not, and an unknown name); the rest is the
// request. `plugin.register` with a valid configuration runs once before the first input.
//
// Checked: every call answers a buffer holding a JSON envelope that the host's decision table
// reads (the plugin never answers bytes the host cannot decode), and the buffer is released
// through the plugin's own `free_buffer`.
#include "fuzz_entry.hpp"

#include <cpa/plugin.hpp>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

/// Every capability, each answering from its request; several go through the host callbacks
/// and the configuration, so that those paths see fuzzed requests too.
struct fuzz_plugin {
    static cpa::metadata metadata() {
        cpa::metadata m;
        m.name = "fuzz-plugin";
        m.version = "1.0.0";
        m.author = "cpa-sdk fuzz";
        m.github_repository = "https://example.invalid/cpa-sdk";
        return m;
    }

    void configure(const cpa::plugin_config& config) {
        (void)config.enabled();
        (void)config.priority();
        (void)config.get<std::string>("mode");
        (void)config.get<std::vector<std::string>>("models");
        (void)config.get<double>("ratio");
    }

    cpa::model_response register_models(const cpa::model_register_request&) { return {}; }
    cpa::model_response static_models(const cpa::model_static_request&) { return {}; }
    cpa::model_response models_for_auth(const cpa::model_for_auth_request&) { return {}; }

    static std::string auth_identifier() { return "fuzz-auth"; }
    cpa::auth_parse_response parse_auth(const cpa::auth_parse_request&) { return {}; }
    cpa::auth_login_start_response start_login(const cpa::auth_login_start_request&) { return {}; }
    cpa::auth_login_poll_response poll_login(const cpa::auth_login_poll_request&) { return {}; }
    cpa::auth_refresh_response refresh_auth(const cpa::auth_refresh_request&) { return {}; }

    static std::string frontend_auth_identifier() { return "fuzz-frontend"; }
    cpa::frontend_auth_response authenticate(const cpa::frontend_auth_request&) { return {}; }

    cpa::scheduler_pick_response pick_auth(const cpa::scheduler_pick_request&) { return {}; }

    cpa::model_route_response route_model(const cpa::model_route_request&, cpa::call_context& ctx) {
        ctx.log(cpa::log_level::debug, "route", {});
        (void)ctx.config().get_or("mode", "none");
        return {};
    }

    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai", "claude"};
    static std::string executor_identifier() { return "fuzz"; }
    cpa::executor_response execute(const cpa::executor_request& request, cpa::call_context& ctx) {
        cpa::host_http_request http;
        http.url = "https://example.invalid/" + request.model;
        http.body = request.payload;
        (void)ctx.http(std::move(http));
        cpa::executor_response r;
        r.payload = request.payload;
        return r;
    }
    cpa::executor_stream execute_stream(const cpa::executor_request& request, cpa::call_context&) {
        std::vector<cpa::bytes> chunks;
        if (!request.payload.empty()) {
            chunks.push_back(request.payload);
        }
        return cpa::executor_stream::chunks({}, std::move(chunks));
    }
    cpa::executor_response count_tokens(const cpa::executor_request&) { return {}; }
    cpa::http_response http_request(const cpa::executor_http_request&) { return {}; }

    cpa::payload_response translate_request(const cpa::request_transform_request&) { return {}; }
    cpa::payload_response normalize_request(const cpa::request_transform_request&) { return {}; }
    cpa::payload_response translate_response(const cpa::response_transform_request&) { return {}; }
    cpa::payload_response normalize_response_before(const cpa::response_transform_request&) {
        return {};
    }
    cpa::payload_response normalize_response_after(const cpa::response_transform_request&) {
        return {};
    }

    cpa::request_intercept_response
    intercept_request_before(const cpa::request_intercept_request&) {
        return {};
    }
    cpa::request_intercept_response intercept_request_after(const cpa::request_intercept_request&) {
        return {};
    }
    void request_complete(const cpa::request_completion&) {}
    cpa::response_intercept_response intercept_response(const cpa::response_intercept_request&) {
        return {};
    }
    cpa::stream_chunk_intercept_response
    intercept_stream_chunk(const cpa::stream_chunk_intercept_request&) {
        return {};
    }

    static std::string thinking_identifier() { return "fuzz-thinking"; }
    cpa::payload_response apply_thinking(const cpa::thinking_apply_request&) { return {}; }

    void handle_usage(const cpa::usage_record&, cpa::call_context& ctx) {
        ctx.log(cpa::log_level::info, "usage", {});
    }

    cpa::command_line_register_response
    register_command_line(const cpa::command_line_register_request&) {
        return {};
    }
    cpa::command_line_execute_response
    execute_command_line(const cpa::command_line_execute_request&) {
        return {};
    }

    cpa::management_register_response register_management(const cpa::management_register_request&) {
        return {};
    }
    cpa::management_response handle_management(const cpa::management_request&) { return {}; }
};

} // namespace

CPA_PLUGIN(fuzz_plugin)

namespace {

// The host side: every callback succeeds with an empty result.
int fake_host_call(void*, const char*, const std::uint8_t*, std::size_t, cliproxy_buffer* out) {
    static constexpr std::string_view ok = R"({"ok":true,"result":{}})";
    void* p = std::malloc(ok.size());
    if (p == nullptr) {
        return 1;
    }
    std::memcpy(p, ok.data(), ok.size());
    *out = {p, ok.size()};
    return 0;
}

void fake_host_free(void* p, std::size_t) {
    std::free(p);
}

constexpr std::array<const char*, 38> method_names{
    CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE,
    CLIPROXY_METHOD_MODEL_REGISTER,
    CLIPROXY_METHOD_MODEL_STATIC,
    CLIPROXY_METHOD_MODEL_FOR_AUTH,
    CLIPROXY_METHOD_AUTH_IDENTIFIER,
    CLIPROXY_METHOD_AUTH_PARSE,
    CLIPROXY_METHOD_AUTH_LOGIN_START,
    CLIPROXY_METHOD_AUTH_LOGIN_POLL,
    CLIPROXY_METHOD_AUTH_REFRESH,
    CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER,
    CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE,
    CLIPROXY_METHOD_SCHEDULER_PICK,
    CLIPROXY_METHOD_MODEL_ROUTE,
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER,
    CLIPROXY_METHOD_EXECUTOR_EXECUTE,
    CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
    CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS,
    CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST,
    CLIPROXY_METHOD_REQUEST_TRANSLATE,
    CLIPROXY_METHOD_REQUEST_NORMALIZE,
    CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE,
    CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER,
    CLIPROXY_METHOD_REQUEST_COMPLETE,
    CLIPROXY_METHOD_RESPONSE_TRANSLATE,
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE,
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER,
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER,
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK,
    CLIPROXY_METHOD_THINKING_IDENTIFIER,
    CLIPROXY_METHOD_THINKING_APPLY,
    CLIPROXY_METHOD_USAGE_HANDLE,
    CLIPROXY_METHOD_COMMAND_LINE_REGISTER,
    CLIPROXY_METHOD_COMMAND_LINE_EXECUTE,
    CLIPROXY_METHOD_MANAGEMENT_REGISTER,
    CLIPROXY_METHOD_MANAGEMENT_HANDLE,
    CLIPROXY_METHOD_PLUGIN_SHUTDOWN,
    "no.such.method",
};

struct call_result {
    int rc = 0;
    std::string answer;
};

call_result call_plugin(const cliproxy_plugin_api& api, const char* method, std::string_view body) {
    cliproxy_buffer out{nullptr, 0};
    const int rc =
        api.call(method, reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), &out);
    if (out.ptr == nullptr) {
        cpa_fuzz::violated("the plugin answered no buffer");
    }
    call_result r{rc, std::string(static_cast<const char*>(out.ptr), out.len)};
    api.free_buffer(out.ptr, out.len);
    return r;
}

const cliproxy_plugin_api& plugin() {
    static const cliproxy_plugin_api api = [] {
        static const cliproxy_host_api host{CLIPROXY_ABI_VERSION, nullptr, &fake_host_call,
                                            &fake_host_free};
        cliproxy_plugin_api a{};
        if (cliproxy_plugin_init(&host, &a) != 0) {
            cpa_fuzz::violated("cliproxy_plugin_init failed");
        }
        // "mode: safe\nmodels: [a, b]\n"
        const auto r = call_plugin(
            a, CLIPROXY_METHOD_PLUGIN_REGISTER,
            R"({"config_yaml":"bW9kZTogc2FmZQptb2RlbHM6IFthLCBiXQo=","schema_version":3})");
        if (r.rc != 0 || r.answer.find(R"("ok":true)") == std::string::npos) {
            cpa_fuzz::violated("plugin.register failed");
        }
        return a;
    }();
    return api;
}

} // namespace

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    const cliproxy_plugin_api& api = plugin();
    const auto in = cpa_fuzz::select(data, size, method_names.size());
    const auto r = call_plugin(api, method_names[in.index], in.text);
    // The host reads every answer through the same table; bytes that are not an envelope would
    // surface as "decode plugin envelope" errors.
    const auto read = cpa::interpret_reply(method_names[in.index], r.rc, r.answer);
    if (!read && std::string_view(read.error().what()).starts_with("decode plugin envelope")) {
        cpa_fuzz::violated("the plugin answered bytes that are not an envelope");
    }
    return 0;
}
