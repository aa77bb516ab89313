// Test doubles for the conformance suite: a scripted plugin client (typed handlers per method,
// call counts, panics as thrown exceptions, blocking through gates) and a plugin directory in a
// temporary folder whose files the fake opener "loads".
#ifndef CPA_TEST_FAKE_PLUGIN_HPP
#define CPA_TEST_FAKE_PLUGIN_HPP

#include <cpa/host/plugin_host.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace cpa_test {

using namespace cpa::host;

/// A one-shot gate: `wait` blocks until `open`.
class gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        changed_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex_);
        entered_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }
    /// Waits until some thread is blocked in `wait` (or it was opened).
    bool wait_entered(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return entered_ || open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
    bool entered_ = false;
};

/// A valid registration with the given capabilities set by `set`.
inline cpa::register_response registration(std::string name,
                                           const std::function<void(cpa::capabilities&)>& set,
                                           std::uint32_t schema = 3) {
    cpa::register_response r;
    r.schema_version = schema;
    r.metadata.name = std::move(name);
    r.metadata.version = "1.0.0";
    r.metadata.author = "tests";
    r.metadata.github_repository = "https://example.invalid/tests";
    set(r.capabilities);
    return r;
}

/// The scripted behaviour of one plugin ID, shared by every client opened for it.
class fake_plugin {
public:
    explicit fake_plugin(cpa::register_response answer) : registration_(std::move(answer)) {}

    /// Handles `method` with `f(const Req&) -> Resp` (throw to fail: `cpa::call_error` is an
    /// ordinary failure, anything else a panic).
    template <class Req, class Resp, class F>
    fake_plugin& on(const plugin_method<Req, Resp>& method, F f) {
        std::lock_guard lock(mutex_);
        handlers_[method.id] = [f = std::move(f)](const void* rq, void* rs) {
            if constexpr (std::is_void_v<decltype(f(*static_cast<const Req*>(rq)))>) {
                f(*static_cast<const Req*>(rq));
            } else {
                *static_cast<Resp*>(rs) = f(*static_cast<const Req*>(rq));
            }
        };
        return *this;
    }

    /// Every call of `id` so far.
    int calls(method_id id) const {
        std::lock_guard lock(mutex_);
        const auto it = counts_.find(id);
        return it == counts_.end() ? 0 : it->second;
    }
    int registers() const { return calls(method_id::plugin_register); }
    int reconfigures() const { return calls(method_id::plugin_reconfigure); }
    int shutdowns() const { return shutdowns_.load(); }
    int opens() const { return opens_.load(); }
    /// The order of lifecycle calls across plugins is kept by the directory.
    std::vector<cpa::register_request> lifecycle_requests() const {
        std::lock_guard lock(mutex_);
        return lifecycle_requests_;
    }

    std::function<void()> on_open;     ///< runs inside the open (e.g. to block it)
    std::function<void()> on_shutdown; ///< runs inside shutdown
    bool fail_open = false;
    bool panic_on_register = false;
    bool panic_on_reconfigure = false;
    std::function<void()> on_register; ///< runs inside register/reconfigure before answering
    /// The host callbacks of the last client opened (what a real plugin would call).
    std::shared_ptr<cpa::host_services> services;

    cpa::register_response registration_;

private:
    friend class fake_client;
    friend class fake_directory;
    mutable std::mutex mutex_;
    std::map<method_id, std::function<void(const void*, void*)>> handlers_;
    std::map<method_id, int> counts_;
    std::vector<cpa::register_request> lifecycle_requests_;
    std::atomic<int> shutdowns_{0};
    std::atomic<int> opens_{0};
};

class fake_client final : public plugin_client {
public:
    fake_client(std::shared_ptr<fake_plugin> plugin, std::function<void(std::string)> record)
        : plugin_(std::move(plugin)), record_(std::move(record)) {}

    void call(method_id id, std::string_view name, const method_codec&, const void* rq,
              void* rs) override {
        std::function<void(const void*, void*)> handler;
        {
            std::lock_guard lock(plugin_->mutex_);
            ++plugin_->counts_[id];
            if (const auto it = plugin_->handlers_.find(id); it != plugin_->handlers_.end()) {
                handler = it->second;
            }
            if (id == method_id::plugin_register || id == method_id::plugin_reconfigure) {
                plugin_->lifecycle_requests_.push_back(
                    *static_cast<const cpa::register_request*>(rq));
            }
        }
        if (record_) {
            record_(std::string(name));
        }
        if (id == method_id::plugin_register || id == method_id::plugin_reconfigure) {
            if (plugin_->on_register) {
                plugin_->on_register();
            }
            if ((id == method_id::plugin_register && plugin_->panic_on_register) ||
                (id == method_id::plugin_reconfigure && plugin_->panic_on_reconfigure)) {
                throw std::runtime_error("boom");
            }
            if (handler) {
                handler(rq, rs);
                return;
            }
            *static_cast<cpa::register_response*>(rs) = plugin_->registration_;
            return;
        }
        if (!handler) {
            throw cpa::call_error("unknown method " + std::string(name));
        }
        handler(rq, rs);
    }

