// The host side a plugin sees under `cpa-host check`: its host callbacks. `host.log` goes to
// stderr with --verbose; the executor stream sink (`host.stream.emit`, `host.stream.close`) is
// recorded per stream so that the check can tell what the plugin sent and when; the credential
// store is empty; there is no network and no nested execution (those answer `host_call_failed`).
#ifndef CPA_REFERENCE_HOST_CHECK_SERVICES_HPP
#define CPA_REFERENCE_HOST_CHECK_SERVICES_HPP

#include <cpa/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cpa_host {

/// Thread-safe: the plugin calls back from any thread, re-entrantly.
class check_services final : public cpa::host_services {
public:
    check_services(std::string plugin_id, bool verbose)
        : plugin_id_(std::move(plugin_id)), verbose_(verbose) {}

    /// What the plugin did with one executor stream.
    struct stream_record {
        std::vector<std::string> chunks;
        std::string error;
        bool closed = false;
        bool in_call = true;           ///< `executor.execute_stream` has not returned yet
        std::size_t emits_in_call = 0; ///< emits before the call returned
    };

    /// A new stream slot; its ID goes into the request's `stream_id`.
    std::string open_stream();
    /// The `executor.execute_stream` call returned; `inline_answer` when it answered with
    /// chunks, which closes the slot (later emits fail, as in CPA).
    void call_returned(const std::string& id, bool inline_answer);
    /// Waits (at most `limit`) until the stream is closed, then forgets it; the record as it was.
    stream_record wait_closed(const std::string& id, std::chrono::milliseconds limit);

    /// A fresh `host_callback_id`.
    std::string next_callback_id() { return std::to_string(++last_callback_); }

    void log(const cpa::host_log_request& r) override;
    cpa::http_response http_do(const cpa::host_http_request&) override;
    cpa::host_stream_response http_do_stream(const cpa::host_http_request&) override;
    cpa::host_http_stream_chunk http_stream_read(const cpa::host_stream_request&) override;
    void http_stream_close(const cpa::host_stream_request&) override {}
    cpa::host_model_response model_execute(const cpa::host_model_request&) override;
    cpa::host_stream_response model_execute_stream(const cpa::host_model_request&) override;
    cpa::host_model_stream_chunk model_stream_read(const cpa::host_stream_request&) override;
    void model_stream_close(const cpa::host_stream_request&) override {}
    void stream_emit(const cpa::host_stream_emit_request& r) override;
    void stream_close(const cpa::host_stream_close_request& r) override;
    cpa::host_auth_list_response auth_list() override { return {}; }
    cpa::host_auth_get_response auth_get(const cpa::host_auth_index_request& r) override;
    cpa::host_auth_get_runtime_response
    auth_get_runtime(const cpa::host_auth_index_request& r) override;
    cpa::host_auth_save_response auth_save(const cpa::host_auth_save_request&) override;

private:
    std::string plugin_id_;
    bool verbose_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, stream_record> streams_;
    std::uint64_t last_stream_ = 0;
    std::atomic<std::uint64_t> last_callback_{0};
};

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_CHECK_SERVICES_HPP
