// Thinking appliers: `thinking.apply`.
#ifndef CPA_API_THINKING_HPP
#define CPA_API_THINKING_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace cpa {

/// How a reasoning configuration is expressed. Unrecognised spellings decode as `unset`.
enum class thinking_mode { unset, budget, level, none, automatic };

template <>
struct detail::enum_spellings<thinking_mode> {
    static constexpr std::string_view name = "thinking_mode";
    static constexpr std::pair<thinking_mode, std::string_view> spellings[] = {
        {thinking_mode::unset, ""},         {thinking_mode::budget, "budget"},
        {thinking_mode::level, "level"},    {thinking_mode::none, "none"},
        {thinking_mode::automatic, "auto"},
    };
    static constexpr auto fallback = thinking_mode::unset;
    static constexpr bool case_insensitive = false;
};

/// A named reasoning level. Unrecognised spellings decode as `unset`.
enum class thinking_level { unset, none, automatic, minimal, low, medium, high, xhigh, max };

template <>
struct detail::enum_spellings<thinking_level> {
    static constexpr std::string_view name = "thinking_level";
    static constexpr std::pair<thinking_level, std::string_view> spellings[] = {
        {thinking_level::unset, ""},         {thinking_level::none, "none"},
        {thinking_level::automatic, "auto"}, {thinking_level::minimal, "minimal"},
        {thinking_level::low, "low"},        {thinking_level::medium, "medium"},
        {thinking_level::high, "high"},      {thinking_level::xhigh, "xhigh"},
        {thinking_level::max, "max"},
    };
    static constexpr auto fallback = thinking_level::unset;
    static constexpr bool case_insensitive = false;
};

/// A parsed reasoning configuration.
struct thinking_config {
    thinking_mode mode = thinking_mode::unset;
    std::int64_t budget = 0;
    thinking_level level = thinking_level::unset;

    static constexpr auto wire =
        detail::message("thinking_config", detail::field("Mode", &thinking_config::mode),
                        detail::field("Budget", &thinking_config::budget),
                        detail::field("Level", &thinking_config::level));
};

/// The request of `thinking.apply`; the answer is a `payload_response`.
struct thinking_apply_request {
    std::string provider{};
    model_info model{};
    thinking_config config{};
    bytes body{};
    std::string host_callback_id{};

    static constexpr auto wire = detail::message(
        "thinking_apply_request", detail::field("Provider", &thinking_apply_request::provider),
        detail::field("Model", &thinking_apply_request::model),
        detail::field("Config", &thinking_apply_request::config),
        detail::field("Body", &thinking_apply_request::body),
        detail::field("host_callback_id", &thinking_apply_request::host_callback_id,
                      detail::omit_empty));
};

} // namespace cpa

#endif // CPA_API_THINKING_HPP