    void shutdown() noexcept override {
        if (plugin_->on_shutdown) {
            plugin_->on_shutdown();
        }
        plugin_->shutdowns_.fetch_add(1);
    }

private:
    std::shared_ptr<fake_plugin> plugin_;
    std::function<void(std::string)> record_;
};

/// A temporary plugin directory (`<root>/plugins`, platform dir `<root>/plugins/linux/amd64`)
/// and the fake opener over it: opening `<id>*.so` gives a client of the fake registered for
/// `id`.
class fake_directory {
public:
    fake_directory() {
        static std::atomic<int> serial{0};
        root_ = std::filesystem::temp_directory_path() /
                ("cpa-conformance-" + std::to_string(::getpid()) + "-" +
                 std::to_string(serial.fetch_add(1)));
        std::filesystem::create_directories(platform_dir());
    }
    ~fake_directory() {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
    fake_directory(const fake_directory&) = delete;
    fake_directory& operator=(const fake_directory&) = delete;

    [[nodiscard]] std::filesystem::path dir() const { return root_ / "plugins"; }
    [[nodiscard]] std::filesystem::path platform_dir() const {
        return root_ / "plugins" / "linux" / "amd64";
    }

    /// Creates `<platform dir>/<file>` (or under `where`) and returns its path.
    std::filesystem::path add_file(const std::string& file, std::filesystem::path where = {}) {
        const auto path = (where.empty() ? platform_dir() : where) / file;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << "fake plugin " << file << '\n';
        return path;
    }

    /// Registers the behaviour of plugin `id` and creates `<id>.so` in the platform directory.
    std::shared_ptr<fake_plugin> add(const std::string& id, cpa::register_response answer,
                                     bool create_file = true) {
        auto p = std::make_shared<fake_plugin>(std::move(answer));
        {
            std::lock_guard lock(mutex_);
            plugins_[id] = p;
        }
        if (create_file) {
            add_file(id + ".so");
        }
        return p;
    }

    /// Host options with the fake opener, linux/amd64 and a log recorder.
    host_options options() {
        host_options o;
        o.os = "linux";
        o.arch = "amd64";
        o.home = root_.string();
        o.open = [this](const std::string& id, const std::filesystem::path& path,
                        std::shared_ptr<cpa::host_services> services) -> load_result {
            std::shared_ptr<fake_plugin> p;
            {
                std::lock_guard lock(mutex_);
                opened_paths_.push_back(path);
                if (const auto it = plugins_.find(id); it != plugins_.end()) {
                    p = it->second;
                }
            }
            if (!p) {
                return {nullptr, {"no fake plugin " + id}};
            }
            p->opens_.fetch_add(1);
            p->services = std::move(services);
            if (p->on_open) {
                p->on_open();
            }
            if (p->fail_open) {
                return {nullptr, {"load " + path.string() + ": open failed"}};
            }
            return {std::make_shared<fake_client>(
                        p, [this, id](std::string m) { record(id + " " + m); }),
                    {}};
        };
        o.log = [this](const log_event& e) {
            std::lock_guard lock(mutex_);
            logs_.push_back(e);
        };
        return o;
    }

    /// `plugins:` enabled, dir = this directory, and `configs` as given.
    [[nodiscard]] plugins_config
    config(std::initializer_list<std::pair<std::string, std::int64_t>> enabled) const {
        plugins_config c;
        c.enabled = true;
        c.dir = dir().string();
        for (const auto& [id, priority] : enabled) {
            plugin_settings s;
            s.id = id;
            s.enabled = true;
            s.priority = priority;
            c.configs[id] = s;
        }
        return c;
    }

    [[nodiscard]] std::vector<log_event> logs() const {
        std::lock_guard lock(mutex_);
        return logs_;
    }
    [[nodiscard]] int count_logs(std::string_view message) const {
        int n = 0;
        for (const auto& e : logs()) {
            n += e.message == message ? 1 : 0;
        }
        return n;
    }
    /// "<id> <method>" for every call, in order.
    [[nodiscard]] std::vector<std::string> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    [[nodiscard]] std::vector<std::filesystem::path> opened_paths() const {
        std::lock_guard lock(mutex_);
        return opened_paths_;
    }

private:
    void record(std::string what) {
        std::lock_guard lock(mutex_);
        calls_.push_back(std::move(what));
    }

    std::filesystem::path root_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<fake_plugin>> plugins_;
    std::vector<log_event> logs_;
    std::vector<std::string> calls_;
    std::vector<std::filesystem::path> opened_paths_;
};

/// The IDs of a snapshot, in chain order.
inline std::vector<std::string> ids(const snapshot& s) {
    std::vector<std::string> out;
    for (const auto& r : s.records) {
        out.push_back(r.id);
    }
    return out;
}

} // namespace cpa_test

#endif // CPA_TEST_FAKE_PLUGIN_HPP
