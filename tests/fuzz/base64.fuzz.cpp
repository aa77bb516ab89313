// Fuzz target base64: `base64_decode_append` on arbitrary text, and the encode -> decode round
// trip of arbitrary bytes.
//
// Checked: a decode that succeeds writes at most 3 bytes per 4 input bytes and its output
// re-encodes and decodes to itself; decoding the encoding of any input gives that input.
#include "fuzz_entry.hpp"

#include <cpa/detail/base64.hpp>

#include <string>

extern "C" int CPA_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    namespace d = cpa::detail;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // Arbitrary text as base64, appended after a prefix that must survive.
    std::string decoded = "prefix";
    d::base64_error err{};
    if (d::base64_decode_append(text, decoded, err)) {
        if (decoded.compare(0, 6, "prefix") != 0 || decoded.size() - 6 > size / 4 * 3) {
            cpa_fuzz::violated("base64 decode wrote outside its bounds");
        }
        const std::string raw = decoded.substr(6);
        std::string encoded;
        d::base64_encode_append(encoded, raw);
        std::string again;
        if (!d::base64_decode_append(encoded, again, err) || again != raw) {
            cpa_fuzz::violated("base64 re-encode of decoded bytes does not decode to them");
        }
    } else if (err.offset > size || err.reason.empty()) {
        cpa_fuzz::violated("base64 decode error without a reason or past the input");
    }

    // Arbitrary bytes: encode, then decode.
    std::string encoded;
    d::base64_encode_append(encoded, text);
    if (encoded.size() != d::base64_encoded_size(size)) {
        cpa_fuzz::violated("base64 encoded size differs from base64_encoded_size");
    }
    std::string round;
    if (!d::base64_decode_append(encoded, round, err) || round != text) {
        cpa_fuzz::violated("base64 encode -> decode does not give the input back");
    }
    return 0;
}
