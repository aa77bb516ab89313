// The capability chains over the active set: request and response interceptors, stream-chunk
// interceptors, lifecycle events, usage, and executor calls with the stream bridge.
#include "host_state.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace cpa::host {

namespace {

/// Go's canonical header key: `content-type` -> `Content-Type`. Keys with characters outside
/// the token set are left as they are.
std::string canonical_header(std::string_view key) {
    std::string out(key);
    for (const char c : out) {
        const bool token = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!token) {
            return out;
        }
    }
    bool upper = true;
    for (char& c : out) {
        c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                  : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        upper = c == '-';
    }
    return out;
}

/// Removes every key equal to `key` ignoring case.
void erase_header(cpa::headers& h, std::string_view key) {
    const std::string canon = canonical_header(key);
    for (auto it = h.begin(); it != h.end();) {
        it = canonical_header(it->first) == canon ? h.erase(it) : std::next(it);
    }
}

/// The interceptor merge rule: clears first, then each returned header replaces all values of
/// that header (an empty list deletes it); others are kept.
void merge_headers(cpa::headers& state, const std::vector<std::string>& clear,
                   const cpa::headers& returned) {
    for (const auto& k : clear) {
        erase_header(state, k);
    }
    for (const auto& [k, v] : returned) {
        erase_header(state, k);
        if (!v.empty()) {
            state[canonical_header(k)] = v;
        }
    }
}

} // namespace

// ---- interceptors ---------------------------------------------------------------------------

bool plugin_host::has_request_interceptors(std::string_view skip_id) const {
    const auto snap = current();
    return std::any_of(snap->records.begin(), snap->records.end(), [&](const plugin_record& r) {
        return r.capabilities.request_interceptor && r.usable() && r.id != skip_id;
    });
}

bool plugin_host::has_stream_interceptors(std::string_view skip_id) const {
    const auto snap = current();
    return std::any_of(snap->records.begin(), snap->records.end(), [&](const plugin_record& r) {
        return r.capabilities.stream_chunk_interceptor && r.usable() && r.id != skip_id;
    });
}

namespace {

template <class Method>
plugin_host::request_chain
run_request_chain(plugin_host& host, plugin_host::state& st, const Method& method,
                  const request_intercept_request& request, std::string_view skip_id) {
    plugin_host::request_chain out;
    out.headers = request.headers;
    out.body = request.body;
    const auto snap = host.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.request_interceptor || r.id == skip_id) {
            continue;
        }
        request_intercept_request per_plugin = request;
        per_plugin.headers = out.headers;
        per_plugin.body = out.body;
        const auto scope =
            cpa::host::open_callback_scope(st, r.id, request.request_id, out.headers);
        per_plugin.host_callback_id = scope.id();
        auto answer = host.call(r, method, per_plugin);
        if (!answer) {
            continue;
        }
        merge_headers(out.headers, answer->clear_headers, answer->headers);
        if (!answer->body.empty()) {
            out.body = std::move(answer->body);
        }
        if (answer->terminate) {
            out.terminated = true;
            out.terminated_by = r.id;
            out.status_code = answer->status_code;
            out.response_headers = std::move(answer->response_headers);
            out.response_body = std::move(answer->response_body);
            break;
        }
    }
    return out;
}

} // namespace

plugin_host::request_chain
plugin_host::intercept_request_before(const request_intercept_request& request,
                                      std::string_view skip_id) {
    return run_request_chain(*this, *state_, plugin_methods::request_intercept_before, request,
                             skip_id);
}

plugin_host::request_chain
plugin_host::intercept_request_after(const request_intercept_request& request,
                                     std::string_view skip_id) {
    return run_request_chain(*this, *state_, plugin_methods::request_intercept_after, request,
                             skip_id);
}

plugin_host::response_chain
plugin_host::intercept_response(const response_intercept_request& request,
                                std::string_view skip_id) {
    response_chain out{request.response_headers, request.body};
    const auto snap = current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.response_interceptor || r.id == skip_id) {
            continue;
        }
        response_intercept_request per_plugin = request;
        per_plugin.response_headers = out.headers;
        per_plugin.body = out.body;
        const auto scope = cpa::host::open_callback_scope(*state_, r.id, request.request_id,
                                                          request.request_headers);
        per_plugin.host_callback_id = scope.id();
        auto answer = call(r, plugin_methods::response_intercept_after, per_plugin);
        if (!answer) {
            continue;
        }
        merge_headers(out.headers, answer->clear_headers, answer->headers);
        if (!answer->body.empty()) {
            out.body = std::move(answer->body);
        }
    }
    return out;
}

