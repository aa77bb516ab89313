// The machinery behind every message codec. A message type lists its fields once, in a static
// `wire` description (wire key, member, options); encoding and decoding are both generated from
// that list by the value rules below, so the two directions cannot drift apart.
//
// Encoding follows Go's encoding/json output for the CPA types: every field present in
// declaration order unless it is `omit_empty` and empty, `null` for empty maps, slices, bytes and
// optional values, base64 for bytes, RFC 3339 for times.
//
// Decoding follows Go's encoding/json input rules and nothing more lenient: keys match exactly
// first, then case-insensitively (underscores count); unknown keys are ignored; `null` leaves
// scalars and structs alone and empties maps, slices and optional values; later duplicates win;
// every type mismatch, bad base64, empty or malformed time, fractional or out-of-range integer is
// an error naming the message and the field path.
#ifndef CPA_DETAIL_CODEC_HPP
#define CPA_DETAIL_CODEC_HPP

#include <cpa/api/types.hpp>
#include <cpa/detail/base64.hpp>
#include <cpa/detail/json_writer.hpp>
#include <cpa/detail/rfc3339.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace cpa::detail {

// ---------------------------------------------------------------------------------------------
// Descriptions

enum field_options : unsigned { none = 0, omit_empty = 1 };

template <class Class, class Member>
struct field_desc {
    std::string_view key;
    Member Class::*member;
    unsigned options;
};

/// One field of a message: its wire key and the member that holds it.
template <class Class, class Member>
constexpr field_desc<Class, Member> field(std::string_view key, Member Class::*member,
                                          unsigned options = none) noexcept {
    return {key, member, options};
}

template <class... Fields>
struct message_desc {
    std::string_view name;
    std::tuple<Fields...> fields;
    static constexpr std::size_t size = sizeof...(Fields);
};

/// The description of a message type: its name (used in error messages) and its fields in wire
/// order.
template <class... Fields>
constexpr message_desc<Fields...> message(std::string_view name, Fields... fields) noexcept {
    return {name, std::tuple<Fields...>{fields...}};
}

/// A type that carries a `wire` description.
template <class T>
concept described = requires {
    T::wire.name;
    T::wire.fields;
};

/// Enumerations with wire spellings specialise this with `name`, `spellings` (first spelling of a
/// value is the one written), `fallback` (what an unrecognised spelling decodes to) and
/// `case_insensitive`.
template <class E>
struct enum_spellings;

template <class E>
concept wire_enum = std::is_enum_v<E> && requires {
    enum_spellings<E>::name;
    enum_spellings<E>::spellings;
    enum_spellings<E>::fallback;
};

/// A field that must be `null` on the wire (Go `error` and `http.HandlerFunc` members that no
/// JSON value can fill). It writes `null` and rejects anything else.
struct always_null {
    friend constexpr bool operator==(always_null, always_null) noexcept { return true; }
};

// ---------------------------------------------------------------------------------------------
// Decoding context: the path to the value being decoded, for error messages.

/// Thrown by the decoder; caught and turned into `cpa::wire_error` by the public entry points.
class decode_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class decode_context {
public:
    explicit decode_context(std::string_view root) : root_(root) {}

    struct segment {
        std::string_view key;
        std::size_t index;
        bool is_index;
    };

    void push_key(std::string_view key) { path_.push_back({key, 0, false}); }
    void push_index(std::size_t index) { path_.push_back({{}, index, true}); }
    void pop() noexcept { path_.pop_back(); }

    [[noreturn]] void fail(std::string_view problem) const {
        std::string msg(root_);
        if (!path_.empty()) {
            msg += ": field ";
            for (std::size_t i = 0; i < path_.size(); ++i) {
                if (path_[i].is_index) {
                    msg += '[';
                    msg += std::to_string(path_[i].index);
                    msg += ']';
                } else {
                    if (i != 0) {
                        msg += '.';
                    }
                    msg += path_[i].key;
                }
            }
        }
        msg += ": ";
        msg += problem;
        throw decode_failure(msg);
    }

private:
    std::string_view root_;
    std::vector<segment> path_;
};

