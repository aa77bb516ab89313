// JSON conversion for every message type: direct encoding to text, decoding from text or from a
// Boost.JSON value, and the Boost.JSON customisation points `value_from` / `value_to`.
#ifndef CPA_API_JSON_HPP
#define CPA_API_JSON_HPP

#include <cpa/detail/codec.hpp>
#include <cpa/detail/json_reader.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace cpa {

/// A message that cannot be encoded or decoded. `what()` names the message type, the field path
/// and the problem, e.g. `model_response: field Models[0].Created: expected an integer, got a
/// string`.
class wire_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    wire_error() : std::runtime_error("wire error") {}
};

/// Lets `boost::system::result<T, wire_error>::value()` throw the error itself.
[[noreturn]] inline void throw_exception_from_error(const wire_error& e,
                                                    const boost::source_location&) {
    throw e;
}

/// A type the wire codec knows: every message type of the API, their member types, and
/// enumerations with wire spellings.
template <class T>
concept wire_message = detail::described<T>;

/// Parse options matching what Go's decoder accepts: nesting as deep as Go allows (10000), and
/// strings with invalid UTF-8 (each bad byte becomes U+FFFD, as in Go).
inline boost::json::parse_options wire_parse_options() noexcept {
    boost::json::parse_options opts{};
    opts.max_depth = 10000;
    opts.allow_invalid_utf8 = true;
    return opts;
}

/// Parses JSON text with Go's input rules (see detail/json_reader.hpp): repeated keys keep their
/// last value and position, numbers round correctly, invalid UTF-8 becomes U+FFFD. Empty input
/// and syntax errors give a `wire_error` ("unexpected end of JSON input", "invalid JSON at offset
/// N: ..."). Memory comes from `sp` (for example a monotonic resource owned by the caller).
inline boost::system::result<boost::json::value, wire_error>
parse_json(std::string_view text, boost::json::storage_ptr sp = {}) {
    if (text.empty()) {
        return wire_error("unexpected end of JSON input");
    }
    detail::read_error err{};
    auto out = detail::read_json(text, wire_parse_options(), std::move(sp), err);
    if (!out) {
        if (err.code == boost::json::error::incomplete) {
            return wire_error("unexpected end of JSON input");
        }
        return wire_error("invalid JSON at offset " + std::to_string(err.offset) + ": " +
                          err.code.message());
    }
    return std::move(*out);
}

/// Appends the JSON text of `msg` to `out`, exactly as CPA's Go side writes it (key spelling,
/// field order, nulls, base64, times). Throws `wire_error` only for values Go would also refuse
/// (a non-finite number in a free-form object, a time outside the years 0-9999).
template <wire_message T>
void to_json(const T& msg, std::string& out) {
    try {
        detail::encode(msg, out);
    } catch (const detail::encode_error& e) {
        throw wire_error(std::string(T::wire.name) + ": " + e.what());
    }
}

/// The JSON text of `msg`; see the overload above.
template <wire_message T>
[[nodiscard]] std::string to_json(const T& msg) {
    std::string out{};
    to_json(msg, out);
    return out;
}

/// Decodes a message from a parsed JSON value. Returns the error instead of throwing it.
/// Thread-safe; allocates only for the decoded message itself.
template <wire_message T>
[[nodiscard]] boost::system::result<T, wire_error> try_decode(const boost::json::value& v) {
    T out{};
    try {
        detail::decode(v, out, T::wire.name);
    } catch (const detail::decode_failure& e) {
        return wire_error(e.what());
    }
    return out;
}

/// Decodes a message from JSON text, parsing with a stack-backed monotonic buffer so that the
/// parse itself costs no heap allocation for small messages.
template <wire_message T>
[[nodiscard]] boost::system::result<T, wire_error> try_from_json(std::string_view text) {
    unsigned char buffer[4096];
    boost::json::monotonic_resource mr(buffer, sizeof buffer);
    auto parsed = parse_json(text, &mr);
    if (!parsed) {
        return wire_error(std::string(T::wire.name) + ": " + parsed.error().what());
    }
    return try_decode<T>(*parsed);
}

/// Decodes a message from JSON text. Throws `wire_error` naming the message, field and problem.
template <wire_message T>
[[nodiscard]] T from_json(std::string_view text) {
    return try_from_json<T>(text).value();
}

/// The wire spelling of an enumerated value (`request_outcome::rejected` -> "rejected").
template <detail::wire_enum E>
[[nodiscard]] constexpr std::string_view to_string(E value) noexcept {
    return detail::codec<E>::spelling(value);
}

/// The enumerated value of a wire spelling, with the same leniency as decoding: an unrecognised
/// spelling gives the enumeration's documented fallback.
template <detail::wire_enum E>
[[nodiscard]] constexpr E enum_from_string(std::string_view text) noexcept {
    return detail::codec<E>::parse(text);
}

/// `boost::json::value_from` for every message type.
template <wire_message T>
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const T& msg) {
    auto parsed = parse_json(to_json(msg), jv.storage());
    jv = std::move(parsed).value();
}

/// `boost::json::value_to` for every message type; throws `wire_error`.
template <wire_message T>
T tag_invoke(boost::json::value_to_tag<T>, const boost::json::value& jv) {
    return try_decode<T>(jv).value();
}

} // namespace cpa

#endif // CPA_API_JSON_HPP
