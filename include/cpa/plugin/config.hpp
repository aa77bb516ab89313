// A plugin's own settings: the YAML subtree of the host configuration that CPA sends as
// `config_yaml` with `plugin.register` and `plugin.reconfigure`, parsed once into JSON values that
// the plugin reads key by key (`get`, `get_or`) or as a whole into a described settings struct
// (`as`).
//
// Scalars resolve as Go's yaml.v3 resolves them for untyped values (the YAML 1.2 core schema plus
// yaml.v3's extras), so a C++ plugin reads the same values a Go plugin would: quoted and `!!str`
// scalars are strings; plain `null`, `~` and empty values are null; `true`/`false` (three
// spellings each) are booleans; integers may be signed, `0x` hex, `0o` or legacy `0` octal, `0b`
// binary and contain `_` separators; floats are decimal with optional exponent; everything else,
// `yes` and `on` included, is a string. Merge keys (`<<: *anchor`) are applied.
//
// The text is parsed with LibYAML's event API (<yaml.h>, the C library yaml.v3 is a port of), so
// syntax errors read as they do for a Go plugin. A plugin links the static libyaml.a, which is
// position-independent, and needs no YAML shared library at run time.
#ifndef CPA_PLUGIN_CONFIG_HPP
#define CPA_PLUGIN_CONFIG_HPP

#include <cpa/api/json.hpp>
#include <cpa/detail/base64.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cpa {

/// Thrown for configuration that cannot be read; `what()` names the key (or the line and column
/// of the YAML text) and the problem.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail::yaml_config {

/// Deepest nesting the conversion follows; deeper documents, and aliases that contain their own
/// anchor, are rejected.
inline constexpr std::size_t max_depth = 1000;

/// Most values a document of `size` bytes may expand to once aliases are resolved: without
/// aliases a document holds fewer values than bytes, so this allows generous reuse of anchors
/// while stopping exponential expansion ("billion laughs") early.
inline constexpr std::size_t max_values(std::size_t size) noexcept {
    return 10000 + 10 * size;
}

/// A position in the YAML text, 0-based as LibYAML counts (columns in characters).
struct mark {
    std::size_t line = 0;
    std::size_t column = 0;
};

inline mark mark_of(const yaml_mark_t& m) noexcept {
    return {m.line, m.column};
}

inline std::string where(const mark& m) {
    return "config_yaml line " + std::to_string(m.line + 1) + ", column " +
           std::to_string(m.column + 1);
}

[[noreturn]] inline void fail_at(const mark& m, std::string_view problem) {
    std::string msg = where(m);
    msg += ": ";
    msg += problem;
    throw config_error(msg);
}

/// The position of byte `offset` of UTF-8 `text` as LibYAML counts positions: in characters,
/// with CR LF, CR, LF, NEL, LS and PS as line breaks and a leading byte order mark not counted.
inline mark mark_at(std::string_view text, std::size_t offset) noexcept {
    mark m;
    offset = std::min(offset, text.size());
    std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    while (i < offset) {
        const std::string_view rest = text.substr(i, offset - i);
        std::size_t line_break = 0;
        if (rest.starts_with("\r\n")) {
            line_break = 2;
        } else if (rest[0] == '\r' || rest[0] == '\n') {
            line_break = 1;
        } else if (rest.starts_with("\xC2\x85")) {
            line_break = 2;
        } else if (rest.starts_with("\xE2\x80\xA8") || rest.starts_with("\xE2\x80\xA9")) {
            line_break = 3;
        }
        if (line_break != 0) {
            ++m.line;
            m.column = 0;
            i += line_break;
            continue;
        }
        if ((static_cast<unsigned char>(rest[0]) & 0xC0U) != 0x80U) {
            ++m.column; // a character's first byte
        }
        ++i;
    }
    return m;
}

