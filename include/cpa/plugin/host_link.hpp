// The host's services as a plugin reaches them: each one is a host callback over the C ABI
// (`cliproxy_host_api::call`), with the request encoded, the answer read through the shared
// decision table, and the host's buffer released with the host's `free_buffer`.
#ifndef CPA_PLUGIN_HOST_LINK_HPP
#define CPA_PLUGIN_HOST_LINK_HPP

#include <cpa/abi.h>
#include <cpa/api.hpp>
#include <cpa/context.hpp>
#include <cpa/error.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace cpa::detail {

class host_link final : public host_services {
public:
    explicit host_link(const cliproxy_host_api& api) noexcept : api_(api) {}

    /// After the plugin's shutdown the host API is gone: every later call fails locally.
    void close() noexcept { open_.store(false, std::memory_order_release); }

    void log(const host_log_request& r) override { call<empty_message>(CLIPROXY_HOST_LOG, r); }
    http_response http_do(const host_http_request& r) override {
        return call<http_response>(CLIPROXY_HOST_HTTP_DO, r);
    }
    host_stream_response http_do_stream(const host_http_request& r) override {
        return call<host_stream_response>(CLIPROXY_HOST_HTTP_DO_STREAM, r);
    }
    host_http_stream_chunk http_stream_read(const host_stream_request& r) override {
        return call<host_http_stream_chunk>(CLIPROXY_HOST_HTTP_STREAM_READ, r);
    }
    void http_stream_close(const host_stream_request& r) override {
        call<empty_message>(CLIPROXY_HOST_HTTP_STREAM_CLOSE, r);
    }
    host_model_response model_execute(const host_model_request& r) override {
        return call<host_model_response>(CLIPROXY_HOST_MODEL_EXECUTE, r);
    }
    host_stream_response model_execute_stream(const host_model_request& r) override {
        return call<host_stream_response>(CLIPROXY_HOST_MODEL_EXECUTE_STREAM, r);
    }
    host_model_stream_chunk model_stream_read(const host_stream_request& r) override {
        return call<host_model_stream_chunk>(CLIPROXY_HOST_MODEL_STREAM_READ, r);
    }
    void model_stream_close(const host_stream_request& r) override {
        call<empty_message>(CLIPROXY_HOST_MODEL_STREAM_CLOSE, r);
    }
    void stream_emit(const host_stream_emit_request& r) override {
        call<empty_message>(CLIPROXY_HOST_STREAM_EMIT, r);
    }
    void stream_close(const host_stream_close_request& r) override {
        call<empty_message>(CLIPROXY_HOST_STREAM_CLOSE, r);
    }
    host_auth_list_response auth_list() override {
        return call<host_auth_list_response>(CLIPROXY_HOST_AUTH_LIST, empty_message{});
    }
    host_auth_get_response auth_get(const host_auth_index_request& r) override {
        return call<host_auth_get_response>(CLIPROXY_HOST_AUTH_GET, r);
    }
    host_auth_get_runtime_response auth_get_runtime(const host_auth_index_request& r) override {
        return call<host_auth_get_runtime_response>(CLIPROXY_HOST_AUTH_GET_RUNTIME, r);
    }
    host_auth_save_response auth_save(const host_auth_save_request& r) override {
        return call<host_auth_save_response>(CLIPROXY_HOST_AUTH_SAVE, r);
    }

private:
    template <class Resp, class Req>
    Resp call(const char* method, const Req& request) {
        if (!open_.load(std::memory_order_acquire)) {
            throw host_error(std::string(method) +
                             ": the host API is closed (the plugin was shut down)");
        }
        std::string body;
        to_json(request, body);
        cliproxy_buffer answer{nullptr, 0};
        const int rc =
            api_.call(api_.host_ctx, method, reinterpret_cast<const std::uint8_t*>(body.data()),
                      body.size(), &answer);
        std::string text;
        if (answer.ptr != nullptr) {
            text.assign(static_cast<const char*>(answer.ptr), answer.len);
            api_.free_buffer(answer.ptr, answer.len); // host memory goes back to the host
        }
        auto reply = decode_reply<Resp>(method, rc, text, "host");
        if (!reply) {
            throw host_error(std::string(method) + ": " + reply.error().what());
        }
        return std::move(*reply);
    }

    cliproxy_host_api api_;
    std::atomic<bool> open_{true};
};

} // namespace cpa::detail

#endif // CPA_PLUGIN_HOST_LINK_HPP
