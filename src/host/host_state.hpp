// Private to the host library: the host's state, the host callbacks a plugin reaches, and small
// helpers shared by the host's source files.
#ifndef CPA_HOST_SRC_HOST_STATE_HPP
#define CPA_HOST_SRC_HOST_STATE_HPP

#include <cpa/detail/shared_snapshot.hpp>
#include <cpa/error.hpp>
#include <cpa/host/plugin_host.hpp>
#include <cpa/plugin/workers.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cpa::host {

inline std::string trimmed(std::string_view s) {
    return std::string(cpa::detail::trim_space(s));
}

inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

inline bool same_path(const std::filesystem::path& a, const std::filesystem::path& b) {
    return a.lexically_normal() == b.lexically_normal();
}

/// A binary semaphore whose wait can be abandoned through a stop token.
class apply_gate {
public:
    bool acquire(const std::stop_token& stop) {
        std::unique_lock lock(mutex_);
        if (!free_.wait(lock, stop, [&] { return !busy_; })) {
            return false;
        }
        busy_ = true;
        return true;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            busy_ = false;
        }
        free_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable_any free_;
    bool busy_ = false;
};

struct gate_hold {
    apply_gate& gate;
    ~gate_hold() { gate.release(); }
};

/// One executor stream between `executor.execute_stream` and its reader (host behaviour 6.5):
/// at most 16 buffered chunks; emits wait for room; close ends it after the buffer drains.
struct stream_channel {
    static constexpr std::size_t capacity = 16;
    std::string plugin_id;
    std::string stream_id;
    std::mutex mutex;
    std::condition_variable_any changed;
    std::deque<plugin_host::executor_stream_reader::chunk> buffer;
    bool closed = false;  ///< no more emits; the reader drains the buffer
    bool aborted = false; ///< the reader is gone; buffered chunks dropped
    /// The thread inside the plugin's `executor.execute_stream` call while that call runs. Nothing
    /// reads the buffer before the call returns, so an emit from this thread into a full buffer
    /// could only wait for ever: it fails instead (see `plugin_services::stream_emit`).
    std::thread::id calling_thread;

    /// Ends the stream (call with `mutex` held, then notify `changed`): later emits fail with
    /// "not open". A non-empty `error` becomes the last chunk, even on a full buffer, unless the
    /// stream had ended already or its reader is gone.
    void end_locked(std::string error) {
        if (!closed && !aborted && !error.empty()) {
            buffer.push_back({{}, std::move(error)});
        }
        closed = true;
    }
};

/// One open callback scope (wire contract 5.2): the call it belongs to, and what to close with it.
struct callback_scope_data {
    std::string plugin_id;
    std::string request_id;
    cpa::headers headers;
    cpa::headers query;
    std::vector<std::function<void()>> cleanups; // run once, when the scope closes
    int depth = 0; // the nested-execution depth the scope was opened at (max_model_nesting_depth)
};

/// A stream the host program produces for a plugin (`host.http.do_stream`,
/// `host.model.execute_stream`), addressed by the plugin's ID and the stream ID.
struct plugin_stream {
    std::unique_ptr<byte_stream> body;
    std::mutex read_mutex; // one reader at a time
};

struct plugin_host::state : std::enable_shared_from_this<plugin_host::state> {
    host_options options;
    apply_gate gate;

    mutable std::mutex mutex; // the maps below; never held while a plugin runs
    std::map<std::string, std::shared_ptr<plugin_handle>, std::less<>> loaded;
    std::map<std::string, std::vector<std::shared_ptr<plugin_handle>>, std::less<>> retired;
    std::map<std::string, std::shared_ptr<fuse_state>, std::less<>> fuses;
    std::map<std::string,
             std::function<std::shared_ptr<plugin_client>(std::shared_ptr<host_services>)>,
             std::less<>>
        in_process;
    std::vector<std::string> providers;
    bool cleaned_up = false;

    /// One asynchronous open + register. The apply that started it waits for it unless it is
    /// cancelled; then the loader cleans up after itself and releases the ID's token.
    struct load_job {
        std::string id;
        std::mutex mutex;
        std::condition_variable_any changed;
        bool finished = false;
        bool abandoned = false;
        std::shared_ptr<plugin_handle> handle; // null when the open failed
        std::string failure;
        std::optional<register_response> registration;
        std::string register_error; // ordinary failure of plugin.register
        std::string register_panic; // what escaped plugin.register
    };
    std::map<std::string, std::shared_ptr<load_job>, std::less<>> load_tokens;
    struct loader {
        std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
        std::jthread thread;
    };
    std::list<loader> loaders;

