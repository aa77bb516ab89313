// Threads the SDK starts for a plugin (async stream producers). All of them are asked to stop and
// joined when the plugin shuts down, before the host API goes away.
#ifndef CPA_PLUGIN_WORKERS_HPP
#define CPA_PLUGIN_WORKERS_HPP

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>

namespace cpa::detail {

class worker_set {
public:
    worker_set() = default;
    worker_set(const worker_set&) = delete;
    worker_set& operator=(const worker_set&) = delete;
    ~worker_set() { stop_and_join(); }

    /// Runs `work(stop_token)` on a new thread. Throws `std::runtime_error` once shutdown began.
    void spawn(std::function<void(std::stop_token)> work) {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            throw std::runtime_error("the plugin is shutting down");
        }
        reap_finished();
        auto done = std::make_shared<std::atomic<bool>>(false);
        workers_.push_back({std::jthread([work = std::move(work), done](std::stop_token stop) {
                                work(std::move(stop));
                                done->store(true, std::memory_order_release);
                            }),
                            done});
    }

    /// Asks every thread to stop and waits for all of them. Idempotent.
    void stop_and_join() noexcept {
        std::list<worker> joining;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            joining.swap(workers_);
        }
        for (auto& w : joining) {
            w.thread.request_stop();
        }
        joining.clear(); // jthread's destructor joins
    }

    /// Waits for the threads started so far to end, without asking them to stop.
    void join_all() {
        std::list<worker> joining;
        {
            std::lock_guard lock(mutex_);
            joining.swap(workers_);
        }
        for (auto& w : joining) {
            w.thread.join();
        }
    }

    /// Threads started and not yet reaped (for tests and diagnostics).
    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(mutex_);
        return workers_.size();
    }

private:
    struct worker {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };

    void reap_finished() {
        workers_.remove_if([](const worker& w) { return w.done->load(std::memory_order_acquire); });
    }

    mutable std::mutex mutex_;
    std::list<worker> workers_;
    bool stopping_ = false;
};

} // namespace cpa::detail

#endif // CPA_PLUGIN_WORKERS_HPP
