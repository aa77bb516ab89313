#include "plugin_harness.hpp"

#include <cpa/detail/base64.hpp>

#include <boost/json.hpp>

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <utility>

#ifndef CPA_SAMPLES_DIR
#error "CPA_SAMPLES_DIR must name the directory of the sample plugins"
#endif

namespace cpa_test {

namespace {

// Every live harness, so that a host_ctx the fake host did not hand out answers rc 1 instead of
// crashing. Host callbacks hold the lock shared for their whole duration; a harness leaves the set
// (exclusively) only in its destructor, so no callback can outlive the harness it runs on.
std::shared_mutex registry_mutex;
std::set<const void*> registry;

std::atomic<std::size_t> host_buffers{0};

std::string last_dl_error() {
    const char* e = dlerror();
    return e != nullptr ? e : "unknown dl error";
}

// A malloc'd copy of `text` as a host answer buffer.
int give(cliproxy_buffer* response, const std::string& text) {
    void* p = std::malloc(text.empty() ? 1 : text.size());
    if (p == nullptr) {
        return 1;
    }
    std::memcpy(p, text.data(), text.size());
    *response = {p, text.size()};
    host_buffers.fetch_add(1, std::memory_order_relaxed);
    return 0;
}

std::string failure(std::string_view message) {
    return boost::json::serialize(boost::json::object{
        {"ok", false},
        {"error", boost::json::object{{"code", "host_call_failed"}, {"message", message}}}});
}

std::string register_body(std::string_view yaml, std::uint32_t schema_version) {
    return "{\"config_yaml\":\"" + b64(yaml) +
           "\",\"schema_version\":" + std::to_string(schema_version) + "}";
}

} // namespace

plugin_harness::plugin_harness(std::string path) : path_(std::move(path)) {
    host_ = {CLIPROXY_ABI_VERSION, this, &host_call, &host_free};
    dlerror();
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        throw std::runtime_error("plugin_harness: cannot load " + path_ + ": " + last_dl_error());
    }
    void* symbol = dlsym(handle_, CLIPROXY_PLUGIN_INIT_SYMBOL);
    if (symbol == nullptr) {
        const std::string why = last_dl_error();
        dlclose(handle_);
        throw std::runtime_error("plugin_harness: " + path_ + " has no " +
                                 CLIPROXY_PLUGIN_INIT_SYMBOL + ": " + why);
    }
    cliproxy_plugin_init_fn init = nullptr;
    static_assert(sizeof(init) == sizeof(symbol));
    std::memcpy(&init, &symbol, sizeof(init)); // object pointer -> function pointer, as dlsym needs
    {
        std::unique_lock lock(registry_mutex);
        registry.insert(this);
    }
    const auto fail = [&](const std::string& why) {
        {
            std::unique_lock lock(registry_mutex);
            registry.erase(this);
        }
        dlclose(handle_);
        handle_ = nullptr;
        throw std::runtime_error("plugin_harness: " + path_ + ": " + why);
    };
    plugin_ = {};
    const int rc = init(&host_, &plugin_);
    if (rc != 0) {
        fail(std::string(CLIPROXY_PLUGIN_INIT_SYMBOL) + " returned " + std::to_string(rc));
    }
    if (plugin_.abi_version != CLIPROXY_ABI_VERSION || plugin_.call == nullptr ||
        plugin_.free_buffer == nullptr) {
        if (plugin_.shutdown != nullptr) {
            plugin_.shutdown();
        }
        fail("init filled an invalid function table (abi_version " +
             std::to_string(plugin_.abi_version) + ")");
    }
}

plugin_harness::~plugin_harness() {
    shutdown();
    std::unique_lock lock(registry_mutex);
    registry.erase(this);
}

plugin_harness::reply plugin_harness::call(const char* method, std::string_view request) {
    if (handle_ == nullptr) {
        throw std::logic_error("plugin_harness: call after shutdown of " + path_);
    }
    cliproxy_buffer response{nullptr, 0};
    const auto* bytes =
        request.empty() ? nullptr : reinterpret_cast<const std::uint8_t*>(request.data());
    reply r;
    r.rc = plugin_.call(method, bytes, request.size(), &response);
    if (response.ptr != nullptr) {
        r.json.assign(static_cast<const char*>(response.ptr), response.len);
        plugin_.free_buffer(response.ptr, response.len);
    }
    return r;
}

plugin_harness::reply plugin_harness::register_plugin(std::string_view yaml,
                                                      std::uint32_t schema_version) {
    return call(CLIPROXY_METHOD_PLUGIN_REGISTER, register_body(yaml, schema_version));
}

plugin_harness::reply plugin_harness::reconfigure(std::string_view yaml,
                                                  std::uint32_t schema_version) {
    return call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, register_body(yaml, schema_version));
}

void plugin_harness::shutdown() {
    std::lock_guard lock(lifecycle_);
    if (handle_ == nullptr) {
        return;
    }
    if (plugin_.shutdown != nullptr) {
        plugin_.shutdown();
    }
    dlclose(handle_);
    handle_ = nullptr;
}