/// Throws for the error LibYAML's parser stopped at: `bad_alloc` when it ran out of memory,
/// otherwise `config_error` with LibYAML's description (the one yaml.v3 gives too), its position
/// and, when LibYAML names one elsewhere, what it was reading and where that started.
[[noreturn]] inline void fail_syntax(const yaml_parser_t& parser, std::string_view text) {
    if (parser.error == YAML_MEMORY_ERROR) {
        throw std::bad_alloc();
    }
    std::string problem =
        parser.problem != nullptr ? parser.problem : "unknown problem parsing YAML content";
    if (parser.error == YAML_READER_ERROR) {
        // Encoding errors are found before the scanner counts lines: LibYAML gives the byte.
        if (parser.problem_value != -1) {
            static constexpr std::string_view hex = "0123456789ABCDEF";
            std::string digits;
            auto value = static_cast<unsigned>(parser.problem_value);
            do {
                digits.insert(digits.begin(), hex[value % 16]);
                value /= 16;
            } while (value != 0);
            problem += " #x";
            problem += digits.size() % 2 == 0 ? digits : "0" + digits;
        }
        if (parser.encoding != YAML_UTF8_ENCODING) {
            throw config_error("config_yaml byte " + std::to_string(parser.problem_offset + 1) +
                               ": " + problem);
        }
        fail_at(mark_at(text, parser.problem_offset), problem);
    }
    const mark at = mark_of(parser.problem_mark);
    const mark context = mark_of(parser.context_mark);
    if (parser.context != nullptr && (context.line != at.line || context.column != at.column)) {
        problem += " (";
        problem += parser.context;
        problem += " at line " + std::to_string(context.line + 1) + ", column " +
                   std::to_string(context.column + 1) + ")";
    }
    fail_at(at, problem);
}

/// One LibYAML event, freed when it goes out of scope (also when parsing it failed: LibYAML
/// leaves a zeroed event then, which frees nothing).
class yaml_event {
public:
    yaml_event() noexcept = default;
    ~yaml_event() { yaml_event_delete(&event_); }
    yaml_event(const yaml_event&) = delete;
    yaml_event& operator=(const yaml_event&) = delete;

    [[nodiscard]] yaml_event_t* get() noexcept { return &event_; }
    [[nodiscard]] const yaml_event_t& operator*() const noexcept { return event_; }

private:
    yaml_event_t event_{};
};

/// A LibYAML parser reading `text`, which must outlive it; freed when it goes out of scope.
class yaml_parser {
public:
    explicit yaml_parser(std::string_view text) : text_(text) {
        if (yaml_parser_initialize(&parser_) == 0) {
            throw std::bad_alloc(); // the only way initialisation fails; it freed what it had
        }
        // LibYAML asserts a non-null input even when it is empty.
        static constexpr unsigned char empty = 0;
        yaml_parser_set_input_string(
            &parser_, text.empty() ? &empty : reinterpret_cast<const unsigned char*>(text.data()),
            text.size());
    }
    ~yaml_parser() { yaml_parser_delete(&parser_); }
    yaml_parser(const yaml_parser&) = delete;
    yaml_parser& operator=(const yaml_parser&) = delete;

    /// The LibYAML parser, for readers that report errors their own way.
    [[nodiscard]] yaml_parser_t* get() noexcept { return &parser_; }

    /// The next event into `event`, which must be fresh; throws for syntax errors.
    void next(yaml_event& event) {
        if (yaml_parser_parse(&parser_, event.get()) == 0) {
            fail_syntax(parser_, text_);
        }
    }

private:
    std::string_view text_;
    yaml_parser_t parser_{};
};

inline std::string_view kind_name(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null:
        return "null";
    case boost::json::kind::bool_:
        return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
        return "an integer";
    case boost::json::kind::double_:
        return "a floating-point number";
    case boost::json::kind::string:
        return "a string";
    case boost::json::kind::array:
        return "a sequence";
    case boost::json::kind::object:
        return "a mapping";
    }
    return "a value";
}

inline bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

