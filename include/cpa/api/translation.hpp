// Translators and normalizers: `request.translate`, `request.normalize`, `response.translate`,
// `response.normalize_before`, `response.normalize_after`.
#ifndef CPA_API_TRANSLATION_HPP
#define CPA_API_TRANSLATION_HPP

#include <cpa/api/common.hpp>

#include <string>

namespace cpa {

/// The request of `request.translate` and `request.normalize`.
struct request_transform_request {
    std::string from_format{};
    std::string to_format{};
    std::string model{};
    bool stream = false;
    bytes body{};

    static constexpr auto wire =
        detail::message("request_transform_request",
                        detail::field("FromFormat", &request_transform_request::from_format),
                        detail::field("ToFormat", &request_transform_request::to_format),
                        detail::field("Model", &request_transform_request::model),
                        detail::field("Stream", &request_transform_request::stream),
                        detail::field("Body", &request_transform_request::body));
};

/// The request of `response.translate`, `response.normalize_before` and
/// `response.normalize_after`.
struct response_transform_request {
    std::string from_format{};
    std::string to_format{};
    std::string model{};
    bool stream = false;
    bytes original_request{};
    bytes translated_request{};
    bytes body{};

    static constexpr auto wire = detail::message(
        "response_transform_request",
        detail::field("FromFormat", &response_transform_request::from_format),
        detail::field("ToFormat", &response_transform_request::to_format),
        detail::field("Model", &response_transform_request::model),
        detail::field("Stream", &response_transform_request::stream),
        detail::field("OriginalRequest", &response_transform_request::original_request),
        detail::field("TranslatedRequest", &response_transform_request::translated_request),
        detail::field("Body", &response_transform_request::body));
};

/// `{"Body": ...}`: the answer of the translators, normalizers and `thinking.apply`. An empty
/// body means "no change".
struct payload_response {
    bytes body{};

    static constexpr auto wire =
        detail::message("payload_response", detail::field("Body", &payload_response::body));
};

} // namespace cpa

#endif // CPA_API_TRANSLATION_HPP
