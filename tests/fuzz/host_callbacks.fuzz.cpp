// Fuzz target host_callbacks: the host reading every host callback a plugin sends. A plugin
// host loads a small raw-C plugin library (callback_probe.c) through the real loader; the
// library hands out the `cliproxy_host_api` it was given, and the fuzzer calls the host's
// callback entry point with it as the plugin would. The host program's HTTP transport, model
// executor and credential store are fakes that answer at once, so requests that decode reach
// the host's checks and the fakes.
//
// An input is up to 8 calls separated by NUL bytes; each is a selector byte (the method among
// the 15 host callbacks, an unknown method, a NULL method or an empty request) and the request.
// In a request, `$C` stands for the ID of a callback scope open during the input, and `$S` for
// the last stream ID the host answered (`1` before any). Streams still open at the end are
// closed.
//
// Checked: every call answers a buffer the plugin's decision table reads as an envelope.
#include "fuzz_entry.hpp"

#include <cpa/host.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef CPA_FUZZ_PROBE_LIBRARY
#error "CPA_FUZZ_PROBE_LIBRARY must name the callback_probe plugin library"
#endif

namespace {

namespace host = cpa::host;

class list_stream final : public host::byte_stream {
public:
    explicit list_stream(std::deque<chunk> chunks) : chunks_(std::move(chunks)) {}
    std::optional<chunk> next() override {
        if (chunks_.empty()) {
            return std::nullopt;
        }
        chunk c = std::move(chunks_.front());
        chunks_.pop_front();
        return c;
    }
    void cancel() noexcept override { chunks_.clear(); }

private:
    std::deque<chunk> chunks_;
};

std::unique_ptr<host::byte_stream> stream_of(const cpa::bytes& body) {
    std::deque<host::byte_stream::chunk> chunks;
    chunks.push_back({body, {}});
    if (body.size() % 2 == 1) {
        chunks.push_back({{}, "odd body"}); // a terminal error, sometimes
    } else {
        chunks.push_back({cpa::bytes("tail"), {}});
    }
    return std::make_unique<list_stream>(std::move(chunks));
}

class fake_transport final : public host::http_transport {
public:
    cpa::http_response execute(const cpa::host_http_request_spec& r,
                               const host::callback_origin&) override {
        if (r.method == "FAIL") {
            throw std::runtime_error("transport failure");
        }
        cpa::http_response out;
        out.status_code = 200;
        out.headers = r.headers;
        out.body = r.body;
        return out;
    }
    host::opened_stream open_stream(const cpa::host_http_request_spec& r,
                                    const host::callback_origin&) override {
        host::opened_stream out;
        out.headers = r.headers;
        out.body = stream_of(r.body);
        return out;
    }
};

class fake_executor final : public host::model_executor {
public:
    cpa::host_model_response execute(const cpa::host_model_request& r,
                                     const host::callback_origin&) override {
        if (r.model == "fail") {
            throw std::runtime_error("model failure");
        }
        cpa::host_model_response out;
        out.status_code = 200;
        out.headers = r.headers;
        out.body = r.body;
        return out;
    }
    host::opened_stream execute_stream(const cpa::host_model_request& r,
                                       const host::callback_origin&) override {
        host::opened_stream out;
        out.headers = r.query;
        out.body = stream_of(r.body);
        return out;
    }
};

class fake_auths final : public host::auth_store {
public:
    cpa::host_auth_list_response list() override {
        cpa::host_auth_list_response out;
        out.files.resize(2);
        out.files[0].name = "b.json";
        out.files[1].name = "A.json";
        return out;
    }
    cpa::host_auth_get_response get(std::string_view index) override {
        if (index == "missing") {
            throw std::runtime_error("no such credential");
        }
        cpa::host_auth_get_response out;
        out.auth_index = std::string(index);
        out.name = "a.json";
        return out;
    }
    cpa::host_auth_get_runtime_response get_runtime(std::string_view index) override {
        cpa::host_auth_get_runtime_response out;
        out.auth.name = std::string(index);
        return out;
    }
    cpa::host_auth_save_response save(std::string_view name, const cpa::json_object&) override {
        cpa::host_auth_save_response out;
        out.name = std::string(name);
        out.path = "/auths/" + out.name;
        return out;
    }
};

constexpr std::string_view plugin_id = "fuzz-callbacks";

struct fixture {
    std::filesystem::path root;
    std::unique_ptr<host::plugin_host> plugins;
    const cliproxy_host_api* api = nullptr;

