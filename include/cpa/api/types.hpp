// Value types for the wire shapes that have no direct C++ vocabulary type: byte strings that travel
// as base64, Go times that keep their UTC offset, durations in nanoseconds, HTTP header maps and
// free-form JSON objects.
#ifndef CPA_API_TYPES_HPP
#define CPA_API_TYPES_HPP

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpa {

/// A byte string that crosses the wire as padded standard base64 (Go `[]byte`), or `null` when
/// empty. Holds raw bytes; request and response bodies are usually JSON text, so it converts
/// to and from `std::string` and `std::string_view` freely.
class bytes {
public:
    bytes() = default;
    bytes(std::string value) noexcept : value_(std::move(value)) {}
    bytes(std::string_view value) : value_(value) {}
    bytes(const char* value) : value_(value) {}

    [[nodiscard]] std::string_view view() const noexcept { return value_; }
    [[nodiscard]] const std::string& str() const& noexcept { return value_; }
    [[nodiscard]] std::string&& str() && noexcept { return std::move(value_); }
    [[nodiscard]] std::string& mutable_str() noexcept { return value_; }
    [[nodiscard]] const char* data() const noexcept { return value_.data(); }
    [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }
    [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
    void clear() noexcept { value_.clear(); }
    operator std::string_view() const noexcept { return value_; }

    friend bool operator==(const bytes&, const bytes&) = default;
    friend bool operator==(const bytes& a, std::string_view b) noexcept { return a.value_ == b; }

private:
    std::string value_{};
};

/// A Go `time.Time` as it crosses the wire: an instant with nanosecond precision plus the UTC
/// offset it was written with, so that `2026-01-02T03:04:05.123456789+08:00` encodes back
/// unchanged. The default value is Go's zero time, `0001-01-01T00:00:00Z`, which means "unset".
struct timestamp {
    /// Seconds of Go's zero time relative to the Unix epoch.
    static constexpr std::int64_t zero_unix_seconds = -62135596800;

    std::int64_t unix_seconds = zero_unix_seconds; ///< whole seconds since 1970-01-01T00:00:00Z
    std::uint32_t nanoseconds = 0;                 ///< fraction of the second, [0, 1e9)
    std::int32_t utc_offset_seconds = 0;           ///< offset of the written local time, east > 0

    /// True for Go's zero time (the offset is not considered, as in Go's `IsZero`).
    [[nodiscard]] constexpr bool is_zero() const noexcept {
        return unix_seconds == zero_unix_seconds && nanoseconds == 0;
    }

    /// The instant of `tp`, written with the given UTC offset.
    template <class Duration>
    [[nodiscard]] static constexpr timestamp
    from_sys(std::chrono::sys_time<Duration> tp,
             std::chrono::seconds utc_offset = std::chrono::seconds{0}) noexcept {
        const auto ns =
            std::chrono::time_point_cast<std::chrono::nanoseconds>(tp).time_since_epoch();
        const auto secs = std::chrono::floor<std::chrono::seconds>(ns);
        timestamp t;
        t.unix_seconds = secs.count();
        t.nanoseconds = static_cast<std::uint32_t>((ns - secs).count());
        t.utc_offset_seconds = static_cast<std::int32_t>(utc_offset.count());
        return t;
    }

    /// The current time in UTC.
    [[nodiscard]] static timestamp now() noexcept {
        return from_sys(std::chrono::system_clock::now());
    }

    /// The instant as a `sys_time` in nanoseconds. Only instants between the years 1678 and 2262
    /// fit; the zero time does not (check `is_zero()` first).
    [[nodiscard]] constexpr std::chrono::sys_time<std::chrono::nanoseconds>
    to_sys() const noexcept {
        return std::chrono::sys_time<std::chrono::nanoseconds>{
            std::chrono::seconds{unix_seconds} + std::chrono::nanoseconds{nanoseconds}};
    }

    friend constexpr bool operator==(const timestamp&, const timestamp&) = default;
};

/// A Go `time.Duration`: a signed count of nanoseconds, an integer on the wire.
using duration = std::chrono::nanoseconds;

/// HTTP headers or URL query values (Go `http.Header`, `url.Values`): each name maps to a list of
/// values. Encoded with names sorted byte-wise, `null` when empty.
using headers = std::map<std::string, std::vector<std::string>>;

/// A free-form JSON object (Go `map[string]any`). Encoded with keys sorted at every depth, as Go
/// does, and `null` when empty.
using json_object = boost::json::object;

/// Any JSON value carried verbatim (Go `json.RawMessage`).
using json_value = boost::json::value;

/// A string-to-string map (Go `map[string]string`), `null` when empty.
using string_map = std::map<std::string, std::string>;

} // namespace cpa

#endif // CPA_API_TYPES_HPP
