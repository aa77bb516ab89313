// The shared-library transport: Boost.DLL loading, the init handshake, JSON calls over the C ABI
// and the C entry point of the plugin's host callbacks.
#include <cpa/host/library.hpp>

#include <cpa/abi.h>
#include <cpa/error.hpp>

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <unordered_map>

namespace cpa::host {
namespace {

// ---------------------------------------------------------------------------------------------
// host_ctx: the plugin gets an opaque number, not a pointer, so a stale or forged host_ctx can
// only miss in this table (return code 1), never reach freed memory. The numbers are random
// 64-bit values, not a sequence: a plugin cannot guess the context of a plugin loaded beside it
// and make calls in its name.

std::uint64_t seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
}

class callback_registry {
public:
    std::uint64_t add(std::shared_ptr<host_services> services) {
        std::unique_lock lock(mutex_);
        std::uint64_t id = 0;
        do {
            id = random_();
        } while (id == 0 || entries_.contains(id));
        entries_.emplace(id, std::move(services));
        return id;
    }
    void remove(std::uint64_t id) {
        std::shared_ptr<host_services> gone; // released outside the lock
        std::unique_lock lock(mutex_);
        if (auto it = entries_.find(id); it != entries_.end()) {
            gone = std::move(it->second);
            entries_.erase(it);
        }
    }
    std::shared_ptr<host_services> find(std::uint64_t id) const {
        std::shared_lock lock(mutex_);
        const auto it = entries_.find(id);
        return it == entries_.end() ? nullptr : it->second;
    }

private:
    mutable std::shared_mutex mutex_;
    std::mt19937_64 random_{seed()};
    std::unordered_map<std::uint64_t, std::shared_ptr<host_services>> entries_;
};

callback_registry& registry() {
    static callback_registry r; // outlives every client: clients are shut down before exit
    return r;
}

int give(cliproxy_buffer* out, const std::string& text) {
    void* p = std::malloc(text.empty() ? 1 : text.size());
    if (p == nullptr) {
        return 1;
    }
    std::memcpy(p, text.data(), text.size());
    *out = {p, text.size()};
    return 0;
}

template <class Req, class Resp, class F>
void serve(std::string_view method, std::string_view body, std::string& out, F&& f) {
    auto request = try_from_json<Req>(body.empty() ? std::string_view("{}") : body);
    if (!request) {
        throw host_error(std::string(method) + ": " + request.error().what());
    }
    if constexpr (std::is_void_v<Resp>) {
        f(*request);
        encode_success(empty_message{}, out);
    } else {
        encode_success(static_cast<Resp>(f(*request)), out);
    }
}

void dispatch_host_call(host_services& s, std::string_view m, std::string_view body,
                        std::string& out) {
    namespace hm = host_methods;
    if (m == hm::log) {
        serve<host_log_request, void>(m, body, out, [&](const auto& r) { s.log(r); });
    } else if (m == hm::http_do) {
        serve<host_http_request, http_response>(m, body, out,
                                                [&](const auto& r) { return s.http_do(r); });
    } else if (m == hm::http_do_stream) {
        serve<host_http_request, host_stream_response>(
            m, body, out, [&](const auto& r) { return s.http_do_stream(r); });
    } else if (m == hm::http_stream_read) {
        serve<host_stream_request, host_http_stream_chunk>(
            m, body, out, [&](const auto& r) { return s.http_stream_read(r); });
    } else if (m == hm::http_stream_close) {
        serve<host_stream_request, void>(m, body, out,
                                         [&](const auto& r) { s.http_stream_close(r); });
    } else if (m == hm::model_execute) {
        serve<host_model_request, host_model_response>(
            m, body, out, [&](const auto& r) { return s.model_execute(r); });
    } else if (m == hm::model_execute_stream) {
        serve<host_model_request, host_stream_response>(
            m, body, out, [&](const auto& r) { return s.model_execute_stream(r); });
    } else if (m == hm::model_stream_read) {
        serve<host_stream_request, host_model_stream_chunk>(
            m, body, out, [&](const auto& r) { return s.model_stream_read(r); });
    } else if (m == hm::model_stream_close) {
        serve<host_stream_request, void>(m, body, out,
                                         [&](const auto& r) { s.model_stream_close(r); });
    } else if (m == hm::stream_emit) {
        serve<host_stream_emit_request, void>(m, body, out,
                                              [&](const auto& r) { s.stream_emit(r); });
    } else if (m == hm::stream_close) {
        serve<host_stream_close_request, void>(m, body, out,
                                               [&](const auto& r) { s.stream_close(r); });
    } else if (m == hm::auth_list) {
        serve<empty_message, host_auth_list_response>(m, body, out,
                                                      [&](const auto&) { return s.auth_list(); });
    } else if (m == hm::auth_get) {
        serve<host_auth_index_request, host_auth_get_response>(
            m, body, out, [&](const auto& r) { return s.auth_get(r); });
    } else if (m == hm::auth_get_runtime) {
        serve<host_auth_index_request, host_auth_get_runtime_response>(
            m, body, out, [&](const auto& r) { return s.auth_get_runtime(r); });
    } else if (m == hm::auth_save) {
        serve<host_auth_save_request, host_auth_save_response>(
            m, body, out, [&](const auto& r) { return s.auth_save(r); });
    } else {
        throw host_error("unsupported host callback " + std::string(m));
    }
}

int host_call(void* host_ctx, const char* method, const std::uint8_t* request,
              std::size_t request_len, cliproxy_buffer* response) noexcept {
    if (response == nullptr) {
        return 1;
    }
    *response = {nullptr, 0};
    if (host_ctx == nullptr || method == nullptr) {
        return 1;
    }
    try {
        const auto services = registry().find(reinterpret_cast<std::uintptr_t>(host_ctx));
        if (!services) {
            return 1; // the plugin was shut down, or the context was never ours
        }
        const std::string_view body(reinterpret_cast<const char*>(request),
                                    request == nullptr ? 0 : request_len);
        std::string out;
        try {
            dispatch_host_call(*services, method, body, out);
        } catch (const std::exception& e) {
            out.clear();
            encode_failure({std::string(error_codes::host_call_failed), e.what(), false, 0}, out);
        }
        return give(response, out);
    } catch (...) {
        return 1;
    }
}

void host_free(void* ptr, std::size_t) noexcept {
    std::free(ptr);
}

// ---------------------------------------------------------------------------------------------

class library_client final : public plugin_client {
public:
    library_client(boost::dll::shared_library library, std::uint64_t context,
                   std::unique_ptr<cliproxy_host_api> host_api, cliproxy_plugin_api api)
        : library_(std::move(library)), context_(context), host_api_(std::move(host_api)),
          api_(api) {}