    /// Open executor streams, by plugin ID and stream ID.
    std::map<std::pair<std::string, std::string>, std::shared_ptr<stream_channel>> streams;
    std::uint64_t last_stream_id = 0;

    /// Streams plugins read through host callbacks, by plugin ID and stream ID.
    std::map<std::pair<std::string, std::string>, std::shared_ptr<plugin_stream>> model_streams;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<plugin_stream>> http_streams;

    /// What the host program supplies for the callbacks.
    std::shared_ptr<http_transport> transport;
    std::shared_ptr<model_executor> executor;
    std::shared_ptr<auth_store> auths;

    /// Asynchronous deliveries: lifecycle events (a task each) and usage records (one worker).
    cpa::detail::worker_set lifecycle_tasks;
    std::mutex usage_mutex;
    std::condition_variable_any usage_changed;
    std::deque<usage_record> usage_queue;
    bool usage_busy = false;
    std::jthread usage_worker;

    /// Callback scopes by ID (their own lock: scopes open and close on every call).
    std::mutex scopes_mutex;
    std::map<std::string, callback_scope_data, std::less<>> scopes;
    std::uint64_t last_callback_id = 0;

    cpa::detail::shared_snapshot<snapshot> snap{std::make_shared<const snapshot>()};

    void log(log_event e) const;

    std::shared_ptr<fuse_state> fuse_for(const std::string& id) {
        auto& f = fuses[id];
        if (!f) {
            f = std::make_shared<fuse_state>();
        }
        return f;
    }

    void publish(bool enabled, std::vector<plugin_record> records) {
        std::stable_sort(records.begin(), records.end(),
                         [](const plugin_record& a, const plugin_record& b) {
                             if (a.priority != b.priority) {
                                 return a.priority > b.priority;
                             }
                             return a.id < b.id;
                         });
        auto next = std::make_shared<snapshot>();
        next->enabled = enabled;
        next->records = std::move(records);
        snap.store(std::move(next));
    }
};

/// Cancels and forgets the host-produced streams `plugin_id` still has open (all plugins when
/// empty).
void close_plugin_streams(plugin_host::state& st, std::string_view plugin_id);

/// Opens the callback scope of one call of `plugin_id` (see `plugin_host::open_callback_scope`).
callback_scope open_callback_scope(plugin_host::state& st, std::string plugin_id,
                                   std::string request_id = {}, cpa::headers headers = {},
                                   cpa::headers query = {});

/// The host callbacks one plugin reaches. Holds the host weakly.
class plugin_services final : public host_services {
public:
    plugin_services(std::weak_ptr<plugin_host::state> host, std::string id)
        : host_(std::move(host)), id_(std::move(id)) {}

    void log(const host_log_request& r) override;
    http_response http_do(const host_http_request&) override;
    host_stream_response http_do_stream(const host_http_request&) override;
    host_http_stream_chunk http_stream_read(const host_stream_request&) override;
    void http_stream_close(const host_stream_request&) override;
    host_model_response model_execute(const host_model_request&) override;
    host_stream_response model_execute_stream(const host_model_request&) override;
    host_model_stream_chunk model_stream_read(const host_stream_request&) override;
    void model_stream_close(const host_stream_request&) override;
    void stream_emit(const host_stream_emit_request& r) override;
    void stream_close(const host_stream_close_request& r) override;
    host_auth_list_response auth_list() override;
    host_auth_get_response auth_get(const host_auth_index_request& r) override;
    host_auth_get_runtime_response auth_get_runtime(const host_auth_index_request& r) override;
    host_auth_save_response auth_save(const host_auth_save_request&) override;

private:
    [[noreturn]] static void unavailable(std::string_view method);
    std::shared_ptr<plugin_host::state> host() const;
    callback_origin origin(plugin_host::state& h, std::string_view callback_id) const;
    template <class T>
    std::shared_ptr<T> supplied(std::shared_ptr<T> plugin_host::state::*member) const;

    std::weak_ptr<plugin_host::state> host_;
    std::string id_;
};

} // namespace cpa::host

#endif // CPA_HOST_SRC_HOST_STATE_HPP