inline std::string_view kind_name(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null:
        return "null";
    case boost::json::kind::bool_:
        return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
        return "a number";
    case boost::json::kind::string:
        return "a string";
    case boost::json::kind::array:
        return "an array";
    case boost::json::kind::object:
        return "an object";
    }
    return "a value";
}

[[noreturn]] inline void fail_type(const decode_context& ctx, std::string_view expected,
                                   const boost::json::value& got) {
    std::string msg = "expected ";
    msg += expected;
    msg += ", got ";
    msg += kind_name(got);
    ctx.fail(msg);
}

// Go's case-insensitive key match: ASCII letters fold, and so do the two non-ASCII characters
// that fold to ASCII letters (U+017F long s -> 's', U+212A Kelvin sign -> 'k'). Underscores and
// every other character must match exactly.
constexpr bool key_equal_fold(std::string_view key, std::string_view name) noexcept {
    std::size_t i = 0;
    std::size_t j = 0;
    while (j < name.size()) {
        if (i >= key.size()) {
            return false;
        }
        const auto kc = static_cast<unsigned char>(key[i]);
        const auto nc = static_cast<unsigned char>(name[j]);
        const auto lower = [](unsigned char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
        };
        if (kc < 0x80) {
            if (lower(kc) != lower(nc)) {
                return false;
            }
            ++i;
            ++j;
            continue;
        }
        const std::string_view rest = key.substr(i);
        if (lower(nc) == 's' && rest.starts_with("\xC5\xBF")) {
            i += 2;
        } else if (lower(nc) == 'k' && rest.starts_with("\xE2\x84\xAA")) {
            i += 3;
        } else {
            return false;
        }
        ++j;
    }
    return i == key.size();
}

// ---------------------------------------------------------------------------------------------
// Value rules: how each C++ member type is written, tested for emptiness and read.

template <class T>
struct codec;

template <class T>
concept has_codec = requires {
    sizeof(codec<T>);
};

template <class T>
void encode_value(json_writer& w, const T& v) {
    codec<T>::write(w, v);
}

template <class T>
void decode_value(const boost::json::value& j, T& out, decode_context& ctx) {
    codec<T>::read(j, out, ctx);
}

template <class T>
bool is_empty_value(const T& v) {
    if constexpr (requires { codec<T>::empty(v); }) {
        return codec<T>::empty(v);
    } else {
        return false; // structs are never empty in Go's sense
    }
}

template <>
struct codec<bool> {
    static void write(json_writer& w, bool v) { w.boolean(v); }
    static bool empty(bool v) noexcept { return !v; }
    static void read(const boost::json::value& j, bool& out, decode_context& ctx) {
        if (j.is_null()) {
            return;
        }
        if (!j.is_bool()) {
            fail_type(ctx, "a boolean", j);
        }
        out = j.get_bool();
    }
};

template <class Int>
requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>) struct codec<Int> {
    static void write(json_writer& w, Int v) { w.integer(v); }
    static bool empty(Int v) noexcept { return v == 0; }
    static void read(const boost::json::value& j, Int& out, decode_context& ctx) {
        using lim = std::numeric_limits<Int>;
        switch (j.kind()) {
        case boost::json::kind::null:
            return;
        case boost::json::kind::int64: {
            const std::int64_t v = j.get_int64();
            if constexpr (std::is_signed_v<Int>) {
                if (v >= static_cast<std::int64_t>(lim::min()) &&
                    v <= static_cast<std::int64_t>(lim::max())) {
                    out = static_cast<Int>(v);
                    return;
                }
            } else {
                if (v >= 0 && static_cast<std::uint64_t>(v) <= lim::max()) {
                    out = static_cast<Int>(v);
                    return;
                }
            }
            out_of_range(ctx, std::to_string(v));
        }
        case boost::json::kind::uint64: {
            const std::uint64_t v = j.get_uint64();
            if (v <= static_cast<std::uint64_t>(lim::max())) {
                out = static_cast<Int>(v);
                return;
            }
            out_of_range(ctx, std::to_string(v));
        }
        case boost::json::kind::double_:
            ctx.fail("expected an integer, got a number with a fraction, an exponent or out of "
                     "64-bit range");
        default:
            fail_type(ctx, "an integer", j);
        }
    }

private:
    [[noreturn]] static void out_of_range(const decode_context& ctx, const std::string& v) {
        ctx.fail("integer " + v + " out of range for a " + std::to_string(sizeof(Int) * 8) +
                 "-bit " + (std::is_signed_v<Int> ? "signed" : "unsigned") + " field");
    }
};