    ~library_client() override { shutdown(); }

    void call(method_id, std::string_view name, const method_codec& codec, const void* request,
              void* response) override {
        std::string body;
        codec.encode(request, body);
        const std::string method(name);
        cliproxy_buffer answer{nullptr, 0};
        const int rc = api_.call(method.c_str(), reinterpret_cast<const std::uint8_t*>(body.data()),
                                 body.size(), &answer);
        if (answer.ptr == nullptr && answer.len != 0) {
            // A length without data: say so, rather than "unexpected end of JSON input".
            throw call_error("plugin call " + method + " returned " + std::to_string(rc) +
                             " with a NULL buffer of length " + std::to_string(answer.len));
        }
        std::string text;
        if (answer.ptr != nullptr) {
            text.assign(static_cast<const char*>(answer.ptr), answer.len);
            api_.free_buffer(answer.ptr, answer.len);
        }
        codec.decode(name, rc, text, response);
    }

    void shutdown() noexcept override {
        if (down_.exchange(true)) {
            return;
        }
        if (api_.shutdown != nullptr) {
            api_.shutdown();
        }
        registry().remove(context_);
    }

private:
    boost::dll::shared_library library_; // destroyed last: dlclose after everything else
    std::uint64_t context_;
    std::unique_ptr<cliproxy_host_api> host_api_; // kept until the library is closed
    cliproxy_plugin_api api_;
    std::atomic<bool> down_{false};
};

} // namespace

load_result open_library(const std::filesystem::path& path,
                         std::shared_ptr<host_services> services) {
    const auto fail = [&](const std::string& what) {
        return load_result{nullptr, {"load " + path.string() + ": " + what}};
    };
    boost::dll::shared_library library;
    boost::dll::fs::error_code ec;
    ::dlerror(); // clear any earlier error so that the one read below is this load's
    library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !library.is_loaded()) {
        const char* why = ::dlerror();
        return fail(why != nullptr ? why : ec.message());
    }
    if (!library.has(CLIPROXY_PLUGIN_INIT_SYMBOL)) {
        const char* why = ::dlerror();
        return fail(std::string("symbol " CLIPROXY_PLUGIN_INIT_SYMBOL " not found") +
                    (why != nullptr ? std::string(": ") + why : std::string()));
    }
    auto& init = library.get<int(const cliproxy_host_api*, cliproxy_plugin_api*)>(
        CLIPROXY_PLUGIN_INIT_SYMBOL);

    const std::uint64_t context = registry().add(std::move(services));
    auto host_api = std::make_unique<cliproxy_host_api>();
    host_api->abi_version = CLIPROXY_ABI_VERSION;
    host_api->host_ctx = reinterpret_cast<void*>(static_cast<std::uintptr_t>(context));
    host_api->call = &host_call;
    host_api->free_buffer = &host_free;

    cliproxy_plugin_api api{};
    const int rc = init(host_api.get(), &api);
    std::string problem;
    if (rc != 0) {
        problem = CLIPROXY_PLUGIN_INIT_SYMBOL " returned " + std::to_string(rc);
    } else if (api.abi_version != CLIPROXY_ABI_VERSION) {
        problem = "plugin ABI version " + std::to_string(api.abi_version) + " is not supported";
    } else if (api.call == nullptr || api.free_buffer == nullptr) {
        problem = "plugin function table is incomplete";
    }
    if (!problem.empty()) {
        if (api.shutdown != nullptr) {
            api.shutdown();
        }
        registry().remove(context);
        return fail(problem);
    }
    return {std::make_shared<library_client>(std::move(library), context, std::move(host_api), api),
            {}};
}

} // namespace cpa::host
