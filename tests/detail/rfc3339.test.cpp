#include <cpa/detail/rfc3339.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

namespace cpa {

// Lets BOOST_TEST print both sides of a failed timestamp comparison.
std::ostream& boost_test_print_type(std::ostream& os, const timestamp& t) {
    return os << "{unix_seconds=" << t.unix_seconds << ", nanoseconds=" << t.nanoseconds
              << ", utc_offset_seconds=" << t.utc_offset_seconds << '}';
}

} // namespace cpa

namespace {

using namespace std::string_view_literals;
using namespace std::chrono_literals;
namespace chr = std::chrono;

std::string format(const cpa::timestamp& t) {
    char buffer[cpa::detail::rfc3339_max_size];
    const std::size_t n = cpa::detail::format_rfc3339(t, buffer);
    return std::string(buffer, n);
}

struct parse_result {
    bool ok = false;
    cpa::timestamp value;
    std::string_view reason;
};

parse_result parse(std::string_view text) {
    parse_result r;
    r.ok = cpa::detail::parse_rfc3339(text, r.value, r.reason);
    return r;
}

// The reason a parse failed, or a marker no reason equals when it did not fail.
std::string_view rejection(std::string_view text) {
    const parse_result r = parse(text);
    return r.ok ? "<accepted>"sv : r.reason;
}

// Formats what parsing `text` gave, or describes the failure, so a mismatch prints the cause.
std::string round_trip(std::string_view text) {
    const parse_result r = parse(text);
    if (!r.ok) {
        return "<rejected: " + std::string(r.reason) + ">";
    }
    return format(r.value);
}

std::int64_t unix_seconds_of(chr::sys_seconds tp) {
    return tp.time_since_epoch().count();
}

cpa::timestamp at(chr::sys_seconds tp, std::int32_t offset_seconds, std::uint32_t nanoseconds = 0) {
    cpa::timestamp t;
    t.unix_seconds = unix_seconds_of(tp);
    t.nanoseconds = nanoseconds;
    t.utc_offset_seconds = offset_seconds;
    return t;
}

constexpr chr::sys_days day(int y, unsigned m, unsigned d) {
    return chr::sys_days{chr::year{y} / chr::month{m} / chr::day{d}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(round_trips)

BOOST_AUTO_TEST_CASE(nanoseconds_with_a_positive_offset_round_trip) {
    BOOST_TEST(round_trip("2026-01-02T03:04:05.123456789+08:00") ==
               "2026-01-02T03:04:05.123456789+08:00"sv);
}

BOOST_AUTO_TEST_CASE(whole_seconds_in_utc_round_trip) {
    BOOST_TEST(round_trip("2026-01-02T03:04:06Z") == "2026-01-02T03:04:06Z"sv);
}

BOOST_AUTO_TEST_CASE(a_new_year_midnight_round_trips) {
    BOOST_TEST(round_trip("2030-01-01T00:00:00Z") == "2030-01-01T00:00:00Z"sv);
}

BOOST_AUTO_TEST_CASE(the_longest_text_round_trips_at_max_size) {
    constexpr auto text = "9999-12-31T23:59:59.999999999+23:59"sv;
    BOOST_TEST(text.size() == cpa::detail::rfc3339_max_size);
    BOOST_TEST(round_trip(text) == text);
}

BOOST_AUTO_TEST_CASE(year_zero_round_trips) {
    BOOST_TEST(round_trip("0000-01-01T00:00:00Z") == "0000-01-01T00:00:00Z"sv);
}

BOOST_AUTO_TEST_CASE(year_zero_with_a_positive_offset_round_trips) {
    BOOST_TEST(round_trip("0000-01-01T00:00:00+01:00") == "0000-01-01T00:00:00+01:00"sv);
}

BOOST_AUTO_TEST_CASE(year_9999_round_trips) {
    BOOST_TEST(round_trip("9999-12-31T23:59:59.999999999Z") == "9999-12-31T23:59:59.999999999Z"sv);
}

BOOST_AUTO_TEST_CASE(a_negative_offset_round_trips) {
    BOOST_TEST(round_trip("2025-12-31T23:30:00-01:00") == "2025-12-31T23:30:00-01:00"sv);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(zero_time)

BOOST_AUTO_TEST_CASE(zero_timestamp_formats_as_go_zero_time) {
    BOOST_TEST(format(cpa::timestamp{}) == "0001-01-01T00:00:00Z"sv);
}

BOOST_AUTO_TEST_CASE(go_zero_time_parses_to_the_default_timestamp) {
    const parse_result r = parse("0001-01-01T00:00:00Z");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value == cpa::timestamp{});
    BOOST_TEST(r.value.is_zero());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(instants)

BOOST_AUTO_TEST_CASE(parse_gives_the_unix_seconds_of_a_known_instant) {
    const parse_result r = parse("2030-01-01T00:00:00Z");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value.unix_seconds == 1893456000);
}

BOOST_AUTO_TEST_CASE(parse_subtracts_the_offset_to_get_the_instant) {
    const parse_result r = parse("2026-01-02T03:04:05.123456789+08:00");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value.unix_seconds == unix_seconds_of(day(2026, 1, 1) + 19h + 4min + 5s));
    BOOST_TEST(r.value.nanoseconds == 123456789U);
    BOOST_TEST(r.value.utc_offset_seconds == 8 * 3600);
}

BOOST_AUTO_TEST_CASE(parse_agrees_with_from_sys) {
    const auto tp = day(2026, 1, 2) + 3h + 4min + 5s + 123456789ns - 8h;
    const parse_result r = parse("2026-01-02T03:04:05.123456789+08:00");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value == cpa::timestamp::from_sys(tp, 8h));
}

BOOST_AUTO_TEST_CASE(parse_agrees_with_to_sys) {
    const parse_result r = parse("2030-01-01T00:00:00.5-05:00");
    BOOST_TEST(r.ok);
    BOOST_TEST((r.value.to_sys() == day(2030, 1, 1) + 5h + 500ms));
}

BOOST_AUTO_TEST_CASE(format_of_from_sys_writes_the_local_time) {
    const auto tp = day(2026, 1, 1) + 19h + 4min + 5s + 123456789ns;
    BOOST_TEST(format(cpa::timestamp::from_sys(tp, 8h)) == "2026-01-02T03:04:05.123456789+08:00"sv);
}

BOOST_AUTO_TEST_CASE(a_negative_offset_crosses_back_over_a_year_boundary) {
    BOOST_TEST(format(at(day(2026, 1, 1) + 30min, -3600)) == "2025-12-31T23:30:00-01:00"sv);
}

BOOST_AUTO_TEST_CASE(parse_of_a_negative_offset_moves_the_instant_forward_across_a_year) {
    const parse_result r = parse("2025-12-31T23:30:00-01:00");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value == at(day(2026, 1, 1) + 30min, -3600));
}

