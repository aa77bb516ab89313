#include "check_services.hpp"

#include "report.hpp"

#include <cpa/error.hpp>

#include <boost/json/serialize.hpp>

namespace cpa_host {

namespace {

[[noreturn]] void no_network(const char* method) {
    throw cpa::host_error(std::string("host.http.") + method +
                          ": cpa-host check makes no network requests");
}

[[noreturn]] void no_model(const char* method) {
    throw cpa::host_error(std::string("host.model.") + method +
                          ": cpa-host check runs no nested executions");
}

} // namespace

std::string check_services::open_stream() {
    std::lock_guard lock(mutex_);
    const std::string id = std::to_string(++last_stream_);
    streams_[id] = {};
    return id;
}

void check_services::call_returned(const std::string& id, bool inline_answer) {
    std::lock_guard lock(mutex_);
    auto& s = streams_[id];
    s.in_call = false;
    s.closed = s.closed || inline_answer;
    changed_.notify_all();
}

check_services::stream_record check_services::wait_closed(const std::string& id,
                                                          std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return streams_[id].closed; });
    stream_record out = std::move(streams_[id]);
    streams_.erase(id);
    return out;
}

void check_services::log(const cpa::host_log_request& r) {
    if (!verbose_) {
        return;
    }
    cpa::host::log_event e{r.level, plugin_id_, r.message, {}};
    for (const auto& [k, v] : r.fields) {
        e.fields.emplace_back(std::string(k), v.is_string() ? std::string(v.as_string())
                                                            : boost::json::serialize(v));
    }
    log_to_stderr(e);
}

cpa::http_response check_services::http_do(const cpa::host_http_request&) {
    no_network("do");
}

cpa::host_stream_response check_services::http_do_stream(const cpa::host_http_request&) {
    no_network("do_stream");
}

cpa::host_http_stream_chunk check_services::http_stream_read(const cpa::host_stream_request&) {
    no_network("stream_read");
}

cpa::host_model_response check_services::model_execute(const cpa::host_model_request&) {
    no_model("execute");
}

cpa::host_stream_response check_services::model_execute_stream(const cpa::host_model_request&) {
    no_model("execute_stream");
}

cpa::host_model_stream_chunk check_services::model_stream_read(const cpa::host_stream_request&) {
    no_model("stream_read");
}

void check_services::stream_emit(const cpa::host_stream_emit_request& r) {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(r.stream_id);
    if (it == streams_.end() || it->second.closed) {
        throw cpa::host_error("stream " + r.stream_id + " is not open");
    }
    auto& s = it->second;
    if (s.in_call) {
        ++s.emits_in_call;
    }
    if (!r.payload.empty()) {
        s.chunks.emplace_back(r.payload.view());
    }
    if (!r.error.empty()) {
        s.error = r.error; // an error chunk ends the stream
        s.closed = true;
    }
    changed_.notify_all();
}

void check_services::stream_close(const cpa::host_stream_close_request& r) {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(r.stream_id);
    if (it == streams_.end() || it->second.closed) {
        return; // closes of streams the host no longer knows are ignored
    }
    if (!r.error.empty() && it->second.error.empty()) {
        it->second.error = r.error;
    }
    it->second.closed = true;
    changed_.notify_all();
}

cpa::host_auth_get_response check_services::auth_get(const cpa::host_auth_index_request& r) {
    throw cpa::host_error("host.auth.get: auth " + r.auth_index + " not found");
}

cpa::host_auth_get_runtime_response
check_services::auth_get_runtime(const cpa::host_auth_index_request& r) {
    throw cpa::host_error("host.auth.get_runtime: auth " + r.auth_index + " not found");
}

cpa::host_auth_save_response check_services::auth_save(const cpa::host_auth_save_request&) {
    throw cpa::host_error("host.auth.save: cpa-host check stores no credentials");
}

} // namespace cpa_host