inline char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality.
inline bool equal_fold(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

/// An unsigned integer in `base`, every character a digit of it. Go's `strconv.ParseUint` after
/// the prefix.
inline bool parse_digits(std::string_view s, unsigned base, std::uint64_t& out) noexcept {
    if (s.empty()) {
        return false;
    }
    std::uint64_t n = 0;
    for (const char c : s) {
        unsigned d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<unsigned>(c - '0');
        } else if (lower(c) >= 'a' && lower(c) <= 'z') {
            d = static_cast<unsigned>(lower(c) - 'a') + 10;
        } else {
            return false;
        }
        if (d >= base) {
            return false;
        }
        if (n > (std::numeric_limits<std::uint64_t>::max() - d) / base) {
            return false; // out of range
        }
        n = n * base + d;
    }
    out = n;
    return true;
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` and legacy `0` prefixes, no sign.
inline bool parse_go_uint(std::string_view s, std::uint64_t& out) noexcept {
    if (s.empty()) {
        return false;
    }
    unsigned base = 10;
    if (s[0] == '0') {
        if (s.size() >= 3 && lower(s[1]) == 'x') {
            base = 16;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'o') {
            base = 8;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'b') {
            base = 2;
            s.remove_prefix(2);
        } else {
            base = 8;
            s.remove_prefix(1);
            if (s.empty()) {
                out = 0;
                return true;
            }
        }
    }
    return parse_digits(s, base, out);
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then as `parse_go_uint`.
inline bool parse_go_int(std::string_view s, std::int64_t& out) noexcept {
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    std::uint64_t u = 0;
    if (!parse_go_uint(s, u)) {
        return false;
    }
    constexpr std::uint64_t limit = std::uint64_t{1} << 63;
    if (negative) {
        if (u > limit) {
            return false;
        }
        out = u == limit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(u);
    } else {
        if (u >= limit) {
            return false;
        }
        out = static_cast<std::int64_t>(u);
    }
    return true;
}

/// yaml.v3's float syntax: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
inline bool is_yaml_float(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    const auto digits = [&] {
        const std::size_t start = i;
        while (i < n && is_digit(s[i])) {
            ++i;
        }
        return i - start;
    };
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        ++i;
    }
    if (i < n && s[i] == '.') {
        ++i;
        if (digits() == 0) {
            return false;
        }
    } else {
        if (digits() == 0) {
            return false;
        }
        if (i < n && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        if (digits() == 0) {
            return false;
        }
    }
    return i == n;
}

/// A number in yaml.v3 float syntax, as Go's `strconv.ParseFloat`: values too large for a double
/// fail, values too small round to zero.
inline bool parse_float(std::string_view s, double& out) noexcept {
    if (!is_yaml_float(s)) {
        return false;
    }
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
        // Overflow or underflow: the decimal magnitude of the first significant digit tells which.
        long magnitude = 0;
        std::size_t i = 0;
        bool seen = false;
        for (; i < s.size() && s[i] != '.' && s[i] != 'e' && s[i] != 'E'; ++i) {
            seen = seen || s[i] != '0';
            magnitude += seen ? 1 : 0;
        }
        if (!seen && i < s.size() && s[i] == '.') {
            for (++i; i < s.size() && s[i] == '0'; ++i) {
                --magnitude;
            }
        }
        const std::size_t e = s.find_first_of("eE");
        long exponent = 0;
        if (e != std::string_view::npos) {
            std::string_view digits = s.substr(e + 1);
            const bool negative_exponent = !digits.empty() && digits[0] == '-';
            if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
                digits.remove_prefix(1);
            }
            for (const char c : digits) {
                exponent = std::min(exponent * 10 + (c - '0'), 100000L);
            }
            exponent = negative_exponent ? -exponent : exponent;
        }
        if (magnitude + exponent > 0) {
            return false; // too large for a double
        }
        v = 0;
    } else if (ec != std::errc{} || ptr != s.data() + s.size()) {
        return false;
    }
    out = negative ? -v : v;
    return true;
}

/// The spellings yaml.v3 resolves to infinities and NaN; kept as strings because JSON has no
/// such numbers. Zero when `s` is none of them.
inline double special_float(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 3> nan{".nan", ".NaN", ".NAN"};
    static constexpr std::array<std::string_view, 3> inf{".inf", ".Inf", ".INF"};
    for (const auto n : nan) {
        if (s == n) {
            return std::numeric_limits<double>::quiet_NaN();
        }
    }
    double sign = 1;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        sign = s[0] == '-' ? -1 : 1;
        s.remove_prefix(1);
    }
    for (const auto i : inf) {
        if (s == i) {
            return sign * std::numeric_limits<double>::infinity();
        }
    }
    return 0;
}

/// A plain (untagged, unquoted) scalar resolved as yaml.v3 resolves it for an untyped value.
inline boost::json::value resolve_plain(const std::string& text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    const char first = text[0];
    if (first == '.') {
        double d = 0;
        if (special_float(text) == 0 && parse_float(text, d)) {
            return d;
        }
    } else if (is_digit(first) || first == '+' || first == '-') {
        if (special_float(text) == 0) {
            std::string plain;
            plain.reserve(text.size());
            for (const char c : text) {
                if (c != '_') {
                    plain.push_back(c);
                }
            }
            std::int64_t i = 0;
            if (parse_go_int(plain, i)) {
                return i;
            }
            std::uint64_t u = 0;
            if (parse_go_uint(plain, u)) {
                return u;
            }
            double d = 0;
            if (parse_float(plain, d)) {
                return d;
            }
        }
    }
    return boost::json::string(text);
}

inline constexpr std::string_view core_tag = "tag:yaml.org,2002:";

/// yaml.v3's short spelling of a tag, for error messages.
inline std::string short_tag(std::string_view tag) {
    if (tag.starts_with(core_tag)) {
        return "!!" + std::string(tag.substr(core_tag.size()));
    }
    return std::string(tag);
}

inline std::string_view resolved_tag(const boost::json::value& v) noexcept {
    switch (v.kind()) {
    case boost::json::kind::null:
        return "!!null";
    case boost::json::kind::bool_:
        return "!!bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
        return "!!int";
    case boost::json::kind::double_:
        return "!!float";
    default:
        return "!!str";
    }
}

/// One node of the first document's representation graph. An alias is no node of its own: the
/// collection holding it refers to the anchored node, so an alias inside its own anchor makes a
/// cycle, which the converter's depth limit stops.
struct node {
    enum class type : unsigned char { null, scalar, sequence, mapping };

    type kind = type::null;
    mark position;    // of the node's first token, its anchor or tag included
    std::string tag;  // scalars: "?" plain and untagged, "!" otherwise untagged, else the full tag
    std::string text; // scalars
    std::vector<std::size_t> children; // sequence items, or mapping keys and values alternating
};

inline constexpr std::size_t no_node = static_cast<std::size_t>(-1);

struct document {
    std::vector<node> nodes;
    std::size_t root = no_node; // no_node for a stream without documents
};

inline std::string text_of(const yaml_char_t* s) {
    return s != nullptr ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

/// The plain scalars yaml.v3 (and YAML's core schema) reads as null when untagged.
inline bool is_null_text(std::string_view s) noexcept {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

[[noreturn]] inline void fail_depth(const node& n) {
    fail_at(n.position, "nested more than " + std::to_string(max_depth) +
                            " levels deep (or an alias contains itself)");
}

/// The first document of `yaml` as a graph of nodes; later documents are not read. Aliases
/// refer to the node most recently anchored with their name before them, as YAML defines.
inline document load(std::string_view yaml) {
    yaml_parser parser(yaml);
    document doc;
    std::vector<std::size_t> open; // the collections being read, innermost last
    std::unordered_map<std::string, std::size_t> anchors;
    const auto add = [&](std::size_t index) {
        if (open.empty()) {
            doc.root = index;
        } else {
            doc.nodes[open.back()].children.push_back(index);
        }
    };
    const auto start = [&](node::type kind, const yaml_event_t& event, const yaml_char_t* anchor) {
        const std::size_t index = doc.nodes.size();
        doc.nodes.push_back(node{kind, mark_of(event.start_mark), {}, {}, {}});
        if (anchor != nullptr) {
            anchors.insert_or_assign(text_of(anchor), index);
        }
        add(index);
        return index;
    };
    const auto open_collection = [&](node::type kind, const yaml_event_t& event,
                                     const yaml_char_t* anchor) {
        const std::size_t index = start(kind, event, anchor);
        if (open.size() >= max_depth) {
            fail_depth(doc.nodes[index]); // checked while reading, so the graph stays small
        }
        open.push_back(index);
    };
    for (;;) {
        yaml_event event;
        parser.next(event);
        const yaml_event_t& e = *event;
        switch (e.type) {
        case YAML_SCALAR_EVENT: {
            const auto& scalar = e.data.scalar;
            std::string text =
                scalar.value != nullptr
                    ? std::string(reinterpret_cast<const char*>(scalar.value), scalar.length)
                    : std::string();
            std::string tag = scalar.tag != nullptr                     ? text_of(scalar.tag)
                              : scalar.style == YAML_PLAIN_SCALAR_STYLE ? "?"
                                                                        : "!";
            const bool null = tag == "?" && is_null_text(text);
            node& n =
                doc.nodes[start(null ? node::type::null : node::type::scalar, e, scalar.anchor)];
            n.tag = std::move(tag);
            n.text = std::move(text);
            break;
        }
        case YAML_ALIAS_EVENT: {
            const auto anchor = anchors.find(text_of(e.data.alias.anchor));
            if (anchor == anchors.end()) {
                fail_at(mark_of(e.start_mark), "the referenced anchor is not defined");
            }
            add(anchor->second);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            open_collection(node::type::sequence, e, e.data.sequence_start.anchor);
            break;
        case YAML_MAPPING_START_EVENT:
            open_collection(node::type::mapping, e, e.data.mapping_start.anchor);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            open.pop_back();
            break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_NO_EVENT:
            return doc;
        default: // stream and document start
            break;
        }
    }
}

[[noreturn]] inline void fail_tag(const node& n, const boost::json::value& resolved) {
    fail_at(n.position, "cannot decode " + std::string(resolved_tag(resolved)) + " `" + n.text +
                            "` as a " + short_tag(n.tag));
}

