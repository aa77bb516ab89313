// Writes JSON text the way Go's encoding/json does, straight into a string: compact, HTML-safe
// string escaping, invalid UTF-8 replaced by U+FFFD, map keys sorted, Go's float formatting.
// Naive plugins search the host's output with strstr, so byte-level fidelity matters here.
#ifndef CPA_DETAIL_JSON_WRITER_HPP
#define CPA_DETAIL_JSON_WRITER_HPP

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpa::detail {

/// Thrown while encoding a value Go's encoder would refuse (a NaN, a year past 9999).
class encode_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bytes that may be copied into a JSON string as they are. Everything else below 0x80 is
// escaped: '"' and '\\', control characters, and '<', '>', '&' (Go's HTML-safe default).
inline constexpr bool json_safe_ascii(unsigned char c) noexcept {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

// Length of the valid UTF-8 sequence at s[i], or 0 if the bytes there are not one. Rejects
// overlong forms, surrogates and code points above U+10FFFF, as Go's utf8.DecodeRune does.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = at(i);
    const std::size_t left = s.size() - i;
    const auto cont = [&](std::size_t k) { return (at(i + k) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) {
        return left >= 2 && cont(1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !cont(1) || !cont(2)) {
            return 0;
        }
        const unsigned char c1 = at(i + 1);
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) {
            return 0;
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !cont(1) || !cont(2) || !cont(3)) {
            return 0;
        }
        const unsigned char c1 = at(i + 1);
        if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) {
            return 0;
        }
        return 4;
    }
    return 0;
}

/// Appends JSON text to a string. Structural bookkeeping (commas) is left to the caller, which
/// knows its own shape; this class only writes tokens.
class json_writer {
public:
    explicit json_writer(std::string& out) noexcept : out_(out) {}

    std::string& buffer() noexcept { return out_; }

    void raw(char c) { out_.push_back(c); }
    void raw(std::string_view s) { out_.append(s); }
    void null() { out_.append("null"); }
    void boolean(bool b) { out_.append(b ? "true" : "false"); }

    template <class Int>
    void integer(Int v) {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
    }