std::vector<recorded_call> plugin_harness::host_calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

std::vector<recorded_call> plugin_harness::host_calls(std::string_view method) const {
    std::lock_guard lock(mutex_);
    std::vector<recorded_call> out;
    for (const auto& c : calls_) {
        if (c.method == method) {
            out.push_back(c);
        }
    }
    return out;
}

void plugin_harness::clear_host_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
    streams_.clear();
}

void plugin_harness::answer_host_method(
    std::string method, std::function<std::string(std::string_view request_json)> result_json) {
    std::lock_guard lock(mutex_);
    answers_[std::move(method)] = std::move(result_json);
}

bool plugin_harness::wait_for(const std::function<bool()>& predicate,
                              std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::uint64_t seen = 0;
        {
            std::lock_guard lock(mutex_);
            seen = generation_;
        }
        if (predicate()) {
            return true;
        }
        std::unique_lock lock(mutex_);
        if (!changed_.wait_until(lock, deadline, [&] { return generation_ != seen; })) {
            lock.unlock();
            return predicate();
        }
    }
}

std::vector<std::string> plugin_harness::emitted(std::string_view stream_id) const {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(stream_id);
    return it == streams_.end() ? std::vector<std::string>{} : it->second.payloads;
}

bool plugin_harness::closed(std::string_view stream_id) const {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(stream_id);
    return it != streams_.end() && it->second.closed;
}

std::string plugin_harness::close_error(std::string_view stream_id) const {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(stream_id);
    return it == streams_.end() ? std::string{} : it->second.error;
}

std::size_t plugin_harness::outstanding_host_buffers() noexcept {
    return host_buffers.load(std::memory_order_relaxed);
}

int plugin_harness::host_call(void* host_ctx, const char* method, const std::uint8_t* request,
                              std::size_t request_len, cliproxy_buffer* response) {
    if (response == nullptr) {
        return 1;
    }
    *response = {nullptr, 0};
    std::shared_lock lock(registry_mutex);
    if (host_ctx == nullptr || registry.count(host_ctx) == 0) {
        give(response, failure("unknown host_ctx"));
        return 1;
    }
    if (method == nullptr) {
        give(response, failure("method is NULL"));
        return 1;
    }
    const std::string_view body =
        request_len == 0 ? std::string_view{}
                         : std::string_view(reinterpret_cast<const char*>(request), request_len);
    return static_cast<plugin_harness*>(host_ctx)->on_host_call(method, body, response);
}

void plugin_harness::host_free(void* ptr, std::size_t) {
    if (ptr != nullptr) {
        host_buffers.fetch_sub(1, std::memory_order_relaxed);
        std::free(ptr);
    }
}

int plugin_harness::on_host_call(const char* method, std::string_view request,
                                 cliproxy_buffer* response) {
    const std::string_view name(method);
    std::function<std::string(std::string_view)> answer;
    std::string problem;
    {
        std::lock_guard lock(mutex_);
        calls_.push_back({std::string(name), std::string(request)});
        if (name == CLIPROXY_HOST_STREAM_EMIT || name == CLIPROXY_HOST_STREAM_CLOSE) {
            try {
                const auto doc = boost::json::parse(request);
                const auto& o = doc.as_object();
                const auto* id = o.if_contains("stream_id");
                const auto* payload = o.if_contains("payload");
                const auto* error = o.if_contains("error");
                auto& s = streams_[std::string(id != nullptr ? id->as_string() : "")];
                if (name == CLIPROXY_HOST_STREAM_EMIT) {
                    s.payloads.push_back(payload != nullptr ? unb64(payload->as_string()) : "");
                } else {
                    s.closed = true;
                    s.error = error != nullptr ? std::string(error->as_string()) : "";
                }
            } catch (const std::exception& e) {
                problem = std::string(name) + ": unreadable request: " + e.what();
            }
        }
        if (const auto it = answers_.find(name); it != answers_.end()) {
            answer = it->second;
        }
        ++generation_;
    }
    changed_.notify_all();
    if (!problem.empty()) {
        return give(response, failure(problem));
    }
    std::string result = "{}";
    if (answer) {
        try {
            result = answer(request);
        } catch (const std::exception& e) {
            return give(response, failure(e.what()));
        }
    }
    return give(response, "{\"ok\":true,\"result\":" + result + "}");
}

std::string sample_path(std::string_view name) {
    return std::string(CPA_SAMPLES_DIR) + "/" + std::string(name) + ".so";
}

std::string b64(std::string_view raw) {
    std::string out;
    cpa::detail::base64_encode_append(out, raw);
    return out;
}

std::string unb64(std::string_view text) {
    std::string out;
    cpa::detail::base64_error err;
    if (!cpa::detail::base64_decode_append(text, out, err)) {
        throw std::invalid_argument("invalid base64 at offset " + std::to_string(err.offset) +
                                    ": " + std::string(err.reason));
    }
    return out;
}

} // namespace cpa_test
