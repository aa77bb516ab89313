// Usage plugins: `usage.handle`.
#ifndef CPA_API_USAGE_HPP
#define CPA_API_USAGE_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>

namespace cpa {

/// Why a request failed. `body` is plain text on the wire, not base64.
struct usage_failure {
    std::int64_t status_code = 0;
    std::string body{};

    static constexpr auto wire =
        detail::message("usage_failure", detail::field("StatusCode", &usage_failure::status_code),
                        detail::field("Body", &usage_failure::body));
};

/// Token counts of a request.
struct usage_detail {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t reasoning_tokens = 0;
    std::int64_t cached_tokens = 0;
    std::int64_t cache_read_tokens = 0;
    std::int64_t cache_creation_tokens = 0;
    std::int64_t total_tokens = 0;

    static constexpr auto wire =
        detail::message("usage_detail", detail::field("InputTokens", &usage_detail::input_tokens),
                        detail::field("OutputTokens", &usage_detail::output_tokens),
                        detail::field("ReasoningTokens", &usage_detail::reasoning_tokens),
                        detail::field("CachedTokens", &usage_detail::cached_tokens),
                        detail::field("CacheReadTokens", &usage_detail::cache_read_tokens),
                        detail::field("CacheCreationTokens", &usage_detail::cache_creation_tokens),
                        detail::field("TotalTokens", &usage_detail::total_tokens));
};

/// The request of `usage.handle` (Go `UsageRecord`). The answer is ignored.
struct usage_record {
    std::string provider{};
    std::string executor_type{};
    std::string model{};
    std::string alias{};
    std::string api_key{};
    std::string auth_id{};
    std::string auth_index{};
    std::string auth_type{};
    std::string source{};
    std::string reasoning_effort{};
    std::string service_tier{};
    bool generate = false;
    timestamp requested_at{};
    duration latency{0};
    duration ttft{0};
    bool failed = false;
    usage_failure failure{};
    usage_detail detail; // hides namespace detail: the description below names it in full
    cpa::headers response_headers{};

    static constexpr auto wire = ::cpa::detail::message(
        "usage_record", ::cpa::detail::field("Provider", &usage_record::provider),
        ::cpa::detail::field("ExecutorType", &usage_record::executor_type),
        ::cpa::detail::field("Model", &usage_record::model),
        ::cpa::detail::field("Alias", &usage_record::alias),
        ::cpa::detail::field("APIKey", &usage_record::api_key),
        ::cpa::detail::field("AuthID", &usage_record::auth_id),
        ::cpa::detail::field("AuthIndex", &usage_record::auth_index),
        ::cpa::detail::field("AuthType", &usage_record::auth_type),
        ::cpa::detail::field("Source", &usage_record::source),
        ::cpa::detail::field("ReasoningEffort", &usage_record::reasoning_effort),
        ::cpa::detail::field("ServiceTier", &usage_record::service_tier),
        ::cpa::detail::field("Generate", &usage_record::generate),
        ::cpa::detail::field("RequestedAt", &usage_record::requested_at),
        ::cpa::detail::field("Latency", &usage_record::latency),
        ::cpa::detail::field("TTFT", &usage_record::ttft),
        ::cpa::detail::field("Failed", &usage_record::failed),
        ::cpa::detail::field("Failure", &usage_record::failure),
        ::cpa::detail::field("Detail", &usage_record::detail),
        ::cpa::detail::field("ResponseHeaders", &usage_record::response_headers));
};

} // namespace cpa

#endif // CPA_API_USAGE_HPP
