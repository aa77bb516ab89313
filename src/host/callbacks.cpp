// The host callbacks a plugin reaches (wire contract 5): `host.log`, `host.http.*`,
// `host.model.*` and `host.auth.*` over what the host program supplies, and the callback scopes
// that bind a callback to the call it was made from. (`host.stream.*` belong to the executor
// stream bridge, in chains.cpp.)
#include "host_state.hpp"

#include <cpa/error.hpp>
#include <cpa/host/pipeline.hpp>

#include <boost/json/serialize.hpp>

#include <condition_variable>
#include <deque>
#include <list>
#include <stop_token>

namespace cpa::host {

// ---- nesting depth --------------------------------------------------------------------------

namespace {

/// The `host.model.*` nesting depth of the nested execution this thread runs (0: none). Set by
/// the pipeline model executor around a nested execution, on the calling thread or on a nested
/// stream's own thread; read when a callback scope opens and when a callback arrives.
thread_local int nesting_depth = 0;

class depth_guard {
public:
    explicit depth_guard(int depth) noexcept : saved_(std::exchange(nesting_depth, depth)) {}
    ~depth_guard() { nesting_depth = saved_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;

private:
    int saved_;
};

} // namespace

// ---- callback scopes ------------------------------------------------------------------------

callback_scope open_callback_scope(plugin_host::state& st, std::string plugin_id,
                                   std::string request_id, cpa::headers headers,
                                   cpa::headers query) {
    std::lock_guard lock(st.scopes_mutex);
    std::string id = std::to_string(++st.last_callback_id);
    // A scope opened inside a nested execution remembers its depth, so a callback that names it
    // from any thread is known to be that deep.
    st.scopes.emplace(id, callback_scope_data{std::move(plugin_id),
                                              std::move(request_id),
                                              std::move(headers),
                                              std::move(query),
                                              {},
                                              nesting_depth});
    return callback_scope(std::weak_ptr<void>(st.weak_from_this()), std::move(id));
}

callback_scope plugin_host::open_callback_scope(std::string_view plugin_id, std::string request_id,
                                                cpa::headers headers, cpa::headers query) const {
    return cpa::host::open_callback_scope(*state_, std::string(plugin_id), std::move(request_id),
                                          std::move(headers), std::move(query));
}

void callback_scope::close() noexcept {
    if (id_.empty()) {
        return;
    }
    const std::string id = std::exchange(id_, {});
    const auto h = std::static_pointer_cast<plugin_host::state>(host_.lock());
    if (!h) {
        return;
    }
    std::vector<std::function<void()>> cleanups;
    {
        std::lock_guard lock(h->scopes_mutex);
        const auto it = h->scopes.find(id);
        if (it == h->scopes.end()) {
            return;
        }
        cleanups = std::move(it->second.cleanups);
        h->scopes.erase(it);
    }
    for (auto& f : cleanups) {
        try {
            f();
        } catch (...) { // a cleanup that fails must not keep the others from running
        }
    }
}

namespace {

using stream_map = std::map<std::pair<std::string, std::string>, std::shared_ptr<plugin_stream>>;

std::shared_ptr<plugin_stream> take_stream(plugin_host::state& st, stream_map& map,
                                           const std::string& plugin_id,
                                           const std::string& stream_id) {
    std::lock_guard lock(st.mutex);
    const auto it = map.find({plugin_id, stream_id});
    if (it == map.end()) {
        return nullptr;
    }
    auto s = std::move(it->second);
    map.erase(it);
    return s;
}

std::shared_ptr<plugin_stream> find_stream(plugin_host::state& st, stream_map& map,
                                           const std::string& plugin_id,
                                           const std::string& stream_id) {
    std::lock_guard lock(st.mutex);
    const auto it = map.find({plugin_id, stream_id});
    return it == map.end() ? nullptr : it->second;
}

void cancel(const std::shared_ptr<plugin_stream>& s) noexcept {
    if (s && s->body) {
        s->body->cancel();
    }
}

std::string add_stream(plugin_host::state& st, stream_map& map, const std::string& plugin_id,
                       std::unique_ptr<byte_stream> body) {
    auto s = std::make_shared<plugin_stream>();
    s->body = std::move(body);
    std::lock_guard lock(st.mutex);
    std::string id = std::to_string(++st.last_stream_id);
    map.emplace(std::pair{plugin_id, id}, std::move(s));
    return id;
}

/// Reads the next chunk of a stream that exists; nullopt at its end (the stream is then gone).
std::optional<byte_stream::chunk> read_stream(plugin_host::state& st, stream_map& map,
                                              const std::string& plugin_id,
                                              const std::string& stream_id,
                                              const std::shared_ptr<plugin_stream>& s) {
    std::optional<byte_stream::chunk> c;
    {
        std::lock_guard read(s->read_mutex);
        c = s->body ? s->body->next() : std::nullopt;
    }
    if (!c || !c->error.empty()) {
        take_stream(st, map, plugin_id, stream_id); // done: the stream is gone
    }
    return c;
}

/// Any failure of what the host program supplied reaches the plugin as `host_call_failed`.
template <class F>
auto relay(std::string_view method, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const host_error&) {
        throw;
    } catch (const std::exception& e) {
        throw host_error(std::string(method) + ": " + e.what());
    } catch (...) {
        throw host_error(std::string(method) + ": unknown failure");
    }
}

} // namespace

// Also ends the executor streams the plugin still produces (host.stream.emit), with a terminal
// error: a plugin that never calls host.stream.close would otherwise leave their readers waiting
// for ever once it is unloaded (or hold its own executor.execute_stream call at a 17th emit).
void close_plugin_streams(plugin_host::state& st, std::string_view plugin_id) {
    std::vector<std::shared_ptr<plugin_stream>> closing;
    std::vector<std::shared_ptr<stream_channel>> ending;
    {
        std::lock_guard lock(st.mutex);
        // The executor streams it still produces: once it is unloaded nobody can close them.
        for (const auto& [key, channel] : st.streams) {
            if (plugin_id.empty() || key.first == plugin_id) {
                ending.push_back(channel);
            }
        }
        for (stream_map* map : {&st.model_streams, &st.http_streams}) {
            for (auto it = map->begin(); it != map->end();) {
                if (plugin_id.empty() || it->first.first == plugin_id) {
                    closing.push_back(std::move(it->second));
                    it = map->erase(it);
                } else {
                    ++it;
                }
            }
        }
    }
    for (const auto& s : closing) {
        cancel(s);
    }
    // Ended like a close with an error: the reader drains what is buffered, then gets the error;
    // an emit still waiting for room (or any later one) fails with "stream <id> is not open".
    for (const auto& channel : ending) {
        {
            std::lock_guard lock(channel->mutex);
            channel->end_locked("stream " + channel->stream_id + " of plugin " +
                                channel->plugin_id + " ended: the plugin was unloaded");
        }
        channel->changed.notify_all();
    }
}

// ---- what the host program supplies -------------------------------------------------------------

void plugin_host::set_http_transport(std::shared_ptr<http_transport> transport) {
    std::lock_guard lock(state_->mutex);
    state_->transport = std::move(transport);
}

void plugin_host::set_model_executor(std::shared_ptr<model_executor> executor) {
    std::lock_guard lock(state_->mutex);
    state_->executor = std::move(executor);
}

void plugin_host::set_auth_store(std::shared_ptr<auth_store> store) {
    std::lock_guard lock(state_->mutex);
    state_->auths = std::move(store);
}

// ---- the callbacks ------------------------------------------------------------------------

std::shared_ptr<plugin_host::state> plugin_services::host() const {
    auto h = host_.lock();
    if (!h) {
        throw host_error("the host is gone");
    }
    return h;
}

void plugin_services::unavailable(std::string_view method) {
    throw host_error(std::string(method) + ": the host program supplies no " +
                     (method.starts_with("host.http")   ? "HTTP transport"
                      : method.starts_with("host.auth") ? "credential store"
                                                        : "transport") +
                     " for it");
}

template <class T>
std::shared_ptr<T> plugin_services::supplied(std::shared_ptr<T> plugin_host::state::*member) const {
    const auto h = host();
    std::lock_guard lock(h->mutex);
    return (*h).*member;
}

callback_origin plugin_services::origin(plugin_host::state& h, std::string_view callback_id) const {
    callback_origin o{id_};
    o.depth = nesting_depth; // a callback made on the thread of a nested execution
    if (callback_id.empty()) {
        return o;
    }
    std::lock_guard lock(h.scopes_mutex);
    const auto it = h.scopes.find(callback_id);
    if (it == h.scopes.end()) {
        return o; // unknown or expired: a background context
    }
    o.depth = std::max(o.depth, it->second.depth);
    o.callback_id = std::string(callback_id);
    o.request_id = it->second.request_id;
    o.headers = it->second.headers;
    o.query = it->second.query;
    return o;
}

void plugin_services::log(const host_log_request& r) {
    const auto h = host();
    log_event e{r.level, id_, r.message.empty() ? "plugin log" : r.message, {}};
    for (const auto& [k, v] : r.fields) {
        if (k.empty()) {
            continue;
        }
        e.fields.emplace_back(std::string(k), v.is_string() ? std::string(v.as_string())
                                                            : boost::json::serialize(v));
    }
    if (auto o = origin(*h, r.host_callback_id); !o.request_id.empty()) {
        e.fields.emplace_back("request_id", std::move(o.request_id));
    }
    h->log(std::move(e));
}

namespace {

host_http_request_spec resolved(std::string_view method, const host_http_request& r) {
    host_http_request_spec spec =
        r.request ? *r.request : host_http_request_spec{r.method, r.url, r.headers, r.body};
    spec.method = trimmed(spec.method);
    if (spec.method.empty()) {
        spec.method = "GET";
    }
    // Absolute: a scheme (letter, then letters, digits, + - .), "://", and a host.
    const auto colon = spec.url.find("://");
    const bool scheme_ok =
        colon != std::string::npos && colon > 0 &&
        std::isalpha(static_cast<unsigned char>(spec.url[0])) != 0 &&
        std::all_of(spec.url.begin(), spec.url.begin() + static_cast<std::ptrdiff_t>(colon),
                    [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' ||
                               c == '-' || c == '.';
                    });
    if (!scheme_ok || colon + 3 >= spec.url.size() || spec.url[colon + 3] == '/') {
        throw host_error(std::string(method) + ": url must be absolute, got \"" + spec.url + "\"");
    }
    return spec;
}

} // namespace

http_response plugin_services::http_do(const host_http_request& r) {
    const auto spec = resolved("host.http.do", r);
    const auto t = supplied(&plugin_host::state::transport);
    if (!t) {
        unavailable("host.http.do");
    }
    const auto h = host();
    const auto o = origin(*h, r.host_callback_id);
    return relay("host.http.do", [&] { return t->execute(spec, o); });
}

host_stream_response plugin_services::http_do_stream(const host_http_request& r) {
    const auto spec = resolved("host.http.do_stream", r);
    const auto t = supplied(&plugin_host::state::transport);
    if (!t) {
        unavailable("host.http.do_stream");
    }
    const auto h = host();
    const auto o = origin(*h, r.host_callback_id);
    auto opened = relay("host.http.do_stream", [&] { return t->open_stream(spec, o); });
    // Not tied to the callback scope: the plugin reads it to the end or closes it.
    host_stream_response out{opened.status_code, std::move(opened.headers), {}};
    out.stream_id = add_stream(*h, h->http_streams, id_, std::move(opened.body));
    return out;
}

host_http_stream_chunk plugin_services::http_stream_read(const host_stream_request& r) {
    if (r.stream_id.empty()) {
        throw host_error("http stream id is required");
    }
    const auto h = host();
    const auto s = find_stream(*h, h->http_streams, id_, r.stream_id);
    if (!s) {
        throw host_error("http stream " + r.stream_id + " is not open");
    }
    std::optional<byte_stream::chunk> c;
    try {
        c = read_stream(*h, h->http_streams, id_, r.stream_id, s);
    } catch (const std::exception& e) {
        take_stream(*h, h->http_streams, id_, r.stream_id);
        return {{}, e.what(), true};
    }
    if (!c) {
        return {{}, {}, true};
    }
    if (!c->error.empty()) {
        return {std::move(c->payload), std::move(c->error), true};
    }
    return {std::move(c->payload), {}, false};
}

void plugin_services::http_stream_close(const host_stream_request& r) {
    const auto h = host();
    cancel(take_stream(*h, h->http_streams, id_, r.stream_id));
}

namespace {

/// Refuses a nested execution below `max_model_nesting_depth`.
void check_depth(std::string_view method, const callback_origin& o) {
    if (o.depth >= max_model_nesting_depth) {
        throw host_error(std::string(method) + ": nesting depth " +
                         std::to_string(max_model_nesting_depth) + " exceeded (plugin " +
                         o.plugin_id + ")");
    }
}

/// A nested request without headers or query of its own takes those of its origin's request.
host_model_request inherit_origin(const host_model_request& r, const callback_origin& o) {
    host_model_request nested = r;
    if (nested.headers.empty()) {
        nested.headers = o.headers;
    }
    if (nested.query.empty()) {
        nested.query = o.query;
    }
    return nested;
}

} // namespace

host_model_response plugin_services::model_execute(const host_model_request& r) {
    if (r.stream) {
        throw host_error("host.model.execute requires stream=false");
    }
    const auto e = supplied(&plugin_host::state::executor);
    if (!e) {
        throw host_error("host model executor is unavailable");
    }
    const auto h = host();
    const auto o = origin(*h, r.host_callback_id);
    check_depth("host.model.execute", o);
    const auto nested = inherit_origin(r, o);
    return relay("host.model.execute", [&] { return e->execute(nested, o); });
}

host_stream_response plugin_services::model_execute_stream(const host_model_request& r) {
    if (!r.stream) {
        throw host_error("host.model.execute_stream requires stream=true");
    }
    const auto e = supplied(&plugin_host::state::executor);
    if (!e) {
        throw host_error("host model executor is unavailable");
    }
    const auto h = host();
    const auto o = origin(*h, r.host_callback_id);
    check_depth("host.model.execute_stream", o);
    const auto nested = inherit_origin(r, o);
    auto opened = relay("host.model.execute_stream", [&] { return e->execute_stream(nested, o); });
    host_stream_response out{opened.status_code, std::move(opened.headers), {}};
    out.stream_id = add_stream(*h, h->model_streams, id_, std::move(opened.body));
    if (!o.callback_id.empty()) {
        // Bound to the callback scope: closed with it. A scope that closed meanwhile closes
        // the stream now.
        std::weak_ptr<plugin_host::state> weak = h;
        auto close = [weak, plugin = id_, stream = out.stream_id] {
            if (const auto st = weak.lock()) {
                cancel(take_stream(*st, st->model_streams, plugin, stream));
            }
        };
        bool bound = false;
        {
            std::lock_guard lock(h->scopes_mutex);
            if (const auto it = h->scopes.find(o.callback_id); it != h->scopes.end()) {
                it->second.cleanups.emplace_back(close);
                bound = true;
            }
        }
        if (!bound) {
            close();
        }
    }
    return out;
}

host_model_stream_chunk plugin_services::model_stream_read(const host_stream_request& r) {
    if (r.stream_id.empty()) {
        throw host_error("model stream id is required");
    }
    const auto h = host();
    const auto s = find_stream(*h, h->model_streams, id_, r.stream_id);
    if (!s) {
        return {{}, {}, true}; // unknown or closed: the end, not an error
    }
    std::optional<byte_stream::chunk> c;
    try {
        c = read_stream(*h, h->model_streams, id_, r.stream_id, s);
    } catch (const std::exception& ex) {
        take_stream(*h, h->model_streams, id_, r.stream_id);
        return {{}, ex.what(), true};
    }
    if (!c) {
        return {{}, {}, true};
    }
    if (!c->error.empty()) {
        return {{}, std::move(c->error), true};
    }
    return {std::move(c->payload), {}, false};
}

void plugin_services::model_stream_close(const host_stream_request& r) {
    if (r.stream_id.empty()) {
        return;
    }
    const auto h = host();
    cancel(take_stream(*h, h->model_streams, id_, r.stream_id));
}

host_auth_list_response plugin_services::auth_list() {
    const auto a = supplied(&plugin_host::state::auths);
    if (!a) {
        unavailable("host.auth.list");
    }
    auto out = relay("host.auth.list", [&] { return a->list(); });
    std::stable_sort(out.files.begin(), out.files.end(),
                     [](const host_auth_file_entry& x, const host_auth_file_entry& y) {
                         return lower(x.name) < lower(y.name);
                     });
    return out;
}

host_auth_get_response plugin_services::auth_get(const host_auth_index_request& r) {
    if (trimmed(r.auth_index).empty()) {
        throw host_error("host.auth.get: auth_index is required");
    }
    const auto a = supplied(&plugin_host::state::auths);
    if (!a) {
        unavailable("host.auth.get");
    }
    return relay("host.auth.get", [&] { return a->get(trimmed(r.auth_index)); });
}

host_auth_get_runtime_response plugin_services::auth_get_runtime(const host_auth_index_request& r) {
    if (trimmed(r.auth_index).empty()) {
        throw host_error("host.auth.get_runtime: auth_index is required");
    }
    const auto a = supplied(&plugin_host::state::auths);
    if (!a) {
        unavailable("host.auth.get_runtime");
    }
    return relay("host.auth.get_runtime", [&] { return a->get_runtime(trimmed(r.auth_index)); });
}

host_auth_save_response plugin_services::auth_save(const host_auth_save_request& r) {
    const std::string name = trimmed(r.name);
    const bool plain = !name.empty() && name.find_first_of("/\\") == std::string::npos &&
                       name != "." && name != ".." && name.size() > 5 &&
                       lower(name).ends_with(".json");
    if (!plain) {
        throw host_error("host.auth.save: name must be a plain *.json file name, got \"" + r.name +
                         "\"");
    }
    if (!r.json.is_object()) {
        throw host_error("host.auth.save: json must be an object");
    }
    const auto a = supplied(&plugin_host::state::auths);
    if (!a) {
        unavailable("host.auth.save");
    }
    return relay("host.auth.save", [&] { return a->save(name, r.json.as_object()); });
}

// ---- nested executions through a pipeline ------------------------------------------------------

namespace {

client_request nested_request(const host_model_request& r) {
    client_request c;
    c.entry_protocol = r.entry_protocol.empty() ? "openai" : r.entry_protocol;
    c.exit_protocol = r.exit_protocol;
    c.model = r.model;
    c.stream = r.stream;
    c.headers = r.headers;
    c.query = r.query;
    c.body = r.body;
    c.metadata["source"] = std::string(nested_execution_source);
    if (!r.alt.empty()) {
        c.metadata["alt"] = r.alt;
    }
    return c;
}

std::string failure_text(const client_response& r) {
    return r.error.empty() ? "model execution failed with status " + std::to_string(r.status)
                           : r.error;
}

struct stream_cancelled {};

/// The pumps of one executor: joined when the executor goes, so that none outlives the pipeline.
struct pump_registry;

/// A nested stream: the pipeline runs on its own thread and hands chunks over through a
/// buffer of 16.
class pump final : public byte_stream {
public:
    explicit pump(std::shared_ptr<pump_registry> registry);
    ~pump() override;