inline boost::json::value convert_scalar(const node& n) {
    const std::string& tag = n.tag;
    const std::string& text = n.text;
    if (tag == "?") {
        return resolve_plain(text);
    }
    if (!tag.starts_with(core_tag)) {
        return boost::json::string(text); // quoted ("!"), block scalars and local tags
    }
    const std::string_view name = std::string_view(tag).substr(core_tag.size());
    if (name == "str") {
        return boost::json::string(text);
    }
    if (name == "binary") {
        std::string encoded;
        for (const char c : text) {
            if (c != '\n' && c != '\r') {
                encoded.push_back(c);
            }
        }
        std::string decoded;
        detail::base64_error err;
        if (!detail::base64_decode_append(encoded, decoded, err)) {
            fail_at(n.position, "!!binary value contains invalid base64 data");
        }
        return boost::json::string(decoded);
    }
    if (name != "null" && name != "bool" && name != "int" && name != "float") {
        return boost::json::string(text); // !!timestamp and unknown tags keep their text
    }
    boost::json::value v = resolve_plain(text);
    if (name == "null" && v.is_null()) {
        return v;
    }
    if (name == "bool" && v.is_bool()) {
        return v;
    }
    if (name == "int" && (v.is_int64() || v.is_uint64())) {
        return v;
    }
    if (name == "float") {
        if (v.is_double() || (v.is_string() && special_float(text) != 0)) { // NaN != 0
            return v;
        }
        if (v.is_int64()) {
            return static_cast<double>(v.get_int64());
        }
        if (v.is_uint64()) {
            return static_cast<double>(v.get_uint64());
        }
    }
    fail_tag(n, v);
}

