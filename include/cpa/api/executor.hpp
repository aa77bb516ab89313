// Executors: `executor.execute`, `executor.execute_stream`, `executor.count_tokens`,
// `executor.http_request`.
#ifndef CPA_API_EXECUTOR_HPP
#define CPA_API_EXECUTOR_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cpa {

/// The request of `executor.execute`, `executor.execute_stream` and `executor.count_tokens`
/// (Go `ExecutorRequest` plus the host's wrapper). `payload` is in `source_format`, the
/// negotiated input format; the answer must be in `format`. `stream_id` is set for streams only.
struct executor_request {
    std::string auth_id{};
    std::string auth_provider{};
    std::string model{};
    std::string format{};
    bool stream = false;
    std::string alt{};
    cpa::headers headers{};
    cpa::headers query{};
    bytes original_request{};
    std::string source_format{};
    bytes payload{};
    json_object metadata{};
    bytes storage_json{};
    json_object auth_metadata{};
    string_map auth_attributes{};
    std::string stream_id{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "executor_request", detail::field("AuthID", &executor_request::auth_id),
        detail::field("AuthProvider", &executor_request::auth_provider),
        detail::field("Model", &executor_request::model),
        detail::field("Format", &executor_request::format),
        detail::field("Stream", &executor_request::stream),
        detail::field("Alt", &executor_request::alt),
        detail::field("Headers", &executor_request::headers),
        detail::field("Query", &executor_request::query),
        detail::field("OriginalRequest", &executor_request::original_request),
        detail::field("SourceFormat", &executor_request::source_format),
        detail::field("Payload", &executor_request::payload),
        detail::field("Metadata", &executor_request::metadata),
        detail::field("StorageJSON", &executor_request::storage_json),
        detail::field("AuthMetadata", &executor_request::auth_metadata),
        detail::field("AuthAttributes", &executor_request::auth_attributes),
        detail::field("stream_id", &executor_request::stream_id, detail::omit_empty),
        detail::field("host_callback_id", &executor_request::host_callback_id, detail::omit_empty));
};

/// The answer of `executor.execute` and `executor.count_tokens`.
struct executor_response {
    bytes payload{};
    cpa::headers headers{};
    json_object metadata{};

    static constexpr auto wire =
        detail::message("executor_response", detail::field("Payload", &executor_response::payload),
                        detail::field("Headers", &executor_response::headers),
                        detail::field("Metadata", &executor_response::metadata));
};

/// One chunk of an inline stream answer. `err` exists on the wire but must always be null.
struct executor_stream_chunk {
    bytes payload{};
    detail::always_null err{};

    static constexpr auto wire = detail::message(
        "executor_stream_chunk", detail::field("Payload", &executor_stream_chunk::payload),
        detail::field("Err", &executor_stream_chunk::err));
};

/// The answer of `executor.execute_stream`: non-empty `chunks` is the whole stream (inline mode);
/// no chunks means the plugin streams through `host.stream.emit` / `host.stream.close`.
struct executor_stream_response {
    cpa::headers headers{};
    std::vector<executor_stream_chunk> chunks{};

    static constexpr auto wire = detail::message(
        "executor_stream_response", detail::field("headers", &executor_stream_response::headers),
        detail::field("chunks", &executor_stream_response::chunks));
};

/// The request of `executor.http_request`: a raw HTTP request to run with one of the
/// provider's credentials.
struct executor_http_request {
    std::string auth_id{};
    std::string auth_provider{};
    std::string method{};
    std::string url{};
    cpa::headers headers{};
    bytes body{};
    bytes storage_json{};
    json_object metadata{};
    string_map attributes{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "executor_http_request", detail::field("AuthID", &executor_http_request::auth_id),
        detail::field("AuthProvider", &executor_http_request::auth_provider),
        detail::field("Method", &executor_http_request::method),
        detail::field("URL", &executor_http_request::url),
        detail::field("Headers", &executor_http_request::headers),
        detail::field("Body", &executor_http_request::body),
        detail::field("StorageJSON", &executor_http_request::storage_json),
        detail::field("Metadata", &executor_http_request::metadata),
        detail::field("Attributes", &executor_http_request::attributes),
        detail::field("host_callback_id", &executor_http_request::host_callback_id,
                      detail::omit_empty));
};

/// An HTTP answer (`StatusCode`, `Headers`, `Body`): the result of `executor.http_request`,
/// `management.handle` and `host.http.do`. A status of 0 means 200 where the host reads it.
struct http_response {
    std::int64_t status_code = 0;
    cpa::headers headers{};
    bytes body{};

    static constexpr auto wire =
        detail::message("http_response", detail::field("StatusCode", &http_response::status_code),
                        detail::field("Headers", &http_response::headers),
                        detail::field("Body", &http_response::body));
};

/// The answer of `executor.http_request`.
using executor_http_response = http_response;

} // namespace cpa

#endif // CPA_API_EXECUTOR_HPP
