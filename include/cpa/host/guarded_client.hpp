// The gate in front of every loaded plugin: counts calls in flight, refuses new calls once
// closed, and runs the plugin's shutdown exactly once, after the last call in flight returned.
// The library itself is closed when the last owner of the inner client lets go, so no call can
// reach a closed library. A call can also be abandoned by its caller (`call_until`): the caller
// returns at once and the plugin's call finishes on its own thread, still counted in flight.
#ifndef CPA_HOST_GUARDED_CLIENT_HPP
#define CPA_HOST_GUARDED_CLIENT_HPP

#include <cpa/host/client.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

namespace cpa::host {

class guarded_client final : public plugin_client,
                             public std::enable_shared_from_this<guarded_client> {
public:
    explicit guarded_client(std::shared_ptr<plugin_client> inner) : inner_(std::move(inner)) {}

    /// Throws `call_error("plugin client is closed")` once `close` was called.
    void call(method_id id, std::string_view name, const method_codec& codec, const void* request,
              void* response) override {
        auto inner = enter();
        struct leave {
            guarded_client* self;
            ~leave() { self->call_ended(); }
        } on_exit{this};
        inner->call(id, name, codec, request, response);
    }

    /// Calls `method` like `invoke`, but the caller stops waiting when `stop` is requested: it
    /// gets `call_error("plugin call cancelled")` at once, while the plugin's call runs on to its
    /// end on a thread of its own and counts as in flight until then (so the plugin is shut down
    /// only after it). The client must be owned by a `shared_ptr`.
    template <class Req, class Resp>
    Resp call_until(std::stop_token stop, const plugin_method<Req, Resp>& method, Req request) {
        struct pending {
            std::mutex mutex;
            std::condition_variable_any finished;
            bool done = false;
            Req request;
            Resp response{};
            std::exception_ptr failure;
        };
        auto p = std::make_shared<pending>();
        p->request = std::move(request);
        auto inner = enter();
        auto self = shared_from_this();
        std::thread([self, inner = std::move(inner), p, method]() mutable {
            try {
                inner->call(method.id, method.name, method.codec(), &p->request, &p->response);
            } catch (...) {
                p->failure = std::current_exception();
            }
            inner.reset();
            {
                std::lock_guard lock(p->mutex);
                p->done = true;
            }
            p->finished.notify_all();
            self->call_ended();
        }).detach();
        std::unique_lock lock(p->mutex);
        if (!p->finished.wait(lock, stop, [&] { return p->done; })) {
            throw call_error("plugin call cancelled");
        }
        if (p->failure) {
            std::rethrow_exception(p->failure);
        }
        return std::move(p->response);
    }

    /// Closes the gate (new calls fail at once) and shuts the plugin down when the calls in flight
    /// have returned: now if there are none, else on the thread of the last one. Waits for that
    /// until it happened or `stop` is requested; returns whether it happened. Idempotent.
    bool close(std::stop_token stop = {}) {
        std::shared_ptr<plugin_client> to_shut;
        {
            std::lock_guard lock(mutex_);
            if (!closed_) {
                closed_ = true;
                if (in_flight_ == 0) {
                    to_shut = std::move(inner_);
                }
            }
        }
        if (to_shut) {
            finish(std::move(to_shut));
        }
        std::unique_lock lock(mutex_);
        return done_changed_.wait(lock, stop, [&] { return shut_down_; });
    }

    /// `close` without waiting.
    void shutdown() noexcept override {
        try {
            std::stop_source stopped;
            stopped.request_stop();
            close(stopped.get_token());
        } catch (...) { // close only throws on allocation failure
        }
    }

    [[nodiscard]] bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }
    [[nodiscard]] bool shut_down() const {
        std::lock_guard lock(mutex_);
        return shut_down_;
    }
    [[nodiscard]] std::size_t in_flight() const {
        std::lock_guard lock(mutex_);
        return in_flight_;
    }

private:
    std::shared_ptr<plugin_client> enter() {
        std::lock_guard lock(mutex_);
        if (closed_) {
            throw call_error("plugin client is closed");
        }
        ++in_flight_;
        return inner_;
    }

    void call_ended() noexcept {
        std::shared_ptr<plugin_client> to_shut;
        {
            std::lock_guard lock(mutex_);
            if (--in_flight_ == 0 && closed_ && inner_) {
                to_shut = std::move(inner_);
            }
        }
        if (to_shut) {
            finish(std::move(to_shut));
        }
    }

    void finish(std::shared_ptr<plugin_client> client) noexcept {
        client->shutdown();
        client.reset(); // the library closes here unless someone else still holds it
        {
            std::lock_guard lock(mutex_);
            shut_down_ = true;
        }
        done_changed_.notify_all();
    }

    mutable std::mutex mutex_;
    std::condition_variable_any done_changed_;
    std::shared_ptr<plugin_client> inner_;
    std::size_t in_flight_ = 0;
    bool closed_ = false;
    bool shut_down_ = false;
};

} // namespace cpa::host

#endif // CPA_HOST_GUARDED_CLIENT_HPP
