// The answer of an executor's `execute_stream`: either every chunk at once (inline), or a
// producer that streams chunks through the host once the answer is complete (async).
//
// The async form keeps a plugin clear of the host's 16-chunk limit: the host buffers at most 16
// emitted chunks and starts reading only once `executor.execute_stream` has returned, so a call
// that emitted a 17th chunk itself would wait forever. A producer never runs on the calling
// thread: it starts on a thread the SDK owns (joined at shutdown) once the answer is complete,
// and when the host's buffer is full its emits wait for the reader, never the call.
#ifndef CPA_EXECUTOR_STREAM_HPP
#define CPA_EXECUTOR_STREAM_HPP

#include <cpa/api.hpp>
#include <cpa/context.hpp>

#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// Writes the chunks of an async executor stream (`host.stream.emit` / `host.stream.close`).
/// Given to the producer of an `executor_stream`; used from that producer's thread only.
class stream_writer {
public:
    stream_writer(call_context context, std::string stream_id, std::stop_token stop) noexcept
        : context_(std::move(context)), stream_id_(std::move(stream_id)), stop_(std::move(stop)) {}
    stream_writer(const stream_writer&) = delete;
    stream_writer& operator=(const stream_writer&) = delete;

    /// Sends one chunk. Blocks while the host's buffer is full (back-pressure). Throws
    /// `host_error` when the stream is gone (client disconnected, stream closed).
    void emit(bytes payload) { context_.host().stream_emit({stream_id_, std::move(payload), {}}); }

    /// Ends the stream; a non-empty `error` becomes the stream's terminal error. Idempotent.
    /// Never throws: the host ignores closes of streams it no longer knows.
    void close(std::string error = {}) noexcept {
        if (closed_) {
            return;
        }
        closed_ = true;
        try {
            context_.host().stream_close({stream_id_, std::move(error)});
        } catch (...) { // the stream is over either way
        }
    }

    [[nodiscard]] bool closed() const noexcept { return closed_; }
    /// True once the plugin is shutting down: finish quickly and return.
    [[nodiscard]] bool stop_requested() const noexcept { return stop_.stop_requested(); }
    [[nodiscard]] const std::stop_token& stop_token() const noexcept { return stop_; }
    [[nodiscard]] const call_context& context() const noexcept { return context_; }
    [[nodiscard]] const std::string& stream_id() const noexcept { return stream_id_; }

private:
    call_context context_;
    std::string stream_id_;
    std::stop_token stop_;
    bool closed_ = false;
};

/// What `execute_stream` returns. Build it with `executor_stream::chunks(...)` (inline: the whole
/// stream now) or `executor_stream::produce(...)` (async: a producer that runs after the call
/// returned and emits chunks; the SDK closes the stream when the producer returns, with the
/// exception's message as the stream error if it throws).
class executor_stream {
public:
    using producer = std::function<void(stream_writer&)>;

    /// Inline: exactly these chunks, then the end of the stream.
    executor_stream(executor_stream_response inline_answer) // NOLINT: implicit on purpose
        : answer_(std::move(inline_answer)) {}

    static executor_stream chunks(cpa::headers response_headers, std::vector<bytes> payloads) {
        executor_stream_response r;
        r.headers = std::move(response_headers);
        r.chunks.reserve(payloads.size());
        for (auto& p : payloads) {
            r.chunks.push_back({std::move(p), {}});
        }
        return executor_stream(std::move(r));
    }

    /// Async: the response headers now, the chunks from `run` afterwards.
    static executor_stream produce(cpa::headers response_headers, producer run) {
        executor_stream_response r;
        r.headers = std::move(response_headers);
        executor_stream s(std::move(r));
        s.producer_ = std::move(run);
        return s;
    }

    [[nodiscard]] bool is_async() const noexcept { return static_cast<bool>(producer_); }
    [[nodiscard]] const executor_stream_response& answer() const noexcept { return answer_; }
    [[nodiscard]] executor_stream_response& answer() noexcept { return answer_; }
    [[nodiscard]] producer take_producer() noexcept { return std::move(producer_); }

private:
    executor_stream_response answer_;
    producer producer_;
};

} // namespace cpa

#endif // CPA_EXECUTOR_STREAM_HPP