inline std::string_view node_kind(const node& n) noexcept {
    switch (n.kind) {
    case node::type::sequence:
        return "a sequence";
    case node::type::mapping:
        return "a mapping";
    case node::type::null:
        return "null";
    case node::type::scalar:
        break;
    }
    return "a scalar";
}

inline bool is_merge_key(const node& key) {
    return key.kind == node::type::scalar && key.text == "<<" &&
           (key.tag == "?" || key.tag == "tag:yaml.org,2002:merge");
}

class converter {
public:
    converter(const document& doc, std::size_t max_values) noexcept
        : nodes_(doc.nodes), max_values_(max_values) {}

    boost::json::value convert(const node& n) {
        if (++count_ > max_values_) {
            fail_at(n.position, "the document expands to more than " + std::to_string(max_values_) +
                                    " values (excessive aliasing)");
        }
        switch (n.kind) {
        case node::type::scalar:
            return convert_scalar(n);
        case node::type::sequence:
            return convert_sequence(n);
        case node::type::mapping:
            return convert_mapping(n);
        case node::type::null:
            break;
        }
        return nullptr;
    }

    boost::json::object convert_mapping(const node& n) {
        const depth_guard guard(*this, n);
        // Keys written in this mapping win over merged ones wherever the merge key stands, as in
        // yaml.v3; a key written twice is an error, as in yaml.v3.
        std::set<std::string, std::less<>> explicit_keys;
        bool has_merge = false;
        for (std::size_t i = 0; i < n.children.size(); i += 2) {
            const node& key = child(n, i);
            if (key.kind != node::type::scalar) {
                fail_at(key.position,
                        "mapping key must be a scalar, got " + std::string(node_kind(key)));
            }
            has_merge = has_merge || is_merge_key(key);
            if (!explicit_keys.insert(key.text).second) {
                fail_at(key.position, "mapping key \"" + key.text + "\" already defined at line " +
                                          std::to_string(first_line(n, key.text)));
            }
        }
        boost::json::object out;
        out.reserve(explicit_keys.size());
        for (std::size_t i = 0; i + 1 < n.children.size(); i += 2) {
            const node& key = child(n, i);
            const node& value = child(n, i + 1);
            if (has_merge && is_merge_key(key)) {
                merge(value, explicit_keys, out);
                continue;
            }
            out.emplace(key.text, convert(value));
        }
        return out;
    }

private:
    struct depth_guard {
        depth_guard(converter& c, const node& n) : c_(c) {
            if (++c_.depth_ > max_depth) {
                fail_depth(n);
            }
        }
        ~depth_guard() { --c_.depth_; }
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
        converter& c_;
    };

