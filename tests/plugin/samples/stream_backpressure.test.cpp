// Async executor streams against a host that behaves like CPA's (wire contract 6.1): each stream
// buffers at most 16 emitted chunks, and the host starts reading a stream only once
// `executor.execute_stream` has returned. A plugin that emitted a 17th chunk before its call
// returned would wait forever; the SDK's producers must never put a plugin in that position.
//
// The fake host below waits (bounded) for room in the buffer; a wait that runs out is recorded as
// a deadlock and answered with an error, so a broken runtime fails the test instead of hanging it.
#include "plugin_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cpa_test::b64;
using cpa_test::plugin_harness;

constexpr std::size_t host_buffer = 16; // chunks a CPA host holds per stream

std::string stream_id_of(std::string_view request) {
    const std::string_view key = R"("stream_id":")";
    const auto at = request.find(key) + key.size();
    return std::string(request.substr(at, request.find('"', at) - at));
}

/// The per-stream bounded buffers of the fake host.
class bounded_host {
public:
    explicit bounded_host(plugin_harness& h) {
        h.answer_host_method(CLIPROXY_HOST_STREAM_EMIT, [this](std::string_view request) {
            return emit(stream_id_of(request));
        });
    }

    /// The host's reader for one stream: takes `count` chunks, `pause` apart.
    void read(const std::string& id, std::size_t count, std::chrono::microseconds pause) {
        for (std::size_t taken = 0; taken < count; ++taken) {
            std::unique_lock lock(mutex_);
            if (!changed_.wait_for(lock, 10s, [&] { return !buffers_[id].empty(); })) {
                return; // the producer stopped early; the test's counts show it
            }
            buffers_[id].pop_front();
            lock.unlock();
            changed_.notify_all();
            std::this_thread::sleep_for(pause);
        }
    }

    /// The thread that is inside `call` for execute_stream right now.
    void start_call() {
        std::lock_guard lock(mutex_);
        caller_ = std::this_thread::get_id();
    }
    void end_call() {
        std::lock_guard lock(mutex_);
        caller_ = {};
    }

    [[nodiscard]] int deadlocks() const { return deadlocks_.load(); }
    [[nodiscard]] std::size_t deepest() const {
        std::lock_guard lock(mutex_);
        return deepest_;
    }
    /// Emits made on the thread of an `executor.execute_stream` call while it ran.
    [[nodiscard]] int emits_on_the_calling_thread() const { return on_caller_.load(); }

private:
    std::string emit(const std::string& id) {
        std::unique_lock lock(mutex_);
        if (std::this_thread::get_id() == caller_) {
            on_caller_.fetch_add(1);
        }
        // After one deadlock, fail fast: the test has its answer.
        if (deadlocks_.load() > 0 ||
            !changed_.wait_for(lock, 3s, [&] { return buffers_[id].size() < host_buffer; })) {
            deadlocks_.fetch_add(1);
            throw std::runtime_error("stream " + id + ": buffer full and never read");
        }
        buffers_[id].push_back('c');
        deepest_ = std::max(deepest_, buffers_[id].size());
        lock.unlock();
        changed_.notify_all();
        return "{}";
    }

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::deque<char>> buffers_;
    std::thread::id caller_;
    std::atomic<int> on_caller_{0};
    std::size_t deepest_ = 0;
    std::atomic<int> deadlocks_{0};
};

/// An execute_stream request whose last message has `words` words.
std::string stream_request(const std::string& id, int words) {
    std::string text;
    for (int i = 0; i < words; ++i) {
        text += " w" + std::to_string(i);
    }
    return R"({"stream_id":")" + id + R"(","Payload":")" +
           b64(R"({"messages":[{"role":"user","content":")" + text + R"("}]})") + R"("})";
}

} // namespace

BOOST_AUTO_TEST_SUITE(stream_backpressure)

// Each stream emits 64 chunks, four times the host's buffer, and the host reads slowly so the
// buffer fills: every emit beyond the 16th has to wait for the reader. That is only possible when
// the producer runs after the call returned, which is what this checks.
BOOST_AUTO_TEST_CASE(async_streams_longer_than_the_host_buffer_complete) {
    plugin_harness h(cpa_test::sample_path("echo-executor"));
    BOOST_TEST_REQUIRE(h.register_plugin("stream_mode: async\n").rc == 0);
    bounded_host host(h);

    constexpr int streams = 24;
    constexpr int words = 64;
    std::vector<std::jthread> readers;
    for (int i = 0; i < streams; ++i) {
        const std::string id = std::to_string(i);
        host.start_call();
        const auto r = h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, stream_request(id, words));
        host.end_call();
        BOOST_TEST_REQUIRE(r.rc == 0, r.json);
        // The host reads only once the call has returned.
        readers.emplace_back([&host, id] { host.read(id, words, 500us); });
    }
    readers.clear(); // join

    const auto all_closed = [&] {
        for (int i = 0; i < streams; ++i) {
            if (!h.closed(std::to_string(i))) {
                return false;
            }
        }
        return true;
    };
    BOOST_TEST_REQUIRE(h.wait_for(all_closed, 20s));
    BOOST_TEST(host.deadlocks() == 0);
    // Emits may arrive while the call is still running (the producer has its own thread), but
    // never from the calling thread: that thread is the one the host is waiting for.
    BOOST_TEST(host.emits_on_the_calling_thread() == 0);
    // The buffer really was full at some point: back-pressure was exercised, not avoided.
    BOOST_TEST(host.deepest() == host_buffer);
    for (int i = 0; i < streams; ++i) {
        const std::string id = std::to_string(i);
        const auto chunks = h.emitted(id);
        BOOST_TEST(chunks.size() == static_cast<std::size_t>(words), "stream " << id);
        BOOST_TEST(h.close_error(id).empty(), "stream " << id << ": " << h.close_error(id));
        if (chunks.size() == static_cast<std::size_t>(words)) {
            BOOST_TEST(chunks.front().find("\"w0 \"") != std::string::npos, chunks.front());
            BOOST_TEST(chunks.back().find("\"w63 \"") != std::string::npos, chunks.back());
        }
    }
}

// A producer blocked on a full buffer that nobody reads (the client went away and the host has not
// yet noticed) must not hold up shutdown forever: the host's emit fails, the producer ends, the
// stream is closed with the error, and shutdown returns.
BOOST_AUTO_TEST_CASE(producer_blocked_on_an_unread_stream_ends_when_the_emit_fails) {
    plugin_harness h(cpa_test::sample_path("echo-executor"));
    BOOST_TEST_REQUIRE(h.register_plugin("stream_mode: async\n").rc == 0);
    std::atomic<int> emits{0};
    h.answer_host_method(CLIPROXY_HOST_STREAM_EMIT, [&](std::string_view) -> std::string {
        if (emits.fetch_add(1) + 1 > static_cast<int>(host_buffer)) {
            throw std::runtime_error("stream buffer full: the client is gone");
        }
        return "{}";
    });
    const auto r = h.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, stream_request("gone", 40));
    BOOST_TEST_REQUIRE(r.rc == 0, r.json);
    BOOST_TEST_REQUIRE(h.wait_for([&] { return h.closed("gone"); }, 10s));
    BOOST_TEST(h.emitted("gone").size() == host_buffer + 1); // the 17th was refused
    BOOST_TEST(h.close_error("gone").find("stream buffer full: the client is gone") !=
                   std::string::npos,
               h.close_error("gone"));
    h.shutdown();
}

BOOST_AUTO_TEST_SUITE_END()
