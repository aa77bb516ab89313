// Padded standard base64 (RFC 4648 section 4), the wire form of every Go `[]byte`. Decoding accepts
// and rejects exactly what Go's `base64.StdEncoding.Decode` does, so a plugin never takes a payload
// that the host would have refused, nor refuses one the host would have taken.
#ifndef CPA_DETAIL_BASE64_HPP
#define CPA_DETAIL_BASE64_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cpa::detail {

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks a byte outside the alphabet in `base64_decode_table`; its high bit lets the hot loop test
/// four lookups with one OR.
inline constexpr std::uint8_t base64_invalid = 0xff;

/// The 6-bit value of each byte, or `base64_invalid`.
inline constexpr std::array<std::uint8_t, 256> base64_decode_table = [] {
    std::array<std::uint8_t, 256> table{};
    for (auto& entry : table) {
        entry = base64_invalid;
    }
    for (std::uint8_t i = 0; i < 64; ++i) {
        table[static_cast<unsigned char>(base64_alphabet[i])] = i;
    }
    return table;
}();

/// Length of the padded base64 text for `n` raw bytes.
[[nodiscard]] constexpr std::size_t base64_encoded_size(std::size_t n) noexcept {
    // Written without `(n + 2) / 3` so that sizes near SIZE_MAX cannot wrap.
    return n / 3 * 4 + (n % 3 != 0 ? 4 : 0);
}

/// Writes the padded base64 of `raw[0, n)` to `out` and returns the count written, which is
/// `base64_encoded_size(n)`.
inline std::size_t base64_encode(const char* raw, std::size_t n, char* out) noexcept {
    const auto* in = reinterpret_cast<const unsigned char*>(raw);
    char* o = out;
    std::size_t i = 0;
    for (; n - i >= 3; i += 3) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) |
                                std::uint32_t{in[i + 2]};
        o[0] = base64_alphabet[v >> 18];
        o[1] = base64_alphabet[(v >> 12) & 0x3f];
        o[2] = base64_alphabet[(v >> 6) & 0x3f];
        o[3] = base64_alphabet[v & 0x3f];
        o += 4;
    }
    if (n - i == 1) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16;
        o[0] = base64_alphabet[v >> 18];
        o[1] = base64_alphabet[(v >> 12) & 0x3f];
        o[2] = '=';
        o[3] = '=';
        o += 4;
    } else if (n - i == 2) {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
        o[0] = base64_alphabet[v >> 18];
        o[1] = base64_alphabet[(v >> 12) & 0x3f];
        o[2] = base64_alphabet[(v >> 6) & 0x3f];
        o[3] = '=';
        o += 4;
    }
    return static_cast<std::size_t>(o - out);
}

/// Appends the padded base64 of `raw` to `out`; `raw` must not point into `out`.
inline void base64_encode_append(std::string& out, std::string_view raw) {
    const std::size_t base = out.size();
    out.resize(base + base64_encoded_size(raw.size()));
    base64_encode(raw.data(), raw.size(), out.data() + base);
}

/// Why and where decoding stopped.
struct base64_error {
    std::size_t offset = 0;  ///< byte offset in the input, or its size when the input is cut short
    std::string_view reason; ///< a static string
};

/// Appends the bytes of padded standard base64 `text` to `out`, with the acceptance rules of Go's
/// `base64.StdEncoding.Decode`. On failure returns false, fills `err` and leaves `out` unspecified.
[[nodiscard]] inline bool base64_decode_append(std::string_view text, std::string& out,
                                               base64_error& err) {
    const auto& table = base64_decode_table;
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    const std::size_t base = out.size();
    // Every emitted quantum consumes at least four input bytes, so this bounds all writes.
    out.resize(base + n / 4 * 3);
    char* const begin = out.data() + base;
    char* o = begin;
    std::size_t i = 0;

    const auto fail = [&err](std::size_t offset, std::string_view reason) {
        err.offset = offset;
        err.reason = reason;
        return false;
    };
    const auto skip_newlines = [s, n](std::size_t& at) {
        while (at < n && (s[at] == '\n' || s[at] == '\r')) {
            ++at;
        }
    };

    for (;;) {
        // '=', '\r', '\n' and every invalid byte map to 0xff, so one test per quantum sends all of
        // them to the slow path below.
        while (n - i >= 4) {
            const std::uint32_t a = table[s[i]];
            const std::uint32_t b = table[s[i + 1]];
            const std::uint32_t c = table[s[i + 2]];
            const std::uint32_t d = table[s[i + 3]];
            if (((a | b | c | d) & 0x80U) != 0) {
                break;
            }
            const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
            o[0] = static_cast<char>(v >> 16);
            o[1] = static_cast<char>((v >> 8) & 0xff);
            o[2] = static_cast<char>(v & 0xff);
            o += 3;
            i += 4;
        }
        if (i == n) {
            break;
        }

        // One quantum the way Go's decodeQuantum reads it: line breaks are skipped wherever they
        // are, and padding ends the input.
        std::uint32_t acc = 0;
        int j = 0;
        bool padded = false;
        while (j < 4) {
            if (i == n) {
                if (j == 0) {
                    break;
                }
                return fail(n, j == 1 ? "truncated base64 data" : "missing base64 padding");
            }
            const unsigned char ch = s[i++];
            const std::uint8_t sextet = table[ch];
            if (sextet != base64_invalid) {
                acc = (acc << 6) | sextet;
                ++j;
                continue;
            }
            if (ch == '\n' || ch == '\r') {
                continue;
            }
            if (ch != '=') {
                return fail(i - 1, "invalid base64 character");
            }
            if (j < 2) {
                return fail(i - 1, "misplaced base64 padding");
            }
            if (j == 2) {
                skip_newlines(i);
                if (i == n || s[i] != '=') {
                    return fail(i, "missing base64 padding");
                }
                ++i;
            }
            skip_newlines(i);
            if (i != n) {
                return fail(i, "data after base64 padding");
            }
            padded = true;
            break;
        }

        if (!padded) {
            if (j == 0) {
                break; // only line breaks were left
            }
            o[0] = static_cast<char>(acc >> 16);
            o[1] = static_cast<char>((acc >> 8) & 0xff);
            o[2] = static_cast<char>(acc & 0xff);
            o += 3;
            continue;
        }
        // Leftover low bits are dropped unchecked: StdEncoding is not Strict.
        if (j == 2) {
            o[0] = static_cast<char>(acc >> 4);
            o += 1;
        } else {
            o[0] = static_cast<char>(acc >> 10);
            o[1] = static_cast<char>((acc >> 2) & 0xff);
            o += 2;
        }
        break;
    }

    out.resize(base + static_cast<std::size_t>(o - begin));
    return true;
}

} // namespace cpa::detail

#endif // CPA_DETAIL_BASE64_HPP