template <>
struct codec<std::string> {
    static void write(json_writer& w, const std::string& v) { w.string(v); }
    static bool empty(const std::string& v) noexcept { return v.empty(); }
    static void read(const boost::json::value& j, std::string& out, decode_context& ctx) {
        if (j.is_null()) {
            return;
        }
        if (!j.is_string()) {
            fail_type(ctx, "a string", j);
        }
        out.assign(j.get_string().data(), j.get_string().size());
    }
};

template <>
struct codec<bytes> {
    static void write(json_writer& w, const bytes& v) {
        if (v.empty()) {
            w.null();
            return;
        }
        auto& out = w.buffer();
        out.push_back('"');
        base64_encode_append(out, v.view());
        out.push_back('"');
    }
    static bool empty(const bytes& v) noexcept { return v.empty(); }
    static void read(const boost::json::value& j, bytes& out, decode_context& ctx) {
        if (j.is_null()) {
            out.clear();
            return;
        }
        if (j.is_array()) {
            read_array(j.get_array(), out, ctx);
            return;
        }
        if (!j.is_string()) {
            fail_type(ctx, "a base64 string", j);
        }
        const auto& s = j.get_string();
        std::string decoded;
        base64_error err;
        if (!base64_decode_append(std::string_view(s.data(), s.size()), decoded, err)) {
            ctx.fail("invalid base64 at offset " + std::to_string(err.offset) + ": " +
                     std::string(err.reason));
        }
        out = bytes(std::move(decoded));
    }

private:
    // Go also accepts a []byte written as an array of byte-sized integers.
    static void read_array(const boost::json::array& a, bytes& out, decode_context& ctx) {
        std::string decoded;
        decoded.reserve(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            ctx.push_index(i);
            std::uint8_t b = 0;
            codec<std::uint8_t>::read(a[i], b, ctx);
            decoded.push_back(static_cast<char>(b));
            ctx.pop();
        }
        out = bytes(std::move(decoded));
    }
};

template <>
struct codec<timestamp> {
    static void write(json_writer& w, const timestamp& v) {
        char buf[rfc3339_max_size + 2];
        buf[0] = '"';
        const std::size_t n = format_rfc3339(v, buf + 1);
        if (n == 0) {
            throw encode_error(
                "time outside the range Go can write (years 0-9999, zone offset below 24 h)");
        }
        buf[n + 1] = '"';
        w.raw(std::string_view(buf, n + 2));
    }
    static void read(const boost::json::value& j, timestamp& out, decode_context& ctx) {
        if (j.is_null()) {
            return;
        }
        if (!j.is_string()) {
            fail_type(ctx, "an RFC 3339 time string", j);
        }
        const auto& s = j.get_string();
        std::string_view reason;
        if (!parse_rfc3339(std::string_view(s.data(), s.size()), out, reason)) {
            ctx.fail("invalid RFC 3339 time \"" + std::string(s.data(), s.size()) +
                     "\": " + std::string(reason));
        }
    }
};

template <>
struct codec<duration> {
    static void write(json_writer& w, duration v) { w.integer(v.count()); }
    static bool empty(duration v) noexcept { return v.count() == 0; }
    static void read(const boost::json::value& j, duration& out, decode_context& ctx) {
        auto n = out.count();
        codec<duration::rep>::read(j, n, ctx);
        out = duration{n};
    }
};

template <>
struct codec<always_null> {
    static void write(json_writer& w, always_null) { w.null(); }
    static bool empty(always_null) noexcept { return true; }
    static void read(const boost::json::value& j, always_null&, decode_context& ctx) {
        if (!j.is_null()) {
            ctx.fail("must be null, got " + std::string(kind_name(j)));
        }
    }
};