BOOST_AUTO_TEST_CASE(a_negative_offset_crosses_back_over_a_day_boundary) {
    BOOST_TEST(format(at(day(2026, 3, 1) + 2h, -(5 * 3600 + 30 * 60))) ==
               "2026-02-28T20:30:00-05:30"sv);
}

BOOST_AUTO_TEST_CASE(a_positive_offset_crosses_forward_over_a_year_boundary) {
    BOOST_TEST(format(at(day(2025, 12, 31) + 23h + 30min, 3600)) == "2026-01-01T00:30:00+01:00"sv);
}

BOOST_AUTO_TEST_CASE(an_instant_before_1970_formats) {
    BOOST_TEST(format(at(day(1969, 12, 31) + 23h + 59min + 59s, 0, 1)) ==
               "1969-12-31T23:59:59.000000001Z"sv);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(formatting)

BOOST_AUTO_TEST_CASE(format_trims_trailing_zero_fraction) {
    BOOST_TEST(format(at(day(2026, 1, 2), 0, 500000000)) == "2026-01-02T00:00:00.5Z"sv);
}

BOOST_AUTO_TEST_CASE(format_trims_zeros_of_a_parsed_fraction) {
    BOOST_TEST(round_trip("2026-01-02T03:04:05.120Z") == "2026-01-02T03:04:05.12Z"sv);
}

BOOST_AUTO_TEST_CASE(format_omits_a_zero_fraction) {
    BOOST_TEST(round_trip("2026-01-02T03:04:05.000000000Z") == "2026-01-02T03:04:05Z"sv);
}

BOOST_AUTO_TEST_CASE(format_keeps_leading_zeros_of_the_fraction) {
    BOOST_TEST(format(at(day(2026, 1, 2), 0, 1)) == "2026-01-02T00:00:00.000000001Z"sv);
}

BOOST_AUTO_TEST_CASE(format_drops_the_seconds_of_the_offset) {
    BOOST_TEST(format(at(day(2026, 1, 2), 3600 + 30 * 60 + 15)) == "2026-01-02T01:30:15+01:30"sv);
}

BOOST_AUTO_TEST_CASE(format_writes_an_offset_under_a_minute_west_as_plus_zero) {
    // Go truncates -30 s to 0 minutes, writes '+', and only writes "Z" for an offset of exactly 0.
    BOOST_TEST(format(at(day(2026, 1, 2), -30)) == "2026-01-01T23:59:30+00:00"sv);
}

BOOST_AUTO_TEST_CASE(format_refuses_a_local_year_of_10000) {
    char buffer[cpa::detail::rfc3339_max_size];
    BOOST_TEST(cpa::detail::format_rfc3339(at(day(9999, 12, 31) + 23h, 3600), buffer) == 0U);
}

BOOST_AUTO_TEST_CASE(format_accepts_a_utc_year_of_10000_written_in_year_9999) {
    BOOST_TEST(format(at(day(10000, 1, 1) + 30min, -3600)) == "9999-12-31T23:30:00-01:00"sv);
}

BOOST_AUTO_TEST_CASE(format_refuses_a_negative_local_year) {
    char buffer[cpa::detail::rfc3339_max_size];
    BOOST_TEST(cpa::detail::format_rfc3339(at(day(0, 1, 1) - 1s, 0), buffer) == 0U);
}

BOOST_AUTO_TEST_CASE(format_refuses_extreme_unix_seconds) {
    char buffer[cpa::detail::rfc3339_max_size];
    cpa::timestamp t;
    t.unix_seconds = std::numeric_limits<std::int64_t>::max();
    t.utc_offset_seconds = std::numeric_limits<std::int32_t>::max();
    BOOST_TEST(cpa::detail::format_rfc3339(t, buffer) == 0U);
    t.unix_seconds = std::numeric_limits<std::int64_t>::min();
    t.utc_offset_seconds = std::numeric_limits<std::int32_t>::min();
    BOOST_TEST(cpa::detail::format_rfc3339(t, buffer) == 0U);
}

BOOST_AUTO_TEST_CASE(format_refuses_offsets_of_24_hours_or_more) {
    char buffer[cpa::detail::rfc3339_max_size];
    BOOST_TEST(cpa::detail::format_rfc3339(at(day(2026, 1, 2), 24 * 3600), buffer) == 0U);
    BOOST_TEST(cpa::detail::format_rfc3339(at(day(2026, 1, 2), -(99 * 3600 + 59 * 60)), buffer) ==
               0U);
    BOOST_TEST(cpa::detail::format_rfc3339(at(day(2026, 1, 2), -100 * 3600), buffer) == 0U);
}

BOOST_AUTO_TEST_CASE(format_writes_the_largest_offsets_go_accepts) {
    BOOST_TEST(format(at(day(2026, 1, 2), 23 * 3600 + 59 * 60)) == "2026-01-02T23:59:00+23:59"sv);
    BOOST_TEST(format(at(day(2026, 1, 2), -(23 * 3600 + 59 * 60))) ==
               "2026-01-01T00:01:00-23:59"sv);
}

BOOST_AUTO_TEST_CASE(format_carries_nanoseconds_beyond_a_second) {
    BOOST_TEST(format(at(day(2026, 1, 2), 0, 1'500'000'000)) == "2026-01-02T00:00:01.5Z"sv);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parsing)

BOOST_AUTO_TEST_CASE(parse_accepts_a_comma_fraction_and_format_writes_a_period) {
    BOOST_TEST(round_trip("2026-01-02T03:04:05,25Z") == "2026-01-02T03:04:05.25Z"sv);
}

BOOST_AUTO_TEST_CASE(parse_truncates_fraction_digits_beyond_the_ninth) {
    const parse_result r = parse("2026-01-02T03:04:05.1234567899Z");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value.nanoseconds == 123456789U);
}

BOOST_AUTO_TEST_CASE(parse_does_not_round_a_long_fraction_up) {
    const parse_result r = parse("2026-01-02T03:04:05.99999999999999999999+01:00");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value.nanoseconds == 999999999U);
    BOOST_TEST(format(r.value) == "2026-01-02T03:04:05.999999999+01:00"sv);
}

BOOST_AUTO_TEST_CASE(parse_reads_a_plus_zero_offset_as_utc) {
    const parse_result r = parse("2026-01-02T03:04:05+00:00");
    BOOST_TEST(r.ok);
    BOOST_TEST(r.value.utc_offset_seconds == 0);
    BOOST_TEST(format(r.value) == "2026-01-02T03:04:05Z"sv);
}

BOOST_AUTO_TEST_CASE(parse_reads_a_minus_zero_offset_as_utc) {
    BOOST_TEST(round_trip("2026-01-02T03:04:05-00:00") == "2026-01-02T03:04:05Z"sv);
}

BOOST_AUTO_TEST_CASE(parse_accepts_the_2024_leap_day) {
    BOOST_TEST(round_trip("2024-02-29T12:00:00Z") == "2024-02-29T12:00:00Z"sv);
}

BOOST_AUTO_TEST_CASE(parse_accepts_the_2000_leap_day) {
    BOOST_TEST(round_trip("2000-02-29T00:00:00Z") == "2000-02-29T00:00:00Z"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_february_29_in_a_common_year) {
    BOOST_TEST(rejection("2023-02-29T00:00:00Z") == "day out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_february_29_in_a_century_year) {
    BOOST_TEST(rejection("1900-02-29T00:00:00Z") == "day out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_april_31) {
    BOOST_TEST(rejection("2026-04-31T00:00:00Z") == "day out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_day_zero) {
    BOOST_TEST(rejection("2026-01-00T00:00:00Z") == "day out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_month_zero) {
    BOOST_TEST(rejection("2026-00-01T00:00:00Z") == "month out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_month_13) {
    BOOST_TEST(rejection("2026-13-01T00:00:00Z") == "month out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_empty_text) {
    BOOST_TEST(rejection("") == "empty time"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_lowercase_t) {
    BOOST_TEST(rejection("2026-01-02t03:04:05Z") == "expected 'T' after date"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_space_between_date_and_time) {
    BOOST_TEST(rejection("2026-01-02 03:04:05Z") == "expected 'T' after date"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_lowercase_z) {
    BOOST_TEST(rejection("2026-01-02T03:04:05z") == "bad time zone"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_missing_time_zone) {
    BOOST_TEST(rejection("2026-01-02T03:04:05") == "missing time zone"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_missing_time_zone_after_a_fraction) {
    BOOST_TEST(rejection("2026-01-02T03:04:05.5") == "missing time zone"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_date_alone) {
    BOOST_TEST(rejection("2026-01-02") == "expected 'T' after date"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_missing_seconds) {
    BOOST_TEST(rejection("2026-01-02T03:04Z") == "expected ':' after minute"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_60_seconds) {
    BOOST_TEST(rejection("2026-12-31T23:59:60Z") == "second out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_60_minutes) {
    BOOST_TEST(rejection("2026-01-02T03:60:00Z") == "minute out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_hour_24) {
    BOOST_TEST(rejection("2026-01-02T24:00:00Z") == "hour out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_one_digit_hour) {
    BOOST_TEST(rejection("2026-01-02T3:04:05Z") == "bad hour"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_an_offset_of_24_hours) {
    BOOST_TEST(rejection("2026-01-02T03:04:05+24:00") == "time zone hour out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_an_offset_of_60_minutes) {
    BOOST_TEST(rejection("2026-01-02T03:04:05-01:60") == "time zone minute out of range"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_an_offset_without_a_colon) {
    BOOST_TEST(rejection("2026-01-02T03:04:05+0800") == "bad time zone"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_short_offset) {
    BOOST_TEST(rejection("2026-01-02T03:04:05+08") == "bad time zone"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_text_after_z) {
    BOOST_TEST(rejection("2026-01-02T03:04:05Zjunk") == "extra text after time"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_text_after_an_offset) {
    BOOST_TEST(rejection("2026-01-02T03:04:05+08:00:00") == "extra text after time"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_five_digit_year) {
    BOOST_TEST(rejection("20260-01-02T03:04:05Z") == "expected '-' after year"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_signed_year) {
    BOOST_TEST(rejection("-001-01-02T03:04:05Z") == "bad year"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_period_without_fraction_digits) {
    BOOST_TEST(rejection("2026-01-02T03:04:05.Z") == "bad fraction"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_comma_without_fraction_digits) {
    BOOST_TEST(rejection("2026-01-02T03:04:05,") == "bad fraction"sv);
}

BOOST_AUTO_TEST_CASE(parse_rejects_a_non_digit_in_a_field) {
    BOOST_TEST(rejection("2026-01-0xT03:04:05Z") == "bad day"sv);
}

BOOST_AUTO_TEST_CASE(parse_leaves_the_output_alone_on_failure) {
    cpa::timestamp t = at(day(2026, 1, 2), 3600, 7);
    const cpa::timestamp before = t;
    std::string_view reason;
    BOOST_TEST(!cpa::detail::parse_rfc3339("2026-01-02T03:04:05", t, reason));
    BOOST_TEST(t == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(civil_arithmetic)

BOOST_AUTO_TEST_CASE(civil_dates_agree_with_the_chrono_calendar_for_years_0_to_10000) {
    const std::int64_t first = cpa::detail::days_from_civil(0, 1, 1);
    const std::int64_t last = cpa::detail::days_from_civil(10000, 12, 31);
    BOOST_TEST(first == day(0, 1, 1).time_since_epoch().count());
    std::int64_t mismatches = 0;
    for (std::int64_t d = first; d <= last; ++d) {
        const chr::year_month_day ymd{chr::sys_days{chr::days{d}}};
        const cpa::detail::civil_date date = cpa::detail::civil_from_days(d);
        if (date.year != static_cast<int>(ymd.year()) ||
            date.month != static_cast<unsigned>(ymd.month()) ||
            date.day != static_cast<unsigned>(ymd.day()) ||
            cpa::detail::days_from_civil(date.year, date.month, date.day) != d) {
            ++mismatches;
        }
    }
    BOOST_TEST(mismatches == 0);
}

BOOST_AUTO_TEST_CASE(days_from_civil_is_usable_at_compile_time) {
    static_assert(cpa::detail::days_from_civil(1970, 1, 1) == 0);
    static_assert(cpa::detail::days_from_civil(1, 1, 1) * 86400 ==
                  cpa::timestamp::zero_unix_seconds);
    static_assert(cpa::detail::civil_from_days(-1).year == 1969);
    BOOST_TEST(cpa::detail::days_from_civil(2030, 1, 1) * 86400 == 1893456000);
}

BOOST_AUTO_TEST_SUITE_END()
