// Request lifecycle: `request.complete`.
#ifndef CPA_API_LIFECYCLE_HPP
#define CPA_API_LIFECYCLE_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace cpa {

/// How a model execution ended. Unrecognised spellings decode as `unset`.
enum class request_outcome { unset, succeeded, failed, rejected, canceled };

template <>
struct detail::enum_spellings<request_outcome> {
    static constexpr std::string_view name = "request_outcome";
    static constexpr std::pair<request_outcome, std::string_view> spellings[] = {
        {request_outcome::unset, ""},
        {request_outcome::succeeded, "succeeded"},
        {request_outcome::failed, "failed"},
        {request_outcome::rejected, "rejected"},
        {request_outcome::canceled, "canceled"},
    };
    static constexpr auto fallback = request_outcome::unset;
    static constexpr bool case_insensitive = false;
};

/// The request of `request.complete` (Go `RequestCompletion`). The answer is ignored.
struct request_completion {
    std::string request_id{};
    std::string trace_id{};
    std::string source_format{};
    std::string model{};
    std::string requested_model{};
    bool stream = false;
    request_outcome outcome = request_outcome::unset;
    std::int64_t status_code = 0;
    std::string error{};
    timestamp started_at{};
    timestamp completed_at{};
    json_object metadata{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "request_completion", detail::field("RequestID", &request_completion::request_id),
        detail::field("TraceID", &request_completion::trace_id),
        detail::field("SourceFormat", &request_completion::source_format),
        detail::field("Model", &request_completion::model),
        detail::field("RequestedModel", &request_completion::requested_model),
        detail::field("Stream", &request_completion::stream),
        detail::field("Outcome", &request_completion::outcome),
        detail::field("StatusCode", &request_completion::status_code),
        detail::field("Error", &request_completion::error),
        detail::field("StartedAt", &request_completion::started_at),
        detail::field("CompletedAt", &request_completion::completed_at),
        detail::field("Metadata", &request_completion::metadata),
        detail::field("host_callback_id", &request_completion::host_callback_id,
                      detail::omit_empty));
};

} // namespace cpa

#endif // CPA_API_LIFECYCLE_HPP
