// Host callbacks (plugin -> host through `cliproxy_host_api::call`): `host.log`, `host.http.*`,
// `host.model.*`, `host.stream.*`, `host.auth.*`. All keys here are snake_case, except the answer
// of `host.http.do`, which is an `http_response`.
#ifndef CPA_API_HOST_CALLBACKS_HPP
#define CPA_API_HOST_CALLBACKS_HPP

#include <cpa/api/common.hpp>
#include <cpa/api/executor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cpa {

/// Severity of a `host.log` line. Spellings match case-insensitively, `warning` is `warn`, and
/// anything else (including `fatal` and the empty string) is `debug`, as the host reads it.
enum class log_level { trace, debug, info, warn, error };

template <>
struct detail::enum_spellings<log_level> {
    static constexpr std::string_view name = "log_level";
    static constexpr std::pair<log_level, std::string_view> spellings[] = {
        {log_level::trace, "trace"}, {log_level::debug, "debug"},  {log_level::info, "info"},
        {log_level::warn, "warn"},   {log_level::warn, "warning"}, {log_level::error, "error"},
    };
    static constexpr auto fallback = log_level::debug;
    static constexpr bool case_insensitive = true;
};

/// `host.log`. Answer: `empty_message`.
struct host_log_request {
    std::string host_callback_id{};
    log_level level = log_level::debug; ///< what the host reads for an absent level
    std::string message{};
    json_object fields{};

    static constexpr auto wire = detail::message(
        "host_log_request",
        detail::field("host_callback_id", &host_log_request::host_callback_id, detail::omit_empty),
        detail::field("level", &host_log_request::level),
        detail::field("message", &host_log_request::message),
        detail::field("fields", &host_log_request::fields));
};

/// The nested form of a `host.http.do` request.
struct host_http_request_spec {
    std::string method{};
    std::string url{};
    cpa::headers headers{};
    bytes body{};

    static constexpr auto wire = detail::message(
        "host_http_request_spec", detail::field("method", &host_http_request_spec::method),
        detail::field("url", &host_http_request_spec::url),
        detail::field("headers", &host_http_request_spec::headers),
        detail::field("body", &host_http_request_spec::body));
};

/// `host.http.do` and `host.http.do_stream`. When `request` is present the host uses it and
/// ignores the top-level method, url, headers and body. `method` defaults to GET; `url` must be
/// absolute. Answers: `http_response` (do), `host_stream_response` (do_stream).
struct host_http_request {
    std::string host_callback_id{};
    std::string method{};
    std::string url{};
    cpa::headers headers{};
    bytes body{};
    std::optional<host_http_request_spec> request{};

    static constexpr auto wire = detail::message(
        "host_http_request",
        detail::field("host_callback_id", &host_http_request::host_callback_id, detail::omit_empty),
        detail::field("method", &host_http_request::method),
        detail::field("url", &host_http_request::url),
        detail::field("headers", &host_http_request::headers),
        detail::field("body", &host_http_request::body),
        detail::field("request", &host_http_request::request, detail::omit_empty));
};

/// The answer of `host.http.do_stream` and `host.model.execute_stream`: a stream to read.
struct host_stream_response {
    std::int64_t status_code = 0;
    cpa::headers headers{};
    std::string stream_id{};

    static constexpr auto wire = detail::message(
        "host_stream_response", detail::field("status_code", &host_stream_response::status_code),
        detail::field("headers", &host_stream_response::headers),
        detail::field("stream_id", &host_stream_response::stream_id));
};

/// `{"stream_id": ...}`: the request of `host.http.stream_read`, `host.http.stream_close`,
/// `host.model.stream_read` and `host.model.stream_close`.
struct host_stream_request {
    std::string stream_id{};

    static constexpr auto wire = detail::message(
        "host_stream_request", detail::field("stream_id", &host_stream_request::stream_id));
};

/// The answer of `host.http.stream_read`: raw body bytes, or `done` (with `error` on a read
/// failure). Empty fields are left out.
struct host_http_stream_chunk {
    bytes payload{};
    std::string error{};
    bool done = false;

    static constexpr auto wire = detail::message(
        "host_http_stream_chunk",
        detail::field("payload", &host_http_stream_chunk::payload, detail::omit_empty),
        detail::field("error", &host_http_stream_chunk::error, detail::omit_empty),
        detail::field("done", &host_http_stream_chunk::done, detail::omit_empty));
};

