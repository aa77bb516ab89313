// RFC 3339 text for `cpa::timestamp`, written the way Go's `time.Time.MarshalJSON` writes it and
// read with the rules of `time.Parse(time.RFC3339, ...)`, so that a time crosses the wire and comes
// back byte for byte.
#ifndef CPA_DETAIL_RFC3339_HPP
#define CPA_DETAIL_RFC3339_HPP

#include <cpa/api/types.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cpa::detail {

/// Longest text `format_rfc3339` writes: "9999-12-31T23:59:59.999999999+23:59".
inline constexpr std::size_t rfc3339_max_size = 35;

/// A proleptic Gregorian date.
struct civil_date {
    std::int64_t year = 1970;
    unsigned month = 1; ///< [1, 12]
    unsigned day = 1;   ///< [1, 31]
};

/// Days from 1970-01-01 to the given proleptic Gregorian date (Hinnant's days_from_civil).
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month,
                                                     unsigned day) noexcept {
    // Counting years from March puts the leap day last, so the day of the year follows from the
    // month by a linear formula; eras of 400 years repeat exactly.
    const std::int64_t y = month <= 2 ? year - 1 : year;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(y - era * 400);      // [0, 399]
    const unsigned march_month = month > 2 ? month - 3 : month + 9;     // [0, 11]
    const unsigned day_of_year = (153 * march_month + 2) / 5 + day - 1; // [0, 365]
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year; // [0, 146096]
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Hinnant's civil_from_days).
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t days) noexcept {
    const std::int64_t z = days + 719468; // days since 0000-03-01
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(z - era * 146097); // [0, 146096]
    const unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    const unsigned march_month = (5 * day_of_year + 2) / 153;                   // [0, 11]
    civil_date date;
    date.day = day_of_year - (153 * march_month + 2) / 5 + 1;
    date.month = march_month < 10 ? march_month + 3 : march_month - 9;
    date.year = static_cast<std::int64_t>(year_of_era) + era * 400 + (date.month <= 2 ? 1 : 0);
    return date;
}

/// Whether `year` has a February 29th.
[[nodiscard]] constexpr bool is_leap_year(std::int64_t year) noexcept {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/// Number of days in `month` of `year`.
[[nodiscard]] constexpr unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
    constexpr unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : lengths[month - 1];
}

namespace rfc3339_impl {

inline constexpr std::int64_t seconds_per_day = 86400;
inline constexpr std::uint32_t nanos_per_second = 1'000'000'000;

inline char* put2(char* out, unsigned value) noexcept {
    out[0] = static_cast<char>('0' + value / 10);
    out[1] = static_cast<char>('0' + value % 10);
    return out + 2;
}

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

[[nodiscard]] constexpr unsigned digit(char c) noexcept {
    return static_cast<unsigned>(c - '0');
}

} // namespace rfc3339_impl

/// Writes `t` as Go's `time.Time.MarshalJSON` does, without the quotes, and returns the count
/// written (at most `rfc3339_max_size`), or 0 when Go would refuse: a local year outside
/// [0, 9999], or an offset of 24 hours or more ("timezone hour outside of range [0,23]").
inline std::size_t format_rfc3339(const cpa::timestamp& t, char* out) noexcept {
    using namespace rfc3339_impl;
    // Far outside [0, 9999] either way; bounding first keeps the sums below from overflowing
    // (the carry of the fraction included: at most 4 s).
    constexpr std::int64_t far = std::int64_t{1} << 40;
    std::int64_t unix_seconds = t.unix_seconds;
    if (unix_seconds < -far || unix_seconds > far) {
        return 0;
    }
    std::uint32_t nanos = t.nanoseconds;
    if (nanos >= nanos_per_second) {
        // Go keeps the fraction normalised; carry rather than print ten digits.
        unix_seconds += nanos / nanos_per_second;
        nanos %= nanos_per_second;
    }
    const std::int64_t local = unix_seconds + t.utc_offset_seconds;
    std::int64_t days = local / seconds_per_day;
    std::int64_t second_of_day = local % seconds_per_day;
    if (second_of_day < 0) {
        second_of_day += seconds_per_day;
        --days;
    }
    const civil_date date = civil_from_days(days);
    if (date.year < 0 || date.year > 9999) {
        return 0;
    }
    // Go drops the seconds of the offset by truncating towards zero, and picks the sign from the
    // truncated minutes: an offset of -30 s is written "+00:00", not "Z" and not "-00:00".
    std::int32_t zone_minutes = t.utc_offset_seconds / 60;
    const bool west = zone_minutes < 0;
    if (west) {
        zone_minutes = -zone_minutes;
    }
    if (zone_minutes / 60 > 23) {
        return 0;
    }

    char* o = out;
    const auto year = static_cast<unsigned>(date.year);
    o = put2(o, year / 100);
    o = put2(o, year % 100);
    *o++ = '-';
    o = put2(o, date.month);
    *o++ = '-';
    o = put2(o, date.day);
    *o++ = 'T';
    const auto sod = static_cast<unsigned>(second_of_day);
    o = put2(o, sod / 3600);
    *o++ = ':';
    o = put2(o, sod / 60 % 60);
    *o++ = ':';
    o = put2(o, sod % 60);
    if (nanos != 0) {
        int width = 9;
        while (nanos % 10 == 0) {
            nanos /= 10;
            --width;
        }
        *o++ = '.';
        for (int k = width - 1; k >= 0; --k) {
            o[k] = static_cast<char>('0' + nanos % 10);
            nanos /= 10;
        }
        o += width;
    }
    if (t.utc_offset_seconds == 0) {
        *o++ = 'Z';
    } else {
        *o++ = west ? '-' : '+';
        const auto minutes = static_cast<unsigned>(zone_minutes);
        o = put2(o, minutes / 60);
        *o++ = ':';
        o = put2(o, minutes % 60);
    }
    return static_cast<std::size_t>(o - out);
}