    void start(pipeline& p, client_request request, std::string skip_id, int depth);
    /// Waits for the first chunk or the end; the status and headers known then.
    client_response wait_started();

    std::optional<chunk> next() override {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !buffer_.empty() || finished_; });
        if (buffer_.empty()) {
            return std::nullopt;
        }
        chunk c = std::move(buffer_.front());
        buffer_.pop_front();
        lock.unlock();
        changed_.notify_all();
        return c;
    }

    void cancel() noexcept override {
        {
            std::lock_guard lock(mutex_);
            cancelled_ = true;
            buffer_.clear();
        }
        changed_.notify_all();
        stop_.request_stop(); // also ends a pipeline waiting for its executor's next chunk
    }

    void join() noexcept {
        cancel();
        if (!thread_.joinable()) {
            return;
        }
        if (thread_.get_id() == std::this_thread::get_id()) {
            thread_.detach(); // destroyed by its own pipeline run: it ends on its own
        } else {
            thread_.join();
        }
    }

private:
    void deliver(std::string_view payload) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return cancelled_ || buffer_.size() < 16; });
        if (cancelled_) {
            throw stream_cancelled{}; // ends the pipeline's stream (its reader aborts)
        }
        buffer_.push_back({bytes(payload), {}});
        started_ = true;
        lock.unlock();
        changed_.notify_all();
    }

    std::shared_ptr<pump_registry> registry_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<chunk> buffer_;
    bool started_ = false;
    bool finished_ = false;
    bool cancelled_ = false;
    client_response result_;
    std::stop_source stop_;
    std::thread thread_;
};