// Rejects numbers Go could not hold (infinities from overflowing literals) anywhere in a
// free-form value, so that what decodes can always be encoded again.
inline void check_finite(const boost::json::value& v, decode_context& ctx) {
    switch (v.kind()) {
    case boost::json::kind::double_:
        if (!std::isfinite(v.get_double())) {
            ctx.fail("number out of range");
        }
        break;
    case boost::json::kind::array:
        for (const auto& e : v.get_array()) {
            check_finite(e, ctx);
        }
        break;
    case boost::json::kind::object:
        for (const auto& kv : v.get_object()) {
            check_finite(kv.value(), ctx);
        }
        break;
    default:
        break;
    }
}

template <>
struct codec<json_object> {
    static void write(json_writer& w, const json_object& v) {
        if (v.empty()) {
            w.null();
        } else {
            w.object(v, true);
        }
    }
    static bool empty(const json_object& v) noexcept { return v.empty(); }
    static void read(const boost::json::value& j, json_object& out, decode_context& ctx) {
        if (j.is_null()) {
            out.clear();
            return;
        }
        if (!j.is_object()) {
            fail_type(ctx, "an object", j);
        }
        check_finite(j, ctx);
        // Go decodes into the existing map: keys already present stay unless overwritten.
        for (const auto& kv : j.get_object()) {
            out[kv.key()] = kv.value();
        }
    }
};

template <>
struct codec<json_value> {
    static void write(json_writer& w, const json_value& v) { w.value(v, false); }
    static bool empty(const json_value& v) noexcept { return v.is_null(); }
    static void read(const boost::json::value& j, json_value& out, decode_context& ctx) {
        check_finite(j, ctx);
        out = j;
    }
};

template <wire_enum E>
struct codec<E> {
    using spellings = enum_spellings<E>;

    static constexpr std::string_view spelling(E v) noexcept {
        for (const auto& s : spellings::spellings) {
            if (s.first == v) {
                return s.second;
            }
        }
        return {};
    }
    static void write(json_writer& w, E v) { w.string(spelling(v)); }
    static bool empty(E v) noexcept { return spelling(v).empty(); }
    static constexpr E parse(std::string_view text) noexcept {
        for (const auto& s : spellings::spellings) {
            if (s.second == text) {
                return s.first;
            }
        }
        if constexpr (spellings::case_insensitive) {
            for (const auto& s : spellings::spellings) {
                if (s.second.size() == text.size() && key_equal_fold(text, s.second)) {
                    return s.first;
                }
            }
        }
        return spellings::fallback;
    }
    static void read(const boost::json::value& j, E& out, decode_context& ctx) {
        if (j.is_null()) {
            return;
        }
        if (!j.is_string()) {
            fail_type(ctx, "a string", j);
        }
        const auto& s = j.get_string();
        out = parse(std::string_view(s.data(), s.size()));
    }
};

template <class T>
struct codec<std::vector<T>> {
    static void write(json_writer& w, const std::vector<T>& v) {
        if (v.empty()) {
            w.null();
            return;
        }
        w.raw('[');
        bool first = true;
        for (const auto& e : v) {
            if (!first) {
                w.raw(',');
            }
            first = false;
            encode_value(w, e);
        }
        w.raw(']');
    }
    static bool empty(const std::vector<T>& v) noexcept { return v.empty(); }
    static void read(const boost::json::value& j, std::vector<T>& out, decode_context& ctx) {
        if (j.is_null()) {
            out.clear();
            return;
        }
        if (!j.is_array()) {
            fail_type(ctx, "an array", j);
        }
        const auto& a = j.get_array();
        out.clear();
        out.resize(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            ctx.push_index(i);
            decode_value(a[i], out[i], ctx);
            ctx.pop();
        }
    }
};