    [[nodiscard]] const node& child(const node& n, std::size_t i) const noexcept {
        return nodes_[n.children[i]];
    }

    boost::json::array convert_sequence(const node& n) {
        const depth_guard guard(*this, n);
        boost::json::array out;
        out.reserve(n.children.size());
        for (std::size_t i = 0; i < n.children.size(); ++i) {
            out.push_back(convert(child(n, i)));
        }
        return out;
    }

    // `<<: *base` or `<<: [*a, *b]`: keys not written in the mapping itself come from the merged
    // mappings, earlier ones first, at the place of the merge key.
    void merge(const node& value, const std::set<std::string, std::less<>>& explicit_keys,
               boost::json::object& out) {
        const auto merge_one = [&](const node& source) {
            if (source.kind != node::type::mapping) {
                fail_at(source.position, "map merge requires a mapping or a sequence of mappings "
                                         "as the value, got " +
                                             std::string(node_kind(source)));
            }
            boost::json::object merged = convert_mapping(source);
            for (auto& kv : merged) {
                if (!explicit_keys.contains(std::string_view(kv.key())) &&
                    !out.contains(kv.key())) {
                    out.emplace(kv.key(), std::move(kv.value()));
                }
            }
        };
        if (value.kind == node::type::sequence) {
            const depth_guard guard(*this, value);
            for (std::size_t i = 0; i < value.children.size(); ++i) {
                merge_one(child(value, i));
            }
        } else {
            merge_one(value);
        }
    }

    [[nodiscard]] std::size_t first_line(const node& n, const std::string& key) const noexcept {
        for (std::size_t i = 0; i < n.children.size(); i += 2) {
            const node& k = child(n, i);
            if (k.text == key) {
                return k.position.line + 1;
            }
        }
        return 0;
    }

    const std::vector<node>& nodes_;
    std::size_t max_values_;
    std::size_t depth_ = 0;
    std::size_t count_ = 0;
};

/// The YAML text as a JSON object; an empty or null document is an empty object.
inline boost::json::object to_object(std::string_view yaml) {
    const document doc = load(yaml);
    if (doc.root == no_node || doc.nodes[doc.root].kind == node::type::null) {
        return {};
    }
    const node& root = doc.nodes[doc.root];
    converter c(doc, max_values(yaml.size()));
    if (root.kind == node::type::mapping) {
        return c.convert_mapping(root);
    }
    const boost::json::value v = c.convert(root);
    throw config_error("config_yaml: the configuration must be a mapping, got " +
                       std::string(kind_name(v)));
}