plugin_host::chunk_chain
plugin_host::intercept_stream_chunk(const stream_chunk_intercept_request& request,
                                    std::string_view skip_id) {
    chunk_chain out{request.response_headers, request.body, false};
    const auto snap = current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.stream_chunk_interceptor || r.id == skip_id) {
            continue;
        }
        stream_chunk_intercept_request per_plugin = request;
        per_plugin.response_headers = out.headers;
        per_plugin.body = out.body;
        if (request.chunk_index >= 0 &&
            r.schema_version >= CLIPROXY_SCHEMA_VERSION_STREAM_CHUNK_OMIT_REQUEST_BODY) {
            per_plugin.original_request = {};
            per_plugin.request_body = {};
        }
        const auto scope = cpa::host::open_callback_scope(*state_, r.id, request.request_id,
                                                          request.request_headers);
        per_plugin.host_callback_id = scope.id();
        auto answer = call(r, plugin_methods::response_intercept_stream_chunk, per_plugin);
        if (!answer) {
            continue;
        }
        merge_headers(out.headers, answer->clear_headers, answer->headers);
        if (!answer->body.empty()) {
            out.body = std::move(answer->body);
        }
        if (answer->drop_chunk) {
            out.dropped = true;
            break;
        }
    }
    return out;
}

// ---- lifecycle and usage ----------------------------------------------------------------------

void plugin_host::complete_request(const request_completion& completion, std::string_view skip_id) {
    const auto snap = current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.request_lifecycle_plugin || r.id == skip_id || !r.usable()) {
            continue;
        }
        // The task keeps the snapshot (and so the record) alive; it is not tied to the caller.
        state_->lifecycle_tasks.spawn([this, snap, &r, completion](std::stop_token) {
            request_completion per_plugin = completion;
            const auto scope = cpa::host::open_callback_scope(*state_, r.id, completion.request_id);
            per_plugin.host_callback_id = scope.id();
            call(r, plugin_methods::request_complete, per_plugin);
        });
    }
}

void plugin_host::publish_usage(const usage_record& record) {
    const auto active = current();
    if (std::none_of(active->records.begin(), active->records.end(), [](const plugin_record& r) {
            return r.capabilities.usage_plugin && r.usable();
        })) {
        return; // nobody to deliver to
    }
    state& st = *state_;
    {
        std::lock_guard lock(st.usage_mutex);
        st.usage_queue.push_back(record);
        if (!st.usage_worker.joinable()) {
            st.usage_worker = std::jthread([this](std::stop_token stop) {
                state& s = *state_;
                while (true) {
                    usage_record next;
                    {
                        std::unique_lock queue_lock(s.usage_mutex);
                        if (!s.usage_changed.wait(queue_lock, stop,
                                                  [&] { return !s.usage_queue.empty(); })) {
                            return;
                        }
                        next = std::move(s.usage_queue.front());
                        s.usage_queue.pop_front();
                        s.usage_busy = true;
                    }
                    const auto snap = current();
                    for (const auto& r : snap->records) {
                        if (r.capabilities.usage_plugin) {
                            call(r, plugin_methods::usage_handle, next);
                        }
                    }
                    {
                        std::lock_guard done_lock(s.usage_mutex);
                        s.usage_busy = false;
                    }
                    s.usage_changed.notify_all();
                }
            });
        }
    }
    st.usage_changed.notify_all();
}

void plugin_host::drain_async() {
    state& st = *state_;
    {
        std::unique_lock lock(st.usage_mutex);
        st.usage_changed.wait(lock, [&] { return st.usage_queue.empty() && !st.usage_busy; });
    }
    st.lifecycle_tasks.join_all();
}

// ---- executors --------------------------------------------------------------------------------