/// `host.model.execute` and `host.model.execute_stream`: a nested execution through the host's
/// whole pipeline. `stream` must be false for execute and true for execute_stream. Answers:
/// `host_model_response` (execute), `host_stream_response` (execute_stream).
struct host_model_request {
    std::string entry_protocol{};
    std::string exit_protocol{};
    std::string model{};
    bool stream = false;
    bytes body{};
    cpa::headers headers{};
    cpa::headers query{};
    std::string alt{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "host_model_request", detail::field("entry_protocol", &host_model_request::entry_protocol),
        detail::field("exit_protocol", &host_model_request::exit_protocol),
        detail::field("model", &host_model_request::model),
        detail::field("stream", &host_model_request::stream),
        detail::field("body", &host_model_request::body),
        detail::field("headers", &host_model_request::headers),
        detail::field("query", &host_model_request::query),
        detail::field("alt", &host_model_request::alt),
        detail::field("host_callback_id", &host_model_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `host.model.execute`.
struct host_model_response {
    std::int64_t status_code = 0;
    cpa::headers headers{};
    bytes body{};

    static constexpr auto wire = detail::message(
        "host_model_response", detail::field("status_code", &host_model_response::status_code),
        detail::field("headers", &host_model_response::headers),
        detail::field("body", &host_model_response::body));
};

/// The answer of `host.model.stream_read`: one chunk, or `done` (with `error` on failure). All
/// keys are always present.
struct host_model_stream_chunk {
    bytes payload{};
    std::string error{};
    bool done = false;

    static constexpr auto wire = detail::message(
        "host_model_stream_chunk", detail::field("payload", &host_model_stream_chunk::payload),
        detail::field("error", &host_model_stream_chunk::error),
        detail::field("done", &host_model_stream_chunk::done));
};

/// `host.stream.emit`: one chunk of an executor stream, or an error chunk. Answer:
/// `empty_message`. Blocks while the host's 16-chunk buffer is full.
struct host_stream_emit_request {
    std::string stream_id{};
    bytes payload{};
    std::string error{};

    static constexpr auto wire = detail::message(
        "host_stream_emit_request",
        detail::field("stream_id", &host_stream_emit_request::stream_id),
        detail::field("payload", &host_stream_emit_request::payload, detail::omit_empty),
        detail::field("error", &host_stream_emit_request::error, detail::omit_empty));
};

/// `host.stream.close`: ends an executor stream, optionally with a terminal error. Answer:
/// `empty_message`.
struct host_stream_close_request {
    std::string stream_id{};
    std::string error{};

    static constexpr auto wire = detail::message(
        "host_stream_close_request",
        detail::field("stream_id", &host_stream_close_request::stream_id),
        detail::field("error", &host_stream_close_request::error, detail::omit_empty));
};

/// One bucket of recent request counters of a credential.
struct host_auth_recent_requests {
    std::string time{};
    std::int64_t success = 0;
    std::int64_t failed = 0;

    static constexpr auto wire = detail::message(
        "host_auth_recent_requests", detail::field("time", &host_auth_recent_requests::time),
        detail::field("success", &host_auth_recent_requests::success),
        detail::field("failed", &host_auth_recent_requests::failed));
};

/// A credential known to the host (Go `HostAuthFileEntry`). Every key but `name` and the times
/// is left out when empty.
struct host_auth_file_entry {
    std::string id{};
    std::string auth_index{};
    std::string name{};
    std::string type{};
    std::string provider{};
    std::string label{};
    std::string status{};
    std::string status_message{};
    bool disabled = false;
    bool unavailable = false;
    bool runtime_only = false;
    std::string source{};
    std::string path{};
    std::int64_t size = 0;
    timestamp modtime{};
    timestamp updated_at{};
    timestamp created_at{};
    timestamp last_refresh{};
    timestamp next_retry_after{};
    std::string email{};
    std::string project_id{};
    std::string account_type{};
    std::string account{};
    std::int64_t priority = 0;
    std::string note{};
    bool websockets = false;
    std::int64_t success = 0;
    std::int64_t failed = 0;
    std::vector<host_auth_recent_requests> recent_requests{};

    static constexpr auto wire = detail::message(
        "host_auth_file_entry", detail::field("id", &host_auth_file_entry::id, detail::omit_empty),
        detail::field("auth_index", &host_auth_file_entry::auth_index, detail::omit_empty),
        detail::field("name", &host_auth_file_entry::name),
        detail::field("type", &host_auth_file_entry::type, detail::omit_empty),
        detail::field("provider", &host_auth_file_entry::provider, detail::omit_empty),
        detail::field("label", &host_auth_file_entry::label, detail::omit_empty),
        detail::field("status", &host_auth_file_entry::status, detail::omit_empty),
        detail::field("status_message", &host_auth_file_entry::status_message, detail::omit_empty),
        detail::field("disabled", &host_auth_file_entry::disabled, detail::omit_empty),
        detail::field("unavailable", &host_auth_file_entry::unavailable, detail::omit_empty),
        detail::field("runtime_only", &host_auth_file_entry::runtime_only, detail::omit_empty),
        detail::field("source", &host_auth_file_entry::source, detail::omit_empty),
        detail::field("path", &host_auth_file_entry::path, detail::omit_empty),
        detail::field("size", &host_auth_file_entry::size, detail::omit_empty),
        detail::field("modtime", &host_auth_file_entry::modtime),
        detail::field("updated_at", &host_auth_file_entry::updated_at),
        detail::field("created_at", &host_auth_file_entry::created_at),
        detail::field("last_refresh", &host_auth_file_entry::last_refresh),
        detail::field("next_retry_after", &host_auth_file_entry::next_retry_after),
        detail::field("email", &host_auth_file_entry::email, detail::omit_empty),
        detail::field("project_id", &host_auth_file_entry::project_id, detail::omit_empty),
        detail::field("account_type", &host_auth_file_entry::account_type, detail::omit_empty),
        detail::field("account", &host_auth_file_entry::account, detail::omit_empty),
        detail::field("priority", &host_auth_file_entry::priority, detail::omit_empty),
        detail::field("note", &host_auth_file_entry::note, detail::omit_empty),
        detail::field("websockets", &host_auth_file_entry::websockets, detail::omit_empty),
        detail::field("success", &host_auth_file_entry::success, detail::omit_empty),
        detail::field("failed", &host_auth_file_entry::failed, detail::omit_empty),
        detail::field("recent_requests", &host_auth_file_entry::recent_requests,
                      detail::omit_empty));
};

/// The answer of `host.auth.list` (whose request is any object, e.g. `empty_message`).
struct host_auth_list_response {
    std::vector<host_auth_file_entry> files{};

    static constexpr auto wire = detail::message(
        "host_auth_list_response", detail::field("files", &host_auth_list_response::files));
};

/// `{"auth_index": ...}`: the request of `host.auth.get` and `host.auth.get_runtime`.
struct host_auth_index_request {
    std::string auth_index{};

    static constexpr auto wire =
        detail::message("host_auth_index_request",
                        detail::field("auth_index", &host_auth_index_request::auth_index));
};

/// The answer of `host.auth.get`: the credential file's JSON object, embedded as JSON.
struct host_auth_get_response {
    std::string auth_index{};
    std::string name{};
    std::string path{};
    json_value json{};

    static constexpr auto wire = detail::message(
        "host_auth_get_response", detail::field("auth_index", &host_auth_get_response::auth_index),
        detail::field("name", &host_auth_get_response::name, detail::omit_empty),
        detail::field("path", &host_auth_get_response::path, detail::omit_empty),
        detail::field("json", &host_auth_get_response::json));
};

/// The answer of `host.auth.get_runtime`.
struct host_auth_get_runtime_response {
    host_auth_file_entry auth{};

    static constexpr auto wire =
        detail::message("host_auth_get_runtime_response",
                        detail::field("auth", &host_auth_get_runtime_response::auth));
};

/// `host.auth.save`: writes `<auth dir>/<name>`; `name` ends in `.json`, `json` is an object.
struct host_auth_save_request {
    std::string name{};
    json_value json{};

    static constexpr auto wire = detail::message(
        "host_auth_save_request", detail::field("name", &host_auth_save_request::name),
        detail::field("json", &host_auth_save_request::json));
};

/// The answer of `host.auth.save`.
struct host_auth_save_response {
    std::string name{};
    std::string path{};

    static constexpr auto wire = detail::message(
        "host_auth_save_response", detail::field("name", &host_auth_save_response::name),
        detail::field("path", &host_auth_save_response::path));
};

} // namespace cpa

#endif // CPA_API_HOST_CALLBACKS_HPP
