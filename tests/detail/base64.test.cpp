#include <cpa/detail/base64.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

std::string encode(std::string_view raw) {
    std::string out;
    cpa::detail::base64_encode_append(out, raw);
    return out;
}

// The decoded bytes, or a description of the failure that no expected value in these tests equals,
// so that a failed check prints what went wrong.
std::string decode(std::string_view text) {
    std::string out;
    cpa::detail::base64_error err;
    if (!cpa::detail::base64_decode_append(text, out, err)) {
        return "<error: " + std::string(err.reason) + " at " + std::to_string(err.offset) + ">";
    }
    return out;
}

// The error of a decode that is expected to fail; a decode that succeeds yields an offset no
// input in these tests can have, so the offset check fails visibly.
cpa::detail::base64_error decode_error(std::string_view text) {
    std::string out;
    cpa::detail::base64_error err;
    if (cpa::detail::base64_decode_append(text, out, err)) {
        err.offset = static_cast<std::size_t>(-1);
        err.reason = "decoded without error";
    }
    return err;
}

struct vector_case {
    std::string_view raw;
    std::string_view text;
};

// RFC 4648 section 10.
constexpr vector_case rfc4648_vectors[] = {
    {""sv, ""sv},
    {"f"sv, "Zg=="sv},
    {"fo"sv, "Zm8="sv},
    {"foo"sv, "Zm9v"sv},
    {"foob"sv, "Zm9vYg=="sv},
    {"fooba"sv, "Zm9vYmE="sv},
    {"foobar"sv, "Zm9vYmFy"sv},
};

std::string random_bytes(std::mt19937& rng, std::size_t n) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::string raw(n, '\0');
    for (auto& c : raw) {
        c = static_cast<char>(byte(rng));
    }
    return raw;
}

} // namespace

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(encoded_size_is_padded_to_whole_quanta) {
    BOOST_TEST(cpa::detail::base64_encoded_size(0) == 0U);
    BOOST_TEST(cpa::detail::base64_encoded_size(1) == 4U);
    BOOST_TEST(cpa::detail::base64_encoded_size(2) == 4U);
    BOOST_TEST(cpa::detail::base64_encoded_size(3) == 4U);
    BOOST_TEST(cpa::detail::base64_encoded_size(4) == 8U);
    BOOST_TEST(cpa::detail::base64_encoded_size(300) == 400U);
}

BOOST_AUTO_TEST_CASE(encoded_size_does_not_wrap_near_size_max) {
    constexpr std::size_t max = static_cast<std::size_t>(-1);
    BOOST_TEST(cpa::detail::base64_encoded_size(max / 4 * 3) == max / 4 * 4);
}

BOOST_AUTO_TEST_CASE(encode_matches_rfc4648_vectors) {
    for (const auto& v : rfc4648_vectors) {
        BOOST_TEST(encode(v.raw) == v.text);
    }
}

BOOST_AUTO_TEST_CASE(encode_returns_the_count_written) {
    char buffer[16] = {};
    const std::size_t written = cpa::detail::base64_encode("fooba", 5, buffer);
    BOOST_TEST(written == 8U);
    BOOST_TEST(std::string_view(buffer, written) == "Zm9vYmE="sv);
    BOOST_TEST(buffer[8] == '\0');
}

BOOST_AUTO_TEST_CASE(encode_uses_plus_and_slash_for_the_last_two_digits) {
    BOOST_TEST(encode("\xfb\xff"sv) == "+/8="sv);
    BOOST_TEST(encode("\xff\xff\xff"sv) == "////"sv);
}

BOOST_AUTO_TEST_CASE(encode_append_keeps_existing_content) {
    std::string out = "prefix:";
    cpa::detail::base64_encode_append(out, "foobar");
    BOOST_TEST(out == "prefix:Zm9vYmFy"sv);
}

BOOST_AUTO_TEST_CASE(encode_handles_embedded_nul_bytes) {
    BOOST_TEST(encode("\0\0\0\0"sv) == "AAAAAA=="sv);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decoding)

BOOST_AUTO_TEST_CASE(decode_matches_rfc4648_vectors) {
    for (const auto& v : rfc4648_vectors) {
        BOOST_TEST(decode(v.text) == v.raw);
    }
}

BOOST_AUTO_TEST_CASE(decode_accepts_empty_input) {
    BOOST_TEST(decode("") == "");
}

BOOST_AUTO_TEST_CASE(decode_appends_to_existing_content) {
    std::string out = "prefix:";
    cpa::detail::base64_error err;
    BOOST_TEST(cpa::detail::base64_decode_append("aGk=", out, err));
    BOOST_TEST(out == "prefix:hi"sv);
}

BOOST_AUTO_TEST_CASE(decode_accepts_all_byte_values) {
    BOOST_TEST(decode("AP+A/w==") == "\x00\xff\x80\xff"s);
}