template <class T>
struct codec<std::map<std::string, T>> {
    using map_type = std::map<std::string, T>;
    static void write(json_writer& w, const map_type& v) {
        if (v.empty()) {
            w.null();
            return;
        }
        w.raw('{');
        bool first = true;
        for (const auto& [k, e] : v) { // std::map iterates in byte order, as Go sorts keys
            if (!first) {
                w.raw(',');
            }
            first = false;
            w.string(k);
            w.raw(':');
            encode_value(w, e);
        }
        w.raw('}');
    }
    static bool empty(const map_type& v) noexcept { return v.empty(); }
    static void read(const boost::json::value& j, map_type& out, decode_context& ctx) {
        if (j.is_null()) {
            out.clear();
            return;
        }
        if (!j.is_object()) {
            fail_type(ctx, "an object", j);
        }
        for (const auto& kv : j.get_object()) {
            const std::string_view key = kv.key();
            ctx.push_key(key);
            // A map element starts from zero in Go, even when the key repeats.
            T value{};
            decode_value(kv.value(), value, ctx);
            out.insert_or_assign(std::string(key), std::move(value));
            ctx.pop();
        }
    }
};

template <class T>
struct codec<std::optional<T>> {
    static void write(json_writer& w, const std::optional<T>& v) {
        if (!v) {
            w.null();
        } else {
            encode_value(w, *v);
        }
    }
    static bool empty(const std::optional<T>& v) noexcept { return !v.has_value(); }
    static void read(const boost::json::value& j, std::optional<T>& out, decode_context& ctx) {
        if (j.is_null()) {
            out.reset();
            return;
        }
        if (!out) {
            out.emplace();
        }
        decode_value(j, *out, ctx);
    }
};

// Described messages.

template <described T>
struct codec<T> {
    static constexpr auto& desc = T::wire;
    static constexpr std::size_t count = std::remove_cvref_t<decltype(desc)>::size;

    static constexpr std::array<std::string_view, count> keys() {
        return std::apply(
            [](const auto&... f) { return std::array<std::string_view, count>{f.key...}; },
            desc.fields);
    }
    static constexpr auto field_keys = keys();

    static void write(json_writer& w, const T& v) {
        w.raw('{');
        bool first = true;
        std::apply(
            [&](const auto&... f) {
                (
                    [&] {
                        const auto& member = v.*(f.member);
                        if ((f.options & omit_empty) != 0 && is_empty_value(member)) {
                            return;
                        }
                        if (!first) {
                            w.raw(',');
                        }
                        first = false;
                        w.raw('"');
                        w.raw(f.key); // keys are plain ASCII identifiers: nothing to escape
                        w.raw("\":");
                        encode_value(w, member);
                    }(),
                    ...);
            },
            desc.fields);
        w.raw('}');
    }

    static void read(const boost::json::value& j, T& out, decode_context& ctx) {
        if (j.is_null()) {
            return;
        }
        if (!j.is_object()) {
            fail_type(ctx, "an object", j);
        }
        read_fields(j.get_object(), out, ctx);
    }

    static void read_fields(const boost::json::object& o, T& out, decode_context& ctx) {
        for (const auto& kv : o) {
            const std::string_view key = kv.key();
            const std::size_t index = find_field(key);
            if (index == count) {
                continue; // unknown keys are ignored
            }
            ctx.push_key(field_keys[index]);
            read_field(index, kv.value(), out, ctx, std::make_index_sequence<count>{});
            ctx.pop();
        }
    }

    static std::size_t find_field(std::string_view key) noexcept {
        for (std::size_t i = 0; i < count; ++i) {
            if (field_keys[i] == key) {
                return i;
            }
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (key_equal_fold(key, field_keys[i])) {
                return i;
            }
        }
        return count;
    }

    template <std::size_t... I>
    static void read_field(std::size_t index, const boost::json::value& j, T& out,
                           decode_context& ctx, std::index_sequence<I...>) {
        (void)((index == I ? (decode_value(j, out.*(std::get<I>(desc.fields).member), ctx), true)
                           : false) ||
               ...);
    }
};

// ---------------------------------------------------------------------------------------------
// Entry points used by the public API.

/// Appends the JSON text of `v`. Throws `encode_error` for values Go cannot encode.
template <class T>
void encode(const T& v, std::string& out) {
    json_writer w(out);
    encode_value(w, v);
}

/// Decodes `j` into `out` (which should be default-constructed). Throws `decode_failure`.
template <class T>
void decode(const boost::json::value& j, T& out, std::string_view name) {
    decode_context ctx(name);
    decode_value(j, out, ctx);
}

} // namespace cpa::detail

#endif // CPA_DETAIL_CODEC_HPP