    fixture() {
        root = std::filesystem::temp_directory_path() /
               ("cpa-fuzz-callbacks-" + std::to_string(::getpid()));
        std::filesystem::create_directories(root / "plugins" / "linux" / "amd64");
        host::host_options options;
        options.os = "linux";
        options.arch = "amd64";
        options.delete_stale_files = false;
        options.log = [](const host::log_event&) {};
        plugins = std::make_unique<host::plugin_host>(std::move(options));
        plugins->set_http_transport(std::make_shared<fake_transport>());
        plugins->set_model_executor(std::make_shared<fake_executor>());
        plugins->set_auth_store(std::make_shared<fake_auths>());
        plugins->add_in_process(
            std::string(plugin_id), [](std::shared_ptr<cpa::host_services> services) {
                auto opened = host::open_library(CPA_FUZZ_PROBE_LIBRARY, std::move(services));
                if (!opened) {
                    cpa_fuzz::violated(opened.failure.message.c_str());
                }
                return opened.client;
            });
        host::plugins_config config;
        config.enabled = true;
        config.dir = (root / "plugins").string();
        config.configs[std::string(plugin_id)] = {std::string(plugin_id), true, 0, {}, {}, {}};
        const auto report = plugins->apply_config(config);
        if (!report.errors.empty() || !plugins->plugin_registered(plugin_id)) {
            cpa_fuzz::violated("the callback probe plugin did not register");
        }
        void* lib = ::dlopen(CPA_FUZZ_PROBE_LIBRARY, RTLD_NOW | RTLD_NOLOAD);
        if (lib == nullptr) {
            cpa_fuzz::violated("the callback probe plugin is not loaded");
        }
        using get_fn = const cliproxy_host_api* (*)();
        const auto get = reinterpret_cast<get_fn>(::dlsym(lib, "cpa_fuzz_host_api"));
        api = get != nullptr ? get() : nullptr;
        ::dlclose(lib); // the host keeps its own reference
        if (api == nullptr) {
            cpa_fuzz::violated("the callback probe plugin has no host API");
        }
    }
    ~fixture() {
        plugins.reset();
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
    fixture(const fixture&) = delete;
    fixture& operator=(const fixture&) = delete;
};

fixture& the_fixture() {
    static fixture f;
    return f;
}

constexpr std::array<const char*, 16> method_names{
    CLIPROXY_HOST_LOG,
    CLIPROXY_HOST_HTTP_DO,
    CLIPROXY_HOST_HTTP_DO_STREAM,
    CLIPROXY_HOST_HTTP_STREAM_READ,
    CLIPROXY_HOST_HTTP_STREAM_CLOSE,
    CLIPROXY_HOST_MODEL_EXECUTE,
    CLIPROXY_HOST_MODEL_EXECUTE_STREAM,
    CLIPROXY_HOST_MODEL_STREAM_READ,
    CLIPROXY_HOST_MODEL_STREAM_CLOSE,
    CLIPROXY_HOST_STREAM_EMIT,
    CLIPROXY_HOST_STREAM_CLOSE,
    CLIPROXY_HOST_AUTH_LIST,
    CLIPROXY_HOST_AUTH_GET,
    CLIPROXY_HOST_AUTH_GET_RUNTIME,
    CLIPROXY_HOST_AUTH_SAVE,
    "host.no_such_method",
};
// Selector values past the table: a NULL method, and a NULL request.
constexpr std::size_t null_method = method_names.size();
constexpr std::size_t null_request = method_names.size() + 1;

std::string substitute(std::string_view text, const std::string& scope_id,
                       const std::string& stream_id) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == 'C' || text[i + 1] == 'S')) {
            out += text[i + 1] == 'C' ? scope_id : stream_id;
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string stream_id_in(std::string_view answer) {
    constexpr std::string_view key = R"("stream_id":")";
    const auto at = answer.find(key);
    if (at == std::string_view::npos) {
        return {};
    }
    const auto begin = at + key.size();
    const auto end = answer.find('"', begin);
    return end == std::string_view::npos ? std::string()
                                         : std::string(answer.substr(begin, end - begin));
}

std::string call_host(const cliproxy_host_api& api, const char* method, const char* request,
                      std::size_t request_len) {
    cliproxy_buffer out{nullptr, 0};
    const int rc = api.call(api.host_ctx, method, reinterpret_cast<const std::uint8_t*>(request),
                            request_len, &out);
    std::string answer;
    if (out.ptr != nullptr) {
        answer.assign(static_cast<const char*>(out.ptr), out.len);
        api.free_buffer(out.ptr, out.len);
    }
    if (method == nullptr) {
        if (rc == 0 || out.ptr != nullptr) {
            cpa_fuzz::violated("a NULL method was answered");
        }
        return answer;
    }
    if (out.ptr == nullptr) {
        cpa_fuzz::violated("a host callback answered no buffer");
    }
    const auto read = cpa::interpret_reply(method, rc, answer, {}, "host");
    if (!read && std::string_view(read.error().what()).starts_with("decode host envelope")) {
        cpa_fuzz::violated("a host callback answered bytes that are not an envelope");
    }
    return answer;
}

} // namespace

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    fixture& f = the_fixture();
    const auto scope =
        f.plugins->open_callback_scope(plugin_id, "fuzz-request", {{"X-Fuzz", {"1"}}}, {});
    std::string stream_id = "1";
    std::vector<std::string> opened;

    std::string_view rest(reinterpret_cast<const char*>(data), size);
    for (int calls = 0; calls < 8 && !rest.empty(); ++calls) {
        const auto cut = rest.find('\0');
        const std::string_view segment = rest.substr(0, cut);
        rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
        const auto in = cpa_fuzz::select(reinterpret_cast<const std::uint8_t*>(segment.data()),
                                         segment.size(), method_names.size() + 2);
        if (segment.empty()) {
            continue;
        }
        const std::string body = substitute(in.text, scope.id(), stream_id);
        std::string answer;
        if (in.index == null_method) {
            answer = call_host(*f.api, nullptr, body.data(), body.size());
        } else if (in.index == null_request) {
            answer = call_host(*f.api, method_names[in.flags % 12U], nullptr, 0);
        } else {
            answer = call_host(*f.api, method_names[in.index], body.data(), body.size());
        }
        if (auto id = stream_id_in(answer); !id.empty()) {
            stream_id = id;
            opened.push_back(std::move(id));
        }
    }
    for (const auto& id : opened) {
        const std::string close = R"({"stream_id":")" + id + "\"}";
        (void)call_host(*f.api, CLIPROXY_HOST_HTTP_STREAM_CLOSE, close.data(), close.size());
        (void)call_host(*f.api, CLIPROXY_HOST_MODEL_STREAM_CLOSE, close.data(), close.size());
    }
    return 0;
}