BOOST_AUTO_TEST_CASE(decode_rejects_missing_padding) {
    const auto err = decode_error("aGk");
    BOOST_TEST(err.offset == 3U);
    BOOST_TEST(err.reason == "missing base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_half_of_double_padding_at_end) {
    const auto err = decode_error("ab=");
    BOOST_TEST(err.offset == 3U);
    BOOST_TEST(err.reason == "missing base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_data_in_place_of_second_padding) {
    const auto err = decode_error("ab=c");
    BOOST_TEST(err.offset == 3U);
    BOOST_TEST(err.reason == "missing base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_a_single_leftover_character) {
    const auto err = decode_error("Zm9va");
    BOOST_TEST(err.offset == 5U);
    BOOST_TEST(err.reason == "truncated base64 data"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_a_single_character) {
    const auto err = decode_error("a");
    BOOST_TEST(err.offset == 1U);
    BOOST_TEST(err.reason == "truncated base64 data"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_lone_padding) {
    const auto err = decode_error("=");
    BOOST_TEST(err.offset == 0U);
    BOOST_TEST(err.reason == "misplaced base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_padding_after_one_character) {
    const auto err = decode_error("a===");
    BOOST_TEST(err.offset == 1U);
    BOOST_TEST(err.reason == "misplaced base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_data_after_padding) {
    const auto err = decode_error("aGk=aGk=");
    BOOST_TEST(err.offset == 4U);
    BOOST_TEST(err.reason == "data after base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_data_after_padding_past_line_breaks) {
    const auto err = decode_error("Zg==\r\nZg==");
    BOOST_TEST(err.offset == 6U);
    BOOST_TEST(err.reason == "data after base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_extra_padding) {
    const auto err = decode_error("Zm8==");
    BOOST_TEST(err.offset == 4U);
    BOOST_TEST(err.reason == "data after base64 padding"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_url_safe_minus) {
    const auto err = decode_error("ab-d");
    BOOST_TEST(err.offset == 2U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_url_safe_underscore) {
    const auto err = decode_error("Zm9vYm_y");
    BOOST_TEST(err.offset == 6U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_spaces) {
    const auto err = decode_error("Zm9v Zm9v");
    BOOST_TEST(err.offset == 4U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_bytes_with_the_high_bit_set) {
    const auto err = decode_error("Zm9vZm\x80v");
    BOOST_TEST(err.offset == 6U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_nul_bytes) {
    const auto err = decode_error("Zm9v\0m9v"sv);
    BOOST_TEST(err.offset == 4U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_rejects_invalid_character_after_a_line_break) {
    const auto err = decode_error("Zm\n9v!m9v");
    BOOST_TEST(err.offset == 5U);
    BOOST_TEST(err.reason == "invalid base64 character"sv);
}

BOOST_AUTO_TEST_CASE(decode_ignores_line_breaks_anywhere) {
    BOOST_TEST(decode("\r\nZm\r9v\nYm\n\nFy\r\n") == "foobar");
}

BOOST_AUTO_TEST_CASE(decode_ignores_line_breaks_inside_padding) {
    BOOST_TEST(decode("Zg=\r\n=") == "f");
    BOOST_TEST(decode("Zm8\n=") == "fo");
}

BOOST_AUTO_TEST_CASE(decode_ignores_line_breaks_after_padding) {
    BOOST_TEST(decode("Zg==\n\r\n") == "f");
}

BOOST_AUTO_TEST_CASE(decode_accepts_input_of_only_line_breaks) {
    BOOST_TEST(decode("\r\n\n") == "");
}

BOOST_AUTO_TEST_CASE(decode_counts_a_line_break_as_no_character) {
    const auto err = decode_error("Zm9\nv\nZ");
    BOOST_TEST(err.offset == 7U);
    BOOST_TEST(err.reason == "truncated base64 data"sv);
}

BOOST_AUTO_TEST_CASE(decode_accepts_nonzero_trailing_bits) {
    BOOST_TEST(decode("aGl=") == "hi");
    BOOST_TEST(decode("Zh==") == "f");
    BOOST_TEST(decode("Zm/=") == "fo");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(round_trips)

BOOST_AUTO_TEST_CASE(random_bytes_of_every_length_up_to_300_round_trip) {
    std::mt19937 rng(20260102);
    for (std::size_t n = 0; n <= 300; ++n) {
        const std::string raw = random_bytes(rng, n);
        const std::string text = encode(raw);
        BOOST_TEST(text.size() == cpa::detail::base64_encoded_size(n));
        BOOST_TEST(decode(text) == raw, "length " << n);
    }
}

BOOST_AUTO_TEST_CASE(random_bytes_round_trip_through_mime_style_line_breaks) {
    std::mt19937 rng(4648);
    for (std::size_t n = 0; n <= 300; ++n) {
        const std::string raw = random_bytes(rng, n);
        const std::string text = encode(raw);
        std::string wrapped;
        for (std::size_t at = 0; at < text.size(); at += 76) {
            wrapped.append(text, at, 76);
            wrapped += "\r\n";
        }
        BOOST_TEST(decode(wrapped) == raw, "length " << n);
    }
}

BOOST_AUTO_TEST_CASE(a_large_payload_round_trips) {
    std::mt19937 rng(1);
    const std::string raw = random_bytes(rng, 1 << 20);
    BOOST_TEST((decode(encode(raw)) == raw));
}

BOOST_AUTO_TEST_SUITE_END()
