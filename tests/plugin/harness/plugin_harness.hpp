// A raw dlopen host for tests: loads one plugin library the way a CPA host does (RTLD_NOW |
// RTLD_LOCAL, `cliproxy_plugin_init`, ABI version 1), drives it through the C entry points and
// plays the host side of the callbacks with a thread-safe fake that records every call.
//
// Deliberately not the project's host library: nothing here goes through SDK code paths other than
// the plugin's own, so the tests see exactly the bytes a real host would see.
#ifndef CPA_TEST_PLUGIN_HARNESS_HPP
#define CPA_TEST_PLUGIN_HARNESS_HPP

#include <cpa/abi.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cpa_test {

/// One plugin -> host callback, as the plugin sent it.
struct recorded_call {
    std::string method;
    std::string request;
};

class plugin_harness {
public:
    /// What the plugin answered: the return code of `call` and the response bytes.
    struct reply {
        int rc = 0;
        std::string json;
    };

    /// Loads and initialises the plugin at `path`. Throws std::runtime_error naming the path and
    /// dlerror() (load, missing symbol) or the init return code / a bad function table.
    explicit plugin_harness(std::string path);
    ~plugin_harness();
    plugin_harness(const plugin_harness&) = delete;
    plugin_harness& operator=(const plugin_harness&) = delete;

    /// The plugin's `call`; `method` may be NULL. An empty `request` is passed as (NULL, 0). The
    /// response buffer is copied and released through the plugin's `free_buffer` whenever its
    /// pointer is not NULL. Throws std::logic_error after shutdown().
    reply call(const char* method, std::string_view request);

    /// `plugin.register` / `plugin.reconfigure` with {"config_yaml": base64(yaml),
    /// "schema_version": n}.
    reply register_plugin(std::string_view yaml, std::uint32_t schema_version = 3);
    reply reconfigure(std::string_view yaml, std::uint32_t schema_version = 3);

    /// The plugin's shutdown (when it has one), then dlclose. Idempotent; the destructor calls it.
    void shutdown();

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    /// Every host callback so far, in arrival order.
    [[nodiscard]] std::vector<recorded_call> host_calls() const;
    void clear_host_calls();
    /// Host callbacks of one method, in arrival order.
    [[nodiscard]] std::vector<recorded_call> host_calls(std::string_view method) const;

    /// The `result` the fake host answers to `method` (default `{}`), computed from the request
    /// JSON. The function runs without the harness lock held, possibly on plugin threads; when it
    /// throws, the host answers `host_call_failed` with the exception's message.
    void answer_host_method(std::string method,
                            std::function<std::string(std::string_view request_json)> result_json);

    /// Polls `predicate` (woken by every host callback) until it holds or `timeout` passed.
    bool wait_for(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

    /// Decoded payloads of the `host.stream.emit` calls for `stream_id`, in order.
    [[nodiscard]] std::vector<std::string> emitted(std::string_view stream_id) const;
    /// Whether `host.stream.close` arrived for `stream_id`, and its error ("" when none).
    [[nodiscard]] bool closed(std::string_view stream_id) const;
    [[nodiscard]] std::string close_error(std::string_view stream_id) const;

    /// Host answer buffers handed to any plugin and not yet released through the host's
    /// `free_buffer`, process-wide.
    [[nodiscard]] static std::size_t outstanding_host_buffers() noexcept;

private:
    static int host_call(void* host_ctx, const char* method, const std::uint8_t* request,
                         std::size_t request_len, cliproxy_buffer* response);
    static void host_free(void* ptr, std::size_t len);
    int on_host_call(const char* method, std::string_view request, cliproxy_buffer* response);

    struct stream_record {
        std::vector<std::string> payloads;
        bool closed = false;
        std::string error;
    };

    std::string path_;
    void* handle_ = nullptr;
    cliproxy_host_api host_{};     // the plugin may keep a pointer to it until shutdown
    cliproxy_plugin_api plugin_{}; // the plugin's function table
    std::mutex lifecycle_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t generation_ = 0; // bumped by every host callback
    std::vector<recorded_call> calls_;
    std::map<std::string, stream_record, std::less<>> streams_;
    std::map<std::string, std::function<std::string(std::string_view)>, std::less<>> answers_;
};

/// `<directory of the sample plugins>/<name>.so`.
std::string sample_path(std::string_view name);

/// Padded standard base64 and back (unb64 throws std::invalid_argument on bad input).
std::string b64(std::string_view raw);
std::string unb64(std::string_view text);

} // namespace cpa_test

#endif // CPA_TEST_PLUGIN_HARNESS_HPP