const plugin_record* plugin_host::find(const snapshot& s, std::string_view id) const {
    for (const auto& r : s.records) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

namespace {

const plugin_record& executor_record(const plugin_host& host, const snapshot& snap,
                                     std::string_view id) {
    const plugin_record* r = host.find(snap, id);
    if (r == nullptr) {
        throw call_error("plugin executor " + std::string(id) + " not found");
    }
    if (!r->capabilities.executor) {
        throw call_error("plugin " + std::string(id) + " does not declare an executor");
    }
    if (!r->usable()) {
        throw call_error("plugin executor " + std::string(id) + " is unavailable");
    }
    return *r;
}

template <class Method>
executor_response run_executor(plugin_host& host, plugin_host::state& st, const Method& method,
                               std::string_view id, executor_request request,
                               std::string_view request_id) {
    const auto snap = host.current();
    const plugin_record& r = executor_record(host, *snap, id);
    const auto scope = cpa::host::open_callback_scope(st, r.id, std::string(request_id),
                                                      request.headers, request.query);
    request.host_callback_id = scope.id();
    call_error error;
    auto answer = host.call(r, method, request, &error);
    if (!answer) {
        throw error;
    }
    return std::move(*answer);
}

} // namespace

executor_response plugin_host::execute(std::string_view id, executor_request request,
                                       std::string_view request_id) {
    request.stream = false;
    return run_executor(*this, *state_, plugin_methods::executor_execute, id, std::move(request),
                        request_id);
}

executor_response plugin_host::count_tokens(std::string_view id, executor_request request,
                                            std::string_view request_id) {
    return run_executor(*this, *state_, plugin_methods::executor_count_tokens, id,
                        std::move(request), request_id);
}

namespace {

class bridge_reader final : public plugin_host::executor_stream_reader {
public:
    bridge_reader(std::shared_ptr<plugin_host::state> host, std::shared_ptr<stream_channel> channel,
                  cpa::headers headers, callback_scope scope)
        : host_(std::move(host)), channel_(std::move(channel)), headers_(std::move(headers)),
          scope_(std::move(scope)) {}
    ~bridge_reader() override { abort(); }

    const cpa::headers& headers() const noexcept override { return headers_; }

    std::optional<chunk> next() override {
        std::unique_lock lock(channel_->mutex);
        channel_->changed.wait(lock, [&] { return !channel_->buffer.empty() || channel_->closed; });
        if (channel_->buffer.empty()) {
            lock.unlock();
            release();
            return std::nullopt;
        }
        chunk c = std::move(channel_->buffer.front());
        channel_->buffer.pop_front();
        lock.unlock();
        channel_->changed.notify_all();
        return c;
    }

    void abort() noexcept override {
        {
            std::lock_guard lock(channel_->mutex);
            channel_->aborted = true;
            channel_->closed = true;
            channel_->buffer.clear();
        }
        channel_->changed.notify_all();
        release();
    }

private:
    /// Once, from whichever comes first: `next` reaching the end on the reader's thread, or
    /// `abort` (a cancelled request's stop callback runs on another thread, or the destructor).
    void release() noexcept {
        if (released_.exchange(true, std::memory_order_acq_rel)) {
            return;
        }
        try {
            std::lock_guard lock(host_->mutex);
            host_->streams.erase({channel_->plugin_id, channel_->stream_id});
        } catch (...) {
        }
        scope_.close(); // the callback scope of an async stream ends with the stream
    }

    std::shared_ptr<plugin_host::state> host_;
    std::shared_ptr<stream_channel> channel_;
    cpa::headers headers_;
    callback_scope scope_;
    std::atomic<bool> released_{false};
};

/// A stream that is complete already (the plugin answered its chunks inline).
class inline_reader final : public plugin_host::executor_stream_reader {
public:
    inline_reader(cpa::headers headers, std::vector<executor_stream_chunk> chunks)
        : headers_(std::move(headers)), chunks_(std::move(chunks)) {}
    const cpa::headers& headers() const noexcept override { return headers_; }
    std::optional<chunk> next() override {
        const std::size_t i = next_.fetch_add(1);
        if (i >= chunks_.size()) {
            next_.store(chunks_.size());
            return std::nullopt;
        }
        return chunk{std::move(chunks_[i].payload), {}};
    }
    /// May run on another thread than `next` (a cancelled request).
    void abort() noexcept override { next_.store(chunks_.size()); }

private:
    cpa::headers headers_;
    std::vector<executor_stream_chunk> chunks_;
    std::atomic<std::size_t> next_{0};
};

} // namespace

std::unique_ptr<plugin_host::executor_stream_reader>
plugin_host::execute_stream(std::string_view id, executor_request request,
                            std::string_view request_id) {
    const auto snap = current();
    const plugin_record& r = executor_record(*this, *snap, id);
    auto channel = std::make_shared<stream_channel>();
    channel->plugin_id = r.id;
    channel->calling_thread = std::this_thread::get_id(); // until the plugin's call returns
    {
        std::lock_guard lock(state_->mutex);
        channel->stream_id = std::to_string(++state_->last_stream_id);
        state_->streams[{r.id, channel->stream_id}] = channel;
    }
    // The slot is released when the plugin answered inline or failed; an async stream hands
    // it to its reader.
    struct slot_guard {
        plugin_host::state& st;
        std::shared_ptr<stream_channel> channel;
        bool keep = false;
        ~slot_guard() {
            if (keep) {
                return;
            }
            {
                std::lock_guard lock(channel->mutex);
                channel->closed = true; // later emits: "not open"
            }
            channel->changed.notify_all();
            std::lock_guard lock(st.mutex);
            st.streams.erase({channel->plugin_id, channel->stream_id});
        }
    } guard{*state_, channel};
    request.stream = true;
    request.stream_id = channel->stream_id;
    auto scope = cpa::host::open_callback_scope(*state_, r.id, std::string(request_id),
                                                request.headers, request.query);
    request.host_callback_id = scope.id();
    call_error error;
    auto answer = call(r, plugin_methods::executor_execute_stream, request, &error);
    {
        std::lock_guard lock(channel->mutex);
        channel->calling_thread = {};
    }
    if (!answer) {
        throw error;
    }
    if (!answer->chunks.empty()) {
        return std::make_unique<inline_reader>(std::move(answer->headers),
                                               std::move(answer->chunks));
    }
    guard.keep = true;
    return std::make_unique<bridge_reader>(state_, channel, std::move(answer->headers),
                                           std::move(scope));
}

void plugin_services::stream_emit(const host_stream_emit_request& r) {
    const auto h = host();
    std::shared_ptr<stream_channel> channel;
    {
        std::lock_guard lock(h->mutex);
        const auto it = h->streams.find({id_, r.stream_id});
        if (it != h->streams.end()) {
            channel = it->second;
        }
    }
    const auto not_open = [&] { return host_error("stream " + r.stream_id + " is not open"); };
    if (!channel) {
        throw not_open();
    }
    std::unique_lock lock(channel->mutex);
    if (!channel->closed && channel->buffer.size() >= stream_channel::capacity &&
        channel->calling_thread == std::this_thread::get_id()) {
        // Emitted from inside the plugin's own executor.execute_stream call: the reader starts
        // only after that call returns, so waiting for room would hold the call for ever. The
        // stream ends with an error chunk (after the buffered ones) and the emit fails.
        const std::string what = "stream " + r.stream_id + " of plugin " + id_ + ": more than " +
                                 std::to_string(stream_channel::capacity) +
                                 " chunks emitted inside executor.execute_stream (nothing reads "
                                 "the stream before that call returns)";
        channel->end_locked(what);
        lock.unlock();
        channel->changed.notify_all();
        throw host_error(what);
    }
    channel->changed.wait(
        lock, [&] { return channel->closed || channel->buffer.size() < stream_channel::capacity; });
    if (channel->closed) {
        throw not_open();
    }
    channel->buffer.push_back({r.payload, r.error});
    if (!r.error.empty()) {
        channel->closed = true; // an error chunk is terminal
    }
    lock.unlock();
    channel->changed.notify_all();
}

void plugin_services::stream_close(const host_stream_close_request& r) {
    const auto h = host();
    std::shared_ptr<stream_channel> channel;
    {
        std::lock_guard lock(h->mutex);
        const auto it = h->streams.find({id_, r.stream_id});
        if (it != h->streams.end()) {
            channel = it->second;
        }
    }
    if (!channel) {
        return; // closing a stream the host no longer knows is fine
    }
    {
        std::lock_guard lock(channel->mutex);
        channel->end_locked(r.error);
    }
    channel->changed.notify_all();
}

} // namespace cpa::host