/// Reads `text` with the rules of Go's `time.Parse(time.RFC3339, text)`:
/// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" and nothing else. On failure returns false
/// and points `reason` at a static message; `out` is then unchanged.
[[nodiscard]] inline bool parse_rfc3339(std::string_view text, cpa::timestamp& out,
                                        std::string_view& reason) noexcept {
    using namespace rfc3339_impl;
    const std::size_t n = text.size();
    std::size_t i = 0;

    const auto fail = [&reason](std::string_view why) {
        reason = why;
        return false;
    };
    const auto literal = [&](char c) {
        if (i < n && text[i] == c) {
            ++i;
            return true;
        }
        return false;
    };
    // Fixed-width fields only: Go reads every RFC 3339 field as exactly two (or four) digits.
    const auto number = [&](std::size_t width, unsigned& value) {
        if (n - i < width) {
            return false;
        }
        unsigned v = 0;
        for (std::size_t k = 0; k < width; ++k) {
            if (!is_digit(text[i + k])) {
                return false;
            }
            v = v * 10 + digit(text[i + k]);
        }
        value = v;
        i += width;
        return true;
    };

    if (n == 0) {
        return fail("empty time");
    }
    unsigned year = 0;
    unsigned month = 0;
    unsigned day = 0;
    unsigned hour = 0;
    unsigned minute = 0;
    unsigned second = 0;
    if (!number(4, year)) {
        return fail("bad year");
    }
    if (!literal('-')) {
        return fail("expected '-' after year");
    }
    if (!number(2, month)) {
        return fail("bad month");
    }
    if (month < 1 || month > 12) {
        return fail("month out of range");
    }
    if (!literal('-')) {
        return fail("expected '-' after month");
    }
    if (!number(2, day)) {
        return fail("bad day");
    }
    if (day < 1 || day > days_in_month(year, month)) {
        return fail("day out of range");
    }
    if (!literal('T')) {
        return fail("expected 'T' after date");
    }
    if (!number(2, hour)) {
        return fail("bad hour");
    }
    if (hour > 23) {
        return fail("hour out of range");
    }
    if (!literal(':')) {
        return fail("expected ':' after hour");
    }
    if (!number(2, minute)) {
        return fail("bad minute");
    }
    if (minute > 59) {
        return fail("minute out of range");
    }
    if (!literal(':')) {
        return fail("expected ':' after minute");
    }
    if (!number(2, second)) {
        return fail("bad second");
    }
    // Go has no leap seconds: 60 is out of range like any other.
    if (second > 59) {
        return fail("second out of range");
    }

    std::uint32_t nanos = 0;
    if (i < n && (text[i] == '.' || text[i] == ',')) {
        ++i;
        if (i == n || !is_digit(text[i])) {
            return fail("bad fraction");
        }
        // Go keeps the first nine digits and ignores the rest: truncation, not rounding.
        int width = 0;
        for (; i < n && is_digit(text[i]); ++i) {
            if (width < 9) {
                nanos = nanos * 10 + digit(text[i]);
                ++width;
            }
        }
        for (; width < 9; ++width) {
            nanos *= 10;
        }
    }

    std::int32_t offset = 0;
    if (i == n) {
        return fail("missing time zone");
    }
    if (text[i] == 'Z') {
        ++i;
    } else if (text[i] == '+' || text[i] == '-') {
        const bool west = text[i] == '-';
        ++i;
        unsigned zone_hours = 0;
        unsigned zone_minutes = 0;
        if (!number(2, zone_hours) || !literal(':') || !number(2, zone_minutes)) {
            return fail("bad time zone");
        }
        if (zone_hours > 23) {
            return fail("time zone hour out of range");
        }
        if (zone_minutes > 59) {
            return fail("time zone minute out of range");
        }
        offset = static_cast<std::int32_t>((zone_hours * 60 + zone_minutes) * 60);
        if (west) {
            offset = -offset;
        }
    } else {
        return fail("bad time zone");
    }
    if (i != n) {
        return fail("extra text after time");
    }

    const std::int64_t local = days_from_civil(year, month, day) * seconds_per_day +
                               static_cast<std::int64_t>(hour * 3600 + minute * 60 + second);
    out.unix_seconds = local - offset;
    out.nanoseconds = nanos;
    out.utc_offset_seconds = offset;
    return true;
}

} // namespace cpa::detail

#endif // CPA_DETAIL_RFC3339_HPP