    /// Go's float64 encoding: the shortest digits that round-trip, in plain notation for
    /// magnitudes in [1e-6, 1e21) (padded with zeros, never the exact binary expansion), otherwise
    /// in exponent notation with at least one exponent digit ("1e-7", "1e+21").
    void number(double v) {
        if (!std::isfinite(v)) {
            throw encode_error("unsupported value: non-finite number");
        }
        // Shortest round-trip digits and the decimal exponent, from the scientific form.
        char sci[40];
        const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
        std::string_view text(sci, static_cast<std::size_t>(r.ptr - sci));
        const bool negative = text.front() == '-';
        if (negative) {
            text.remove_prefix(1);
        }
        const std::size_t e = text.find('e');
        std::string digits;
        digits.push_back(text[0]);
        if (e > 1) {
            digits.append(text.substr(2, e - 2)); // skip "d."
        }
        int exponent = 0;
        std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0),
                        text.data() + text.size(), exponent);
        const double a = std::fabs(v);
        if (negative) {
            out_.push_back('-');
        }
        if (a != 0 && (a < 1e-6 || a >= 1e21)) {
            out_.push_back(digits[0]);
            if (digits.size() > 1) {
                out_.push_back('.');
                out_.append(digits, 1);
            }
            out_.push_back('e');
            out_.push_back(exponent < 0 ? '-' : '+');
            integer(exponent < 0 ? -exponent : exponent);
            return;
        }
        const int point = exponent + 1; // digits before the decimal point
        if (digits == "0") {
            out_.push_back('0');
        } else if (point <= 0) {
            out_.append("0.");
            out_.append(static_cast<std::size_t>(-point), '0');
            out_.append(digits);
        } else if (static_cast<std::size_t>(point) >= digits.size()) {
            out_.append(digits);
            out_.append(static_cast<std::size_t>(point) - digits.size(), '0');
        } else {
            out_.append(digits, 0, static_cast<std::size_t>(point));
            out_.push_back('.');
            out_.append(digits, static_cast<std::size_t>(point));
        }
    }

    /// A quoted string with Go's escaping.
    void string(std::string_view s) {
        static constexpr char hex[] = "0123456789abcdef";
        out_.reserve(out_.size() + s.size() + 2);
        out_.push_back('"');
        std::size_t start = 0;
        std::size_t i = 0;
        while (i < s.size()) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c < 0x80) {
                if (json_safe_ascii(c)) {
                    ++i;
                    continue;
                }
                out_.append(s.data() + start, i - start);
                out_.push_back('\\');
                switch (c) {
                case '"':
                case '\\':
                    out_.push_back(static_cast<char>(c));
                    break;
                case '\n':
                    out_.push_back('n');
                    break;
                case '\r':
                    out_.push_back('r');
                    break;
                case '\t':
                    out_.push_back('t');
                    break;
                case '\b':
                    out_.push_back('b');
                    break;
                case '\f':
                    out_.push_back('f');
                    break;
                default:
                    out_.append("u00");
                    out_.push_back(hex[c >> 4]);
                    out_.push_back(hex[c & 0xF]);
                }
                start = ++i;
                continue;
            }
            const std::size_t len = utf8_sequence_length(s, i);
            if (len == 0) {
                out_.append(s.data() + start, i - start);
                out_.append("\\ufffd");
                start = ++i;
                continue;
            }
            // U+2028 and U+2029 are valid JSON but break JavaScript; Go escapes them.
            if (len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
                out_.append(s.data() + start, i - start);
                out_.append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
                i += 3;
                start = i;
                continue;
            }
            i += len;
        }
        out_.append(s.data() + start, s.size() - start);
        out_.push_back('"');
    }

    /// A free-form JSON value. `sorted_keys` writes objects the way Go writes a map (keys in
    /// byte order, at every depth); otherwise objects keep their own order (a raw message).
    void value(const boost::json::value& v, bool sorted_keys) {
        switch (v.kind()) {
        case boost::json::kind::null:
            null();
            break;
        case boost::json::kind::bool_:
            boolean(v.get_bool());
            break;
        case boost::json::kind::int64:
            integer(v.get_int64());
            break;
        case boost::json::kind::uint64:
            integer(v.get_uint64());
            break;
        case boost::json::kind::double_:
            number(v.get_double());
            break;
        case boost::json::kind::string:
            string(v.get_string());
            break;
        case boost::json::kind::array: {
            out_.push_back('[');
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) {
                    out_.push_back(',');
                }
                first = false;
                value(e, sorted_keys);
            }
            out_.push_back(']');
            break;
        }
        case boost::json::kind::object:
            object(v.get_object(), sorted_keys);
            break;
        }
    }

    void object(const boost::json::object& o, bool sorted_keys) {
        out_.push_back('{');
        if (!sorted_keys || o.size() < 2) {
            bool first = true;
            for (const auto& kv : o) {
                if (!first) {
                    out_.push_back(',');
                }
                first = false;
                member(kv.key(), kv.value(), sorted_keys);
            }
        } else {
            std::vector<const boost::json::key_value_pair*> order;
            order.reserve(o.size());
            for (const auto& kv : o) {
                order.push_back(&kv);
            }
            std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
                return std::string_view(a->key()) < std::string_view(b->key());
            });
            bool first = true;
            for (const auto* kv : order) {
                if (!first) {
                    out_.push_back(',');
                }
                first = false;
                member(kv->key(), kv->value(), sorted_keys);
            }
        }
        out_.push_back('}');
    }

private:
    void member(std::string_view key, const boost::json::value& v, bool sorted_keys) {
        string(key);
        out_.push_back(':');
        value(v, sorted_keys);
    }

    std::string& out_;
};

} // namespace cpa::detail

#endif // CPA_DETAIL_JSON_WRITER_HPP