template <class T>
inline constexpr bool is_supported =
    std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, int> ||
    std::is_same_v<T, double> || std::is_same_v<T, std::string> ||
    std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, boost::json::value>;

[[noreturn]] inline void fail_key(std::string_view key, std::string_view problem) {
    std::string msg = "config key \"";
    msg += key;
    msg += "\": ";
    msg += problem;
    throw config_error(msg);
}

[[noreturn]] inline void fail_type(std::string_view key, std::string_view expected,
                                   const boost::json::value& got) {
    fail_key(key, "expected " + std::string(expected) + ", got " + std::string(kind_name(got)));
}

inline bool read_bool(const boost::json::value& v, std::string_view key) {
    if (v.is_bool()) {
        return v.get_bool();
    }
    if (v.is_string()) {
        const std::string_view s = v.get_string();
        for (const std::string_view t : {"true", "yes", "on", "y"}) {
            if (equal_fold(s, t)) {
                return true;
            }
        }
        for (const std::string_view f : {"false", "no", "off", "n"}) {
            if (equal_fold(s, f)) {
                return false;
            }
        }
        fail_key(key, "expected a boolean, got the string \"" + std::string(s) + "\"");
    }
    fail_type(key, "a boolean", v);
}

template <class Int>
Int read_integer(const boost::json::value& v, std::string_view key) {
    using lim = std::numeric_limits<Int>;
    const std::string range = std::to_string(lim::digits + 1) + "-bit signed integer";
    switch (v.kind()) {
    case boost::json::kind::int64: {
        const std::int64_t i = v.get_int64();
        if (i < static_cast<std::int64_t>(lim::min()) ||
            i > static_cast<std::int64_t>(lim::max())) {
            fail_key(key, "integer " + std::to_string(i) + " out of range for a " + range);
        }
        return static_cast<Int>(i);
    }
    case boost::json::kind::uint64:
        fail_key(key, "integer " + std::to_string(v.get_uint64()) + " out of range for a " + range);
    case boost::json::kind::double_: {
        const double d = v.get_double();
        if (d != std::trunc(d)) {
            fail_key(key, "expected an integer, got a number with a fraction");
        }
        // lim::max() + 1 is a power of two, exact as a double.
        if (d < static_cast<double>(lim::min()) || d >= -static_cast<double>(lim::min())) {
            fail_key(key, "number " + boost::json::serialize(v) + " out of range for a " + range);
        }
        return static_cast<Int>(d);
    }
    default:
        fail_type(key, "an integer", v);
    }
}

inline double read_double(const boost::json::value& v, std::string_view key) {
    switch (v.kind()) {
    case boost::json::kind::int64:
        return static_cast<double>(v.get_int64());
    case boost::json::kind::uint64:
        return static_cast<double>(v.get_uint64());
    case boost::json::kind::double_:
        return v.get_double();
    case boost::json::kind::string: {
        const double d = special_float(v.get_string());
        if (d != 0) { // NaN compares unequal too
            return d; // .inf, -.inf, .nan
        }
        break;
    }
    default:
        break;
    }
    fail_type(key, "a number", v);
}

inline std::string read_string(const boost::json::value& v, std::string_view key) {
    if (!v.is_string()) {
        fail_type(key, "a string", v);
    }
    return std::string(v.get_string());
}

inline std::vector<std::string> read_strings(const boost::json::value& v, std::string_view key) {
    if (!v.is_array()) {
        fail_type(key, "a sequence of strings", v);
    }
    const auto& a = v.get_array();
    std::vector<std::string> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) {
            fail_key(key, "item " + std::to_string(i) + ": expected a string, got " +
                              std::string(kind_name(a[i])));
        }
        out.emplace_back(a[i].get_string());
    }
    return out;
}

} // namespace detail::yaml_config

/// A plugin's settings as the host sent them: the YAML text and the mapping it holds, converted to
/// JSON values. Immutable, so one instance can be shared between threads (hold it by
/// `shared_ptr`).
class plugin_config {
public:
    /// The empty mapping: `enabled()` is false and `priority()` is 0.
    plugin_config() : values_(boost::json::object{}) {}