struct pump_registry {
    std::mutex mutex;
    std::list<pump*> live;
    bool closed = false;
};

pump::pump(std::shared_ptr<pump_registry> registry) : registry_(std::move(registry)) {
    std::lock_guard lock(registry_->mutex);
    registry_->live.push_back(this);
}

pump::~pump() {
    {
        std::lock_guard lock(registry_->mutex);
        registry_->live.remove(this);
    }
    join();
}

void pump::start(pipeline& p, client_request request, std::string skip_id, int depth) {
    {
        std::lock_guard lock(registry_->mutex);
        if (registry_->closed) {
            throw host_error("host model executor is unavailable");
        }
    }
    thread_ =
        std::thread([this, &p, request = std::move(request), skip = std::move(skip_id), depth] {
            const depth_guard nested(depth); // this thread runs the nested execution
            client_response r;
            try {
                r = p.execute_stream(
                    request, [this](std::string_view c) { deliver(c); }, nullptr, skip,
                    stop_.get_token());
            } catch (const stream_cancelled&) {
                r.status = 499;
                r.error = "stream closed by the plugin";
            } catch (const std::exception& e) {
                r.status = 500;
                r.error = e.what();
            }
            {
                std::lock_guard lock(mutex_);
                if (r.status >= 400 && started_ && !cancelled_) {
                    buffer_.push_back({{}, failure_text(r)}); // a terminal error after data
                }
                result_ = std::move(r);
                finished_ = true;
            }
            changed_.notify_all();
        });
}

