// The gate in front of every loaded plugin: counts calls in flight, refuses new calls once
// closed, and runs the plugin's shutdown exactly once, after the last call in flight returned.
// The library itself is closed when the last owner of the inner client lets go, so no call can
// reach a closed library.
#ifndef CPA_HOST_GUARDED_CLIENT_HPP
#define CPA_HOST_GUARDED_CLIENT_HPP

#include <cpa/host/client.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stop_token>

namespace cpa::host {

class guarded_client final : public plugin_client {
public:
    explicit guarded_client(std::shared_ptr<plugin_client> inner) : inner_(std::move(inner)) {}

    /// Throws `call_error("plugin client is closed")` once `close` was called.
    void call(method_id id, std::string_view name, const method_codec& codec, const void* request,
              void* response) override {
        std::shared_ptr<plugin_client> inner;
        {
            std::lock_guard lock(mutex_);
            if (closed_) {
                throw call_error("plugin client is closed");
            }
            ++in_flight_;
            inner = inner_;
        }
        struct leave {
            guarded_client* self;
            ~leave() { self->call_ended(); }
        } on_exit{this};
        inner->call(id, name, codec, request, response);
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
