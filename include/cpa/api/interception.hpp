// Interceptors: `request.intercept_before`, `request.intercept_after`,
// `response.intercept_after`, `response.intercept_stream_chunk`.
#ifndef CPA_API_INTERCEPTION_HPP
#define CPA_API_INTERCEPTION_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cpa {

/// The request of `request.intercept_before` and `request.intercept_after`.
struct request_intercept_request {
    std::string request_id{};
    std::string trace_id{};
    std::string source_format{};
    std::string to_format{};
    std::string model{};
    std::string requested_model{};
    bool stream = false;
    cpa::headers headers{};
    bytes body{};
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "request_intercept_request",
        detail::field("RequestID", &request_intercept_request::request_id),
        detail::field("TraceID", &request_intercept_request::trace_id),
        detail::field("SourceFormat", &request_intercept_request::source_format),
        detail::field("ToFormat", &request_intercept_request::to_format),
        detail::field("Model", &request_intercept_request::model),
        detail::field("RequestedModel", &request_intercept_request::requested_model),
        detail::field("Stream", &request_intercept_request::stream),
        detail::field("Headers", &request_intercept_request::headers),
        detail::field("Body", &request_intercept_request::body),
        detail::field("Metadata", &request_intercept_request::metadata),
        detail::field("host_callback_id", &request_intercept_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of the request interceptors. Each header in `headers` replaces that header;
/// `clear_headers` are removed first; a non-empty `body` replaces the request body; `terminate`
/// answers the client with `status_code` (outside 200-599 becomes 403), `response_headers` and
/// `response_body` without calling an executor.
struct request_intercept_response {
    cpa::headers headers{};
    bytes body{};
    std::vector<std::string> clear_headers{};
    bool terminate = false;
    std::int64_t status_code = 0;
    cpa::headers response_headers{};
    bytes response_body{};

    static constexpr auto wire = detail::message(
        "request_intercept_response",
        detail::field("Headers", &request_intercept_response::headers),
        detail::field("Body", &request_intercept_response::body),
        detail::field("ClearHeaders", &request_intercept_response::clear_headers),
        detail::field("Terminate", &request_intercept_response::terminate),
        detail::field("StatusCode", &request_intercept_response::status_code),
        detail::field("ResponseHeaders", &request_intercept_response::response_headers),
        detail::field("ResponseBody", &request_intercept_response::response_body));
};

/// The request of `response.intercept_after` (successful non-streaming executions).
struct response_intercept_request {
    std::string request_id{};
    std::string source_format{};
    std::string model{};
    std::string requested_model{};
    bool stream = false;
    cpa::headers request_headers{};
    cpa::headers response_headers{};
    bytes original_request{};
    bytes request_body{};
    bytes body{};
    std::int64_t status_code = 0;
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "response_intercept_request",
        detail::field("RequestID", &response_intercept_request::request_id),
        detail::field("SourceFormat", &response_intercept_request::source_format),
        detail::field("Model", &response_intercept_request::model),
        detail::field("RequestedModel", &response_intercept_request::requested_model),
        detail::field("Stream", &response_intercept_request::stream),
        detail::field("RequestHeaders", &response_intercept_request::request_headers),
        detail::field("ResponseHeaders", &response_intercept_request::response_headers),
        detail::field("OriginalRequest", &response_intercept_request::original_request),
        detail::field("RequestBody", &response_intercept_request::request_body),
        detail::field("Body", &response_intercept_request::body),
        detail::field("StatusCode", &response_intercept_request::status_code),
        detail::field("Metadata", &response_intercept_request::metadata),
        detail::field("host_callback_id", &response_intercept_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `response.intercept_after`; same merge rules as request interception.
struct response_intercept_response {
    cpa::headers headers{};
    bytes body{};
    std::vector<std::string> clear_headers{};

    static constexpr auto wire =
        detail::message("response_intercept_response",
                        detail::field("Headers", &response_intercept_response::headers),
                        detail::field("Body", &response_intercept_response::body),
                        detail::field("ClearHeaders", &response_intercept_response::clear_headers));
};

/// `ChunkIndex` of the header-init call that precedes a stream's first chunk.
inline constexpr std::int64_t stream_chunk_header_init_index = -1;

/// The request of `response.intercept_stream_chunk`. For plugins that registered schema
/// version 3, payload calls (`chunk_index >= 0`) carry null `original_request` and
/// `request_body`; keep them from the header-init call if needed.
struct stream_chunk_intercept_request {
    std::string request_id{};
    std::string source_format{};
    std::string model{};
    std::string requested_model{};
    cpa::headers request_headers{};
    cpa::headers response_headers{};
    bytes original_request{};
    bytes request_body{};
    bytes body{};
    std::vector<bytes> history_chunks{};
    std::int64_t chunk_index = 0;
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "stream_chunk_intercept_request",
        detail::field("RequestID", &stream_chunk_intercept_request::request_id),
        detail::field("SourceFormat", &stream_chunk_intercept_request::source_format),
        detail::field("Model", &stream_chunk_intercept_request::model),
        detail::field("RequestedModel", &stream_chunk_intercept_request::requested_model),
        detail::field("RequestHeaders", &stream_chunk_intercept_request::request_headers),
        detail::field("ResponseHeaders", &stream_chunk_intercept_request::response_headers),
        detail::field("OriginalRequest", &stream_chunk_intercept_request::original_request),
        detail::field("RequestBody", &stream_chunk_intercept_request::request_body),
        detail::field("Body", &stream_chunk_intercept_request::body),
        detail::field("HistoryChunks", &stream_chunk_intercept_request::history_chunks),
        detail::field("ChunkIndex", &stream_chunk_intercept_request::chunk_index),
        detail::field("Metadata", &stream_chunk_intercept_request::metadata),
        detail::field("host_callback_id", &stream_chunk_intercept_request::host_callback_id,
                      detail::omit_empty));
};

/// The answer of `response.intercept_stream_chunk`. `drop_chunk` suppresses the chunk and stops
/// the chain for it; a non-empty `body` replaces it.
struct stream_chunk_intercept_response {
    cpa::headers headers{};
    bytes body{};
    std::vector<std::string> clear_headers{};
    bool drop_chunk = false;

    static constexpr auto wire = detail::message(
        "stream_chunk_intercept_response",
        detail::field("Headers", &stream_chunk_intercept_response::headers),
        detail::field("Body", &stream_chunk_intercept_response::body),
        detail::field("ClearHeaders", &stream_chunk_intercept_response::clear_headers),
        detail::field("DropChunk", &stream_chunk_intercept_response::drop_chunk));
};

} // namespace cpa

#endif // CPA_API_INTERCEPTION_HPP