client_response pump::wait_started() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ || finished_; });
    if (finished_ && !started_) {
        return result_; // the whole outcome (an error, or a stream without chunks)
    }
    return {200, finished_ ? result_.headers : cpa::headers{}, {}, {}};
}

class pipeline_executor final : public model_executor {
public:
    explicit pipeline_executor(pipeline& p) : p_(p) {}
    ~pipeline_executor() override {
        // Streams still open (held by the host) stop using the pipeline now.
        std::vector<pump*> live;
        {
            std::lock_guard lock(registry_->mutex);
            registry_->closed = true;
            live.assign(registry_->live.begin(), registry_->live.end());
            for (pump* x : live) {
                x->cancel();
            }
        }
        // A pump's destructor removes it from the list under the same lock; joining happens
        // outside it, on pumps the host still owns.
        for (pump* x : live) {
            std::lock_guard lock(registry_->mutex);
            if (std::find(registry_->live.begin(), registry_->live.end(), x) !=
                registry_->live.end()) {
                x->join();
            }
        }
    }

    host_model_response execute(const host_model_request& request,
                                const callback_origin& origin) override {
        const depth_guard nested(origin.depth + 1);
        const auto r = p_.execute(nested_request(request), nullptr, origin.plugin_id);
        if (r.status >= 400) {
            throw host_error(failure_text(r));
        }
        return {r.status, r.headers, r.body};
    }

    opened_stream execute_stream(const host_model_request& request,
                                 const callback_origin& origin) override {
        auto s = std::make_unique<pump>(registry_);
        s->start(p_, nested_request(request), origin.plugin_id, origin.depth + 1);
        auto started = s->wait_started();
        if (started.status >= 400) {
            throw host_error("model execution failed with status " +
                             std::to_string(started.status) +
                             (started.error.empty() ? "" : ": " + started.error));
        }
        return {started.status, std::move(started.headers), std::move(s)};
    }

private:
    pipeline& p_;
    std::shared_ptr<pump_registry> registry_ = std::make_shared<pump_registry>();
};

} // namespace

std::shared_ptr<model_executor> pipeline_model_executor(pipeline& p) {
    return std::make_shared<pipeline_executor>(p);
}

} // namespace cpa::host
