// Fuzz target rfc3339: `parse_rfc3339` on arbitrary text, and `format_rfc3339` on arbitrary
// timestamps. The selector byte's low bit picks text (0) or a timestamp built from the next 16
// bytes (1).
//
// Checked: whatever parses formats, and the formatted text parses back to a timestamp that
// formats to the same text; so does a timestamp whose offset is whole minutes. (An offset with
// seconds is written, as Go writes it, with the seconds in the local time and only the minutes
// in the offset, so its text reads back as another timestamp: regressions/rfc3339.)
#include "fuzz_entry.hpp"

#include <cpa/detail/rfc3339.hpp>

#include <array>
#include <cstring>

namespace {

void check_formatted(const cpa::timestamp& t, bool round_trip = true) {
    std::array<char, cpa::detail::rfc3339_max_size> first{};
    const std::size_t n = cpa::detail::format_rfc3339(t, first.data());
    if (n == 0) {
        return; // a time Go refuses to write
    }
    if (n > first.size()) {
        cpa_fuzz::violated("format_rfc3339 wrote more than rfc3339_max_size");
    }
    if (!round_trip) {
        return;
    }
    cpa::timestamp back{};
    std::string_view reason;
    if (!cpa::detail::parse_rfc3339(std::string_view(first.data(), n), back, reason)) {
        cpa_fuzz::violated("text written by format_rfc3339 does not parse");
    }
    std::array<char, cpa::detail::rfc3339_max_size> second{};
    const std::size_t m = cpa::detail::format_rfc3339(back, second.data());
    if (m != n || std::memcmp(first.data(), second.data(), n) != 0) {
        cpa_fuzz::violated("format -> parse -> format changes the text");
    }
}

} // namespace

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    const auto in = cpa_fuzz::select(data, size, 2);
    if (in.index == 0) {
        cpa::timestamp t{};
        std::string_view reason;
        if (cpa::detail::parse_rfc3339(in.text, t, reason)) {
            if (t.nanoseconds >= 1'000'000'000U) {
                cpa_fuzz::violated("parse_rfc3339 gave a fraction of a second or more");
            }
            check_formatted(t);
        } else if (reason.empty()) {
            cpa_fuzz::violated("parse_rfc3339 failed without a reason");
        }
        return 0;
    }
    if (in.text.size() < 16) {
        return 0;
    }
    cpa::timestamp t{};
    std::memcpy(&t.unix_seconds, in.text.data(), sizeof t.unix_seconds);
    std::memcpy(&t.nanoseconds, in.text.data() + 8, sizeof t.nanoseconds);
    std::memcpy(&t.utc_offset_seconds, in.text.data() + 12, sizeof t.utc_offset_seconds);
    check_formatted(t, t.utc_offset_seconds % 60 == 0);
    return 0;
}