    /// Parses `config_yaml`. Throws `config_error` for YAML syntax errors ("config_yaml line 3,
    /// column 5: ..."), for a document that is not a mapping (an empty or null document is the
    /// empty mapping), a key that is not a scalar or is written twice, and a value its explicit
    /// tag does not fit (`!!int abc`).
    [[nodiscard]] static plugin_config parse(std::string_view yaml) {
        plugin_config c;
        c.values_ = detail::yaml_config::to_object(yaml);
        c.yaml_.assign(yaml.data(), yaml.size());
        return c;
    }

    /// The YAML text as received.
    [[nodiscard]] const std::string& yaml() const noexcept { return yaml_; }

    /// The mapping converted to JSON, keys in document order. Infinities and NaN (`.inf`, `.nan`)
    /// are held as the strings written.
    [[nodiscard]] const boost::json::object& values() const noexcept {
        return values_.get_object();
    }

    /// The `enabled` key, as a boolean in YAML 1.2 (`true`, `false`) or YAML 1.1 spelling (`yes`,
    /// `no`, `on`, `off`, `y`, `n`, any case); false when absent. Throws `config_error` for any
    /// other value.
    [[nodiscard]] bool enabled() const { return get_or<bool>("enabled", false); }

    /// The `priority` key; 0 when absent. Throws `config_error` for a value that is no integer.
    [[nodiscard]] std::int64_t priority() const { return get_or<std::int64_t>("priority", 0); }

    /// True when the mapping has `key` (exact, case-sensitive match), even with a null value.
    [[nodiscard]] bool contains(std::string_view key) const noexcept {
        return values().contains(key);
    }

    /// The value of `key` (exact, case-sensitive match) as `T`: `bool` (also from the strings
    /// yes/no/on/off/y/n/true/false in any case), `std::int64_t` or `int` (also from a double
    /// without fraction, in range), `double` (also from an integer, and from `.inf`, `-.inf`,
    /// `.nan`), `std::string` (strings only: numbers are not converted), `std::vector<std::string>`
    /// or `boost::json::value` (anything). Empty when the key is absent or null; throws
    /// `config_error` naming the key when the value does not fit, e.g. `config key "limit":
    /// expected an integer, got a string`.
    template <class T>
    [[nodiscard]] std::optional<T> get(std::string_view key) const {
        static_assert(detail::yaml_config::is_supported<T>,
                      "plugin_config::get<T>: T must be bool, std::int64_t, int, double, "
                      "std::string, std::vector<std::string> or boost::json::value");
        namespace yc = detail::yaml_config;
        const boost::json::value* v = values().if_contains(key);
        if (v == nullptr || v->is_null()) {
            return std::nullopt;
        }
        if constexpr (std::is_same_v<T, bool>) {
            return yc::read_bool(*v, key);
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, int>) {
            return yc::read_integer<T>(*v, key);
        } else if constexpr (std::is_same_v<T, double>) {
            return yc::read_double(*v, key);
        } else if constexpr (std::is_same_v<T, std::string>) {
            return yc::read_string(*v, key);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            return yc::read_strings(*v, key);
        } else {
            return *v;
        }
    }

    /// As `get`, with `fallback` for an absent or null key.
    template <class T>
    [[nodiscard]] T get_or(std::string_view key, T fallback) const {
        auto v = get<T>(key);
        return v ? std::move(*v) : std::move(fallback);
    }

    /// As `get<std::string>`, with a string literal as the fallback.
    [[nodiscard]] std::string get_or(std::string_view key, const char* fallback) const {
        return get_or<std::string>(key, std::string(fallback));
    }

    /// The whole mapping decoded into a described settings struct with the SDK's JSON rules: keys
    /// match case-insensitively, unknown keys are ignored, type mismatches are errors. Throws
    /// `config_error` with the decoder's message, e.g. `config: my_settings: field limit:
    /// expected an integer, got a string`.
    template <wire_message S>
    [[nodiscard]] S as() const {
        auto decoded = try_decode<S>(values_);
        if (!decoded) {
            throw config_error(std::string("config: ") + decoded.error().what());
        }
        return std::move(*decoded);
    }

private:
    std::string yaml_;
    boost::json::value values_; // always an object
};

} // namespace cpa

#endif // CPA_PLUGIN_CONFIG_HPP
