// The `plugins:` section of CPA's configuration, read with LibYAML's event API. Every node keeps
// the byte range of its text, so a plugin's entry is handed on as the user wrote it (a slice of
// the file, dedented) rather than re-serialised, and `build_config_yaml` edits that text in place.
#include <cpa/host/config.hpp>

#include <cpa/host/discovery.hpp>

#include <cpa/api/envelope.hpp>  // detail::trim_space: Go's strings.TrimSpace
#include <cpa/plugin/config.hpp> // detail::yaml_config: yaml.v3's resolution of plain scalars

#include <boost/json/value.hpp>

#include <yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <set>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cpa::host {

namespace {

std::string describe(const std::string& source, const std::string& key_path, std::size_t line,
                     std::size_t column, const std::string& problem) {
    std::string s = source;
    if (line != 0) {
        s += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    if (!s.empty()) {
        s += ": ";
    }
    if (!key_path.empty()) {
        s += key_path;
        s += ": ";
    }
    s += problem;
    return s;
}

} // namespace

config_error::config_error(std::string source, std::string key_path, std::size_t line,
                           std::size_t column, std::string problem)
    : std::runtime_error(describe(source, key_path, line, column, problem)),
      source_(std::move(source)), key_path_(std::move(key_path)), line_(line), column_(column),
      problem_(std::move(problem)) {}

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr std::string_view core_tag = "tag:yaml.org,2002:";

// ---------------------------------------------------------------------------------------------
// Text positions

bool is_break(char c) noexcept {
    return c == '\n' || c == '\r';
}

bool at_line_start(std::string_view text, std::size_t pos) noexcept {
    return pos == 0 || is_break(text[pos - 1]);
}

std::size_t line_start(std::string_view text, std::size_t pos) noexcept {
    while (!at_line_start(text, pos)) {
        --pos;
    }
    return pos;
}

// The position of the line break ending the line at `pos` (or the end of the text).
std::size_t line_end(std::string_view text, std::size_t pos) noexcept {
    while (pos < text.size() && !is_break(text[pos])) {
        ++pos;
    }
    return pos;
}

// The start of the line after the one at `pos` (the end of the text for the last line).
std::size_t next_line(std::string_view text, std::size_t pos) noexcept {
    pos = line_end(text, pos);
    if (pos < text.size() && text[pos] == '\r') {
        ++pos;
    }
    if (pos < text.size() && text[pos] == '\n') {
        ++pos;
    }
    return pos;
}

// The start of the line before the one starting at `line_begin` (which must not be 0).
std::size_t previous_line(std::string_view text, std::size_t line_begin) noexcept {
    std::size_t pos = line_begin;
    if (pos > 0 && text[pos - 1] == '\n') {
        --pos;
    }
    if (pos > 0 && text[pos - 1] == '\r') {
        --pos;
    }
    return line_start(text, pos);
}

std::size_t leading_spaces(std::string_view text, std::size_t line_begin) noexcept {
    std::size_t n = 0;
    while (line_begin + n < text.size() && text[line_begin + n] == ' ') {
        ++n;
    }
    return n;
}

// After the spaces and tabs at `pos`: a comment or the end of the line.
bool only_comment_follows(std::string_view text, std::size_t pos) noexcept {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) {
        ++pos;
    }
    return pos == text.size() || is_break(text[pos]) || text[pos] == '#';
}

enum class line_type : unsigned char { blank, comment, content };

line_type classify_line(std::string_view text, std::size_t line_begin) noexcept {
    std::size_t pos = line_begin;
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) {
        ++pos;
    }
    if (pos == text.size() || is_break(text[pos])) {
        return line_type::blank;
    }
    return text[pos] == '#' ? line_type::comment : line_type::content;
}

// LibYAML counts positions in characters (a leading byte order mark not counted); this maps them
// to byte offsets of the UTF-8 text.
class byte_offsets {
public:
    explicit byte_offsets(std::string_view text) : size_(text.size()) {
        start_ = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
        const std::string_view body = text.substr(start_);
        ascii_ = std::all_of(body.begin(), body.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (!ascii_) {
            for (std::size_t i = start_; i < text.size(); ++i) {
                if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) {
                    starts_.push_back(i);
                }
            }
        }
    }

    [[nodiscard]] std::size_t operator()(std::size_t index) const noexcept {
        if (ascii_) {
            return std::min(start_ + index, size_);
        }
        return index < starts_.size() ? starts_[index] : size_;
    }

private:
    std::size_t size_;
    std::size_t start_ = 0;
    bool ascii_ = true;
    std::vector<std::size_t> starts_; // byte offset of each character
};

// ---------------------------------------------------------------------------------------------
// The document as a graph of nodes with their text ranges

struct position {
    std::size_t line = 0; // 0-based, as LibYAML counts
    std::size_t column = 0;
};

struct yaml_node {
    enum class type : unsigned char { scalar, mapping, sequence, alias };

    type kind = type::scalar;
    bool flow = false;  // collections written in flow style
    bool plain = false; // scalars written without quotes or block indicator
    bool closed = false;
    std::string tag;       // as resolved by LibYAML; "" when none was written
    std::string value;     // scalars: the value; aliases: the anchor name
    std::size_t begin = 0; // byte range of the node's text, anchor and tag included; for block
    std::size_t end = 0;   // collections it ends where their last content ends
    position at;
    std::size_t target = npos; // aliases: the anchored node (npos: undefined, lenient loads only)
    std::vector<std::size_t> children; // sequence items, or mapping keys and values alternating
};

struct yaml_document {
    std::vector<yaml_node> nodes;
    std::size_t root = npos; // npos for a text without a document
};

// LibYAML's parser and events, freed on scope exit: the plugin-side reader's wrappers.
using detail::yaml_config::yaml_event;
using detail::yaml_config::yaml_parser;

std::string text_of(const yaml_char_t* s) {
    return s != nullptr ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

[[noreturn]] void fail_syntax(const yaml_parser_t& parser, std::string_view text,
                              const std::string& source) {
    if (parser.error == YAML_MEMORY_ERROR) {
        throw std::bad_alloc();
    }
    std::string problem =
        parser.problem != nullptr ? parser.problem : "unknown problem parsing YAML content";
    if (parser.error == YAML_READER_ERROR) {
        // Encoding errors come with a byte offset rather than a line.
        const auto at = detail::yaml_config::mark_at(text, parser.problem_offset);
        throw config_error(source, {}, at.line + 1, at.column + 1, "YAML: " + problem);
    }
    if (parser.context != nullptr && (parser.context_mark.line != parser.problem_mark.line ||
                                      parser.context_mark.column != parser.problem_mark.column)) {
        problem += " (";
        problem += parser.context;
        problem += " at line " + std::to_string(parser.context_mark.line + 1) + ", column " +
                   std::to_string(parser.context_mark.column + 1) + ")";
    }
    throw config_error(source, {}, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       "YAML: " + problem);
}

// The first document of `text`. Strict loads refuse aliases to undefined anchors and aliases
// inside their own anchor's node (so the graph has no cycles); lenient loads keep undefined
// aliases (target npos), for texts cut out of a larger document.
yaml_document load(std::string_view text, const std::string& source, bool strict) {
    if (text.starts_with("\xFE\xFF") || text.starts_with("\xFF\xFE")) {
        throw config_error(source, {}, "the text is UTF-16; only UTF-8 is supported");
    }
    yaml_parser parser(text);
    const byte_offsets byte(text);
    yaml_document doc;
    std::vector<std::size_t> open; // collections being read, innermost last
    std::unordered_map<std::string, std::size_t> anchors;

    const auto finish = [&](std::size_t index) {
        doc.nodes[index].closed = true;
        if (!open.empty()) {
            yaml_node& parent = doc.nodes[open.back()];
            parent.end = std::max(parent.end, doc.nodes[index].end);
        }
    };
    const auto add = [&](yaml_node node, const yaml_event_t& e, const yaml_char_t* anchor) {
        node.begin = byte(e.start_mark.index);
        node.end = node.kind == yaml_node::type::scalar || node.kind == yaml_node::type::alias
                       ? byte(e.end_mark.index)
                       : node.begin;
        node.at = {e.start_mark.line, e.start_mark.column};
        const std::size_t index = doc.nodes.size();
        doc.nodes.push_back(std::move(node));
        if (anchor != nullptr) {
            anchors.insert_or_assign(text_of(anchor), index);
        }
        if (open.empty()) {
            doc.root = index;
        } else {
            doc.nodes[open.back()].children.push_back(index);
        }
        return index;
    };

    for (;;) {
        yaml_event event;
        if (yaml_parser_parse(parser.get(), event.get()) == 0) {
            fail_syntax(*parser.get(), text, source);
        }
        const yaml_event_t& e = *event;
        switch (e.type) {
        case YAML_SCALAR_EVENT: {
            yaml_node node;
            node.plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            node.tag = text_of(e.data.scalar.tag);
            node.value.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                              e.data.scalar.length);
            finish(add(std::move(node), e, e.data.scalar.anchor));
            break;
        }
        case YAML_ALIAS_EVENT: {
            yaml_node node;
            node.kind = yaml_node::type::alias;
            node.value = text_of(e.data.alias.anchor);
            const auto anchor = anchors.find(node.value);
            if (anchor != anchors.end()) {
                node.target = anchor->second;
            }
            if (strict && node.target == npos) {
                throw config_error(source, {}, e.start_mark.line + 1, e.start_mark.column + 1,
                                   "unknown anchor '" + node.value + "' referenced");
            }
            if (strict && !doc.nodes[node.target].closed) {
                throw config_error(source, {}, e.start_mark.line + 1, e.start_mark.column + 1,
                                   "anchor '" + node.value + "' value contains itself");
            }
            finish(add(std::move(node), e, nullptr));
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const bool mapping = e.type == YAML_MAPPING_START_EVENT;
            yaml_node node;
            node.kind = mapping ? yaml_node::type::mapping : yaml_node::type::sequence;
            node.flow = mapping ? e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                                : e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            node.tag = text_of(mapping ? e.data.mapping_start.tag : e.data.sequence_start.tag);
            open.push_back(
                add(std::move(node), e,
                    mapping ? e.data.mapping_start.anchor : e.data.sequence_start.anchor));
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            const std::size_t index = open.back();
            open.pop_back();
            if (doc.nodes[index].flow) {
                doc.nodes[index].end = byte(e.end_mark.index); // after the closing bracket
            }
            finish(index);
            break;
        }
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_NO_EVENT:
            return doc;
        default: // stream and document start
            break;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the plugins section

bool is_null_text(std::string_view s) noexcept {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool has_tag(const yaml_node& n, std::string_view name) noexcept {
    return n.tag.size() == core_tag.size() + name.size() && n.tag.starts_with(core_tag) &&
           n.tag.ends_with(name);
}

bool is_null(const yaml_node& n) noexcept {
    return n.kind == yaml_node::type::scalar &&
           ((n.tag.empty() && n.plain && is_null_text(n.value)) || has_tag(n, "null"));
}

std::string short_tag(std::string_view tag) {
    if (tag.starts_with(core_tag)) {
        return "!!" + std::string(tag.substr(core_tag.size()));
    }
    return std::string(tag);
}

// For messages: what a value is, e.g. `"maybe"` or `a mapping`.
std::string shown(const yaml_node& n) {
    switch (n.kind) {
    case yaml_node::type::mapping:
        return "a mapping";
    case yaml_node::type::sequence:
        return "a sequence";
    case yaml_node::type::alias:
        return "an alias";
    case yaml_node::type::scalar:
        break;
    }
    constexpr std::size_t longest = 60;
    std::string s = "\"";
    s += n.value.size() > longest ? n.value.substr(0, longest) + "..." : n.value;
    s += '"';
    return s;
}

bool is_merge_key(const yaml_node& key) {
    return key.kind == yaml_node::type::scalar && key.value == "<<" &&
           ((key.tag.empty() && key.plain) || has_tag(key, "merge"));
}

// One key and its value, as indices into the document.
struct entry {
    std::size_t key;
    std::size_t value;
};

constexpr std::array<std::string_view, 11> true_spellings{"true", "True", "TRUE", "y",  "Y", "yes",
                                                          "Yes",  "YES",  "on",   "On", "ON"};
constexpr std::array<std::string_view, 11> false_spellings{
    "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"};

class section_reader {
public:
    section_reader(const yaml_document& doc, std::string_view text, std::string source)
        : doc_(doc), text_(text), source_(std::move(source)), budget_(10000 + 10 * text.size()) {}

    plugins_config read() {
        plugins_config out;
        if (doc_.root == npos) {
            return out;
        }
        const yaml_node& root = node(doc_.root);
        if (is_null(root)) {
            return out;
        }
        if (root.kind != yaml_node::type::mapping) {
            fail({}, root, "the configuration must be a mapping, got " + shown(root));
        }
        check_unique(root, {}, "plugins");
        const std::vector<entry> top = entries(root, {});
        const entry* plugins_entry = find(top, "plugins");
        if (plugins_entry == nullptr) {
            return out;
        }
        const yaml_node& plugins = node(plugins_entry->value);
        if (is_null(plugins)) {
            return out;
        }
        if (plugins.kind != yaml_node::type::mapping) {
            fail("plugins", plugins, "must be a mapping, got " + shown(plugins));
        }
        check_unique(plugins, "plugins", {});
        const std::vector<entry> section = entries(plugins, "plugins");
        if (const entry* e = find(section, "enabled")) {
            out.enabled = read_bool(e->value, "plugins.enabled").value_or(false);
        }
        if (const entry* e = find(section, "dir")) {
            const std::string dir = read_string(e->value, "plugins.dir");
            const std::string_view trimmed = detail::trim_space(dir);
            out.dir = trimmed.empty() ? std::string("plugins") : std::string(trimmed);
        }
        if (const entry* e = find(section, "configs")) {
            read_configs(e->value, out.configs);
        }
        return out;
    }

private:
    // The node at `index`, an alias replaced by its anchored node.
    [[nodiscard]] const yaml_node& node(std::size_t index) const {
        const yaml_node& n = doc_.nodes[index];
        return n.kind == yaml_node::type::alias ? doc_.nodes[n.target] : n;
    }

    [[noreturn]] void fail(const std::string& key_path, const yaml_node& at,
                           std::string problem) const {
        throw config_error(source_, key_path, at.at.line + 1, at.at.column + 1, std::move(problem));
    }

    void spend(const yaml_node& at, std::size_t amount) {
        if (amount > budget_) {
            fail({}, at, "the document expands to too many values (excessive aliasing)");
        }
        budget_ -= amount;
    }

    // A key written twice in `mapping` is an error (of `only`, when given).
    void check_unique(const yaml_node& mapping, const std::string& path,
                      std::string_view only) const {
        std::unordered_map<std::string_view, std::size_t> seen; // key -> line
        for (std::size_t i = 0; i < mapping.children.size(); i += 2) {
            const yaml_node& key = node(mapping.children[i]);
            if (key.kind != yaml_node::type::scalar || (!only.empty() && key.value != only)) {
                continue;
            }
            const auto [it, inserted] = seen.try_emplace(key.value, key.at.line + 1);
            if (!inserted) {
                fail(path, key,
                     "mapping key \"" + key.value + "\" already defined at line " +
                         std::to_string(it->second));
            }
        }
    }

    // The mapping's keys and values with merge keys applied: keys written in the mapping first,
    // then merged ones not written there, earlier merge sources first.
    std::vector<entry> entries(const yaml_node& mapping, const std::string& path) {
        std::vector<entry> out;
        std::set<std::string, std::less<>> seen;
        collect(mapping, path, out, seen);
        return out;
    }

    void collect(const yaml_node& mapping, const std::string& path, std::vector<entry>& out,
                 std::set<std::string, std::less<>>& seen) {
        spend(mapping, mapping.children.size() + 1);
        std::vector<std::size_t> merges;
        for (std::size_t i = 0; i + 1 < mapping.children.size(); i += 2) {
            const yaml_node& key = node(mapping.children[i]);
            if (is_merge_key(key)) {
                merges.push_back(mapping.children[i + 1]);
                continue;
            }
            if (key.kind != yaml_node::type::scalar || seen.insert(key.value).second) {
                out.push_back({mapping.children[i], mapping.children[i + 1]});
            }
        }
        for (const std::size_t index : merges) {
            const yaml_node& source = node(index);
            const auto merge_one = [&](const yaml_node& m) {
                if (m.kind != yaml_node::type::mapping) {
                    fail(path, m,
                         "map merge requires a mapping or a sequence of mappings as the value, "
                         "got " +
                             shown(m));
                }
                collect(m, path, out, seen);
            };
            if (source.kind == yaml_node::type::sequence) {
                for (const std::size_t item : source.children) {
                    merge_one(node(item));
                }
            } else {
                merge_one(source);
            }
        }
    }

    [[nodiscard]] const entry* find(const std::vector<entry>& list, std::string_view key) const {
        for (const entry& e : list) {
            const yaml_node& k = node(e.key);
            if (k.kind == yaml_node::type::scalar && k.value == key) {
                return &e;
            }
        }
        return nullptr;
    }

    // A boolean in any spelling CPA's YAML library accepts; nullopt for null.
    std::optional<bool> read_bool(std::size_t index, const std::string& path) const {
        const yaml_node& n = node(index);
        if (is_null(n)) {
            return std::nullopt;
        }
        static constexpr std::string_view expected =
            "must be a YAML boolean (true/false, yes/no, on/off, y/n)";
        if (n.kind != yaml_node::type::scalar) {
            fail(path, n, std::string(expected) + ", got " + shown(n));
        }
        if (!n.tag.empty() && n.tag != "!" && !has_tag(n, "bool") && !has_tag(n, "str")) {
            fail(path, n, std::string(expected) + ", got a value tagged " + short_tag(n.tag));
        }
        const auto in = [&](const auto& spellings) {
            return std::find(spellings.begin(), spellings.end(), n.value) != spellings.end();
        };
        if (in(true_spellings)) {
            return true;
        }
        if (in(false_spellings)) {
            return false;
        }
        fail(path, n, std::string(expected) + ", got " + shown(n));
    }

    // An integer as yaml.v3 reads one (`0x`, `0o`, `0b`, `_` separators; a float only without
    // fraction); nullopt for null.
    std::optional<std::int64_t> read_int(std::size_t index, const std::string& path) const {
        const yaml_node& n = node(index);
        if (is_null(n)) {
            return std::nullopt;
        }
        if (n.kind != yaml_node::type::scalar) {
            fail(path, n, "must be an integer, got " + shown(n));
        }
        const bool numeric_tag = has_tag(n, "int") || has_tag(n, "float");
        if (!numeric_tag && !(n.tag.empty() && n.plain)) {
            fail(path, n, "must be an integer, got the string " + shown(n));
        }
        const boost::json::value v = detail::yaml_config::resolve_plain(n.value);
        if (v.is_int64()) {
            return v.get_int64();
        }
        if (v.is_uint64()) {
            fail(path, n, "must be an integer, got " + shown(n) + " (out of range)");
        }
        if (v.is_double()) {
            const double d = v.get_double();
            constexpr double limit = 9223372036854775808.0; // 2^63
            if (std::trunc(d) == d && d >= -limit && d < limit) {
                return static_cast<std::int64_t>(d);
            }
            fail(path, n, "must be an integer, got " + shown(n));
        }
        fail(path, n, "must be an integer, got " + shown(n));
    }

    // Any scalar's text; "" for null.
    std::string read_string(std::size_t index, const std::string& path) const {
        const yaml_node& n = node(index);
        if (is_null(n)) {
            return {};
        }
        if (n.kind != yaml_node::type::scalar) {
            fail(path, n, "must be a string, got " + shown(n));
        }
        return n.value;
    }

    // A pin's text, or "" (pins are read leniently: anything unusable is no pin).
    std::string read_pin_text(const std::vector<entry>& store, std::string_view key) const {
        const entry* e = find(store, key);
        if (e == nullptr) {
            return {};
        }
        const yaml_node& n = node(e->value);
        return n.kind == yaml_node::type::scalar && !is_null(n) ? n.value : std::string();
    }

    void read_configs(std::size_t index, std::map<std::string, plugin_settings>& configs) {
        const std::string path = "plugins.configs";
        const yaml_node& n = node(index);
        if (is_null(n)) {
            return;
        }
        if (n.kind != yaml_node::type::mapping) {
            fail(path, n, "must be a mapping of plugin IDs to settings, got " + shown(n));
        }
        check_unique(n, path, {});
        for (const entry& e : entries(n, path)) {
            const yaml_node& key = node(e.key);
            if (key.kind != yaml_node::type::scalar) {
                fail(path, key, "a plugin ID must be a scalar, got " + shown(key));
            }
            plugin_settings settings = read_entry(key.value, e);
            configs.insert_or_assign(key.value, std::move(settings));
        }
    }

    plugin_settings read_entry(const std::string& id, const entry& e) {
        const std::string path = "plugins.configs." + id;
        const yaml_node& written = doc_.nodes[e.value];
        const yaml_node& n = node(e.value);
        plugin_settings s;
        s.id = id;
        // An alias is handed on as the anchored node's text, so the plugin sees the settings
        // rather than a reference it cannot resolve; comments above the key belong to the key.
        const yaml_node* key = written.kind == yaml_node::type::alias ? nullptr : &node(e.key);
        s.raw_yaml = entry_text(key, n);
        switch (n.kind) {
        case yaml_node::type::mapping:
            s.kind = n.flow ? raw_kind::flow_mapping : raw_kind::mapping;
            break;
        case yaml_node::type::sequence:
            s.kind = raw_kind::sequence;
            break;
        default:
            s.kind = is_null(n) ? raw_kind::null : raw_kind::scalar;
            break;
        }
        if (n.kind != yaml_node::type::mapping) {
            return s; // kept as written, disabled
        }
        check_unique(n, path, {});
        const std::vector<entry> settings = entries(n, path);
        if (const entry* enabled = find(settings, "enabled")) {
            s.enabled = read_bool(enabled->value, path + ".enabled").value_or(false);
        }
        if (const entry* priority = find(settings, "priority")) {
            s.priority = read_int(priority->value, path + ".priority").value_or(0);
        }
        if (const entry* store = find(settings, "store")) {
            const yaml_node& store_node = node(store->value);
            if (store_node.kind == yaml_node::type::mapping) {
                const std::vector<entry> fields = entries(store_node, path + ".store");
                s.pinned_version = normalize_pinned_version(read_pin_text(fields, "version"));
                if (s.pinned_version.empty()) {
                    s.pinned_version =
                        normalize_pinned_version(read_pin_text(fields, "release-tag"));
                }
            }
        }
        return s;
    }

    // The text of `value` as written: the comment lines between its key and it, the comment
    // after it on its last line, and for a block collection the comment lines after it that are
    // indented like its content; every line but a first one that shares the key's line loses
    // the value's indentation (never more than its leading spaces).
    [[nodiscard]] std::string entry_text(const yaml_node* key, const yaml_node& value) const {
        const std::string_view text = text_;
        const bool block = value.kind != yaml_node::type::scalar && !value.flow;
        std::size_t begin = value.begin;
        std::size_t end = value.end;

        const std::size_t indent =
            leading_spaces(text, line_start(text, block && !value.children.empty()
                                                      ? doc_.nodes[value.children.front()].begin
                                                      : begin));
        bool dedent_first = false;
        const std::size_t first_line = line_start(text, begin);
        const bool own_line = first_line + leading_spaces(text, first_line) == begin;
        if (own_line && (key == nullptr || key->end <= first_line)) {
            begin = first_line;
            dedent_first = true;
            if (key != nullptr) {
                // Comment lines between the key and the value, blank lines before them left out.
                const std::size_t after_key = next_line(text, key->end);
                for (std::size_t line = first_line; line > after_key;) {
                    const std::size_t previous = previous_line(text, line);
                    const line_type type = classify_line(text, previous);
                    if (type == line_type::content) {
                        break;
                    }
                    if (type == line_type::comment) {
                        begin = previous;
                    }
                    line = previous;
                }
            }
        }

        if (!at_line_start(text, end) && only_comment_follows(text, end)) {
            end = line_end(text, end);
        }
        if (block) {
            std::size_t pos = at_line_start(text, end) ? end : next_line(text, end);
            while (pos < text.size()) {
                const line_type type = classify_line(text, pos);
                if (type == line_type::content ||
                    (type == line_type::comment && leading_spaces(text, pos) < indent)) {
                    break;
                }
                if (type == line_type::comment) {
                    end = line_end(text, pos);
                }
                pos = next_line(text, pos);
            }
        }

        std::string out;
        out.reserve(end - begin);
        bool first = true;
        for (std::size_t pos = begin; pos < end;) {
            const std::size_t next = std::min(next_line(text, pos), end);
            if (!first || dedent_first) {
                pos += std::min(indent, leading_spaces(text, pos));
                pos = std::min(pos, next);
            }
            out.append(text.substr(pos, next - pos));
            first = false;
            pos = next;
        }
        // A block scalar that ends the value owns the line breaks it ends with; otherwise what
        // follows the last token is only white space.
        if (!at_line_start(text, end)) {
            while (!out.empty() &&
                   (out.back() == ' ' || out.back() == '\t' || is_break(out.back()))) {
                out.pop_back();
            }
        }
        return out;
    }

    const yaml_document& doc_;
    std::string_view text_;
    std::string source_;
    std::size_t budget_;
};

// ---------------------------------------------------------------------------------------------
// config_yaml

constexpr std::string_view fallback_config_yaml = "enabled: false\npriority: 0\n";

// Trimmed (blank lines before the first line with text; white space at the end), plus one
// newline. The first line's indentation stays: a hand-written indented mapping stays valid.
std::string finish_yaml(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t\r\n\v\f");
    if (first == std::string_view::npos) {
        return std::string(fallback_config_yaml);
    }
    const std::size_t last = text.find_last_not_of(" \t\r\n\v\f");
    const std::size_t begin = line_start(text, first);
    std::string out(text.substr(begin, last + 1 - begin));
    out += '\n';
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const std::string& part : parts) {
        if (!out.empty()) {
            out += separator;
        }
        out += part;
    }
    return out;
}

// `{a: 1}` -> `{a: 1, enabled: true, priority: 3}`: after the last entry (or its trailing
// comma, or the opening brace), so a comment before the closing brace stays a comment.
std::string add_to_flow_mapping(std::string text, const yaml_document& doc, const yaml_node& map,
                                const std::vector<std::string>& missing) {
    const std::size_t close = map.end - 1;
    const std::string pairs = join(missing, ", ");
    if (map.children.empty()) {
        const std::size_t open = text.find('{', map.begin);
        text.insert(open + 1, pairs);
        return text;
    }
    std::size_t content_end = 0;
    for (const std::size_t child : map.children) {
        content_end = std::max(content_end, doc.nodes[child].end);
    }
    std::size_t comma = npos;
    for (std::size_t pos = content_end; pos < close; ++pos) {
        if (text[pos] == '#') {
            pos = line_end(text, pos);
        } else if (text[pos] == ',') {
            comma = pos;
        }
    }
    if (comma != npos) {
        text.insert(comma + 1, " " + pairs);
    } else {
        text.insert(content_end, ", " + pairs);
    }
    return text;
}

// Lines at the mapping's indentation after the line its last value ends on.
std::string add_to_block_mapping(std::string text, const yaml_document& doc, const yaml_node& map,
                                 const std::vector<std::string>& missing) {
    const std::size_t indent =
        leading_spaces(text, line_start(text, doc.nodes[map.children.front()].begin));
    std::string lines;
    for (const std::string& pair : missing) {
        lines.append(indent, ' ');
        lines += pair;
        lines += '\n';
    }
    std::size_t pos = map.end;
    if (!at_line_start(text, pos)) {
        pos = next_line(text, pos);
        if (pos == text.size() && !at_line_start(text, pos)) {
            lines.insert(0, "\n");
        }
    }
    text.insert(pos, lines);
    return text;
}

// ---------------------------------------------------------------------------------------------
// Paths

// Go's path.Clean: the shortest equivalent path, by lexical processing only.
std::string clean_path(std::string_view path) {
    if (path.empty()) {
        return ".";
    }
    const bool rooted = path.front() == '/';
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t slash = std::min(path.find('/', pos), path.size());
        const std::string_view part = path.substr(pos, slash - pos);
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..") {
                parts.pop_back();
            } else if (!rooted) {
                parts.push_back(part);
            }
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        pos = slash + 1;
    }
    std::string out = rooted ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0) {
            out += '/';
        }
        out += parts[i];
    }
    return out.empty() ? "." : out;
}

} // namespace

config_result parse_plugins_config(std::string_view yaml_text, std::string_view source_name) {
    std::string source(source_name);
    try {
        const yaml_document doc = load(yaml_text, source, true);
        return section_reader(doc, yaml_text, std::move(source)).read();
    } catch (const config_error& e) {
        return e;
    }
}

config_result load_plugins_config(const std::filesystem::path& file) {
    const std::string source = file.string();
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        return config_error(source, {}, "cannot read the file: it is a directory");
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int error = errno;
        return config_error(source, {},
                            "cannot read the file: " + (error != 0
                                                            ? std::generic_category().message(error)
                                                            : std::string("it cannot be opened")));
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return config_error(source, {}, "cannot read the file: read error");
    }
    return parse_plugins_config(text, source);
}

std::string build_config_yaml(const plugin_settings& settings) {
    std::vector<std::string> defaults{std::string("enabled: ") +
                                          (settings.enabled ? "true" : "false"),
                                      "priority: " + std::to_string(settings.priority)};
    if (!settings.raw_yaml) {
        return finish_yaml(join(defaults, "\n"));
    }
    const std::string& text = *settings.raw_yaml;
    if (text.find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
        return finish_yaml(join(defaults, "\n")); // nothing written: an empty mapping
    }
    yaml_document doc;
    try {
        doc = load(text, "config_yaml", false);
    } catch (const config_error&) {
        return finish_yaml(text); // the plugin reports the syntax error itself
    }
    if (doc.root == npos || is_null(doc.nodes[doc.root])) {
        return finish_yaml(join(defaults, "\n"));
    }
    const yaml_node& root = doc.nodes[doc.root];
    if (root.kind != yaml_node::type::mapping) {
        return finish_yaml(text);
    }
    std::vector<std::string> missing;
    for (std::size_t d = 0; d < defaults.size(); ++d) {
        const std::string_view name = d == 0 ? "enabled" : "priority";
        bool present = false;
        for (std::size_t i = 0; i < root.children.size(); i += 2) {
            const yaml_node& key = doc.nodes[root.children[i]];
            present = present || (key.kind == yaml_node::type::scalar && key.value == name);
        }
        if (!present) {
            missing.push_back(defaults[d]);
        }
    }
    if (missing.empty()) {
        return finish_yaml(text);
    }
    return finish_yaml(root.flow ? add_to_flow_mapping(text, doc, root, missing)
                                 : add_to_block_mapping(text, doc, root, missing));
}

boost::system::result<std::filesystem::path, config_error> resolve_plugin_dir(std::string_view dir,
                                                                              const char* home) {
    std::string_view written = detail::trim_space(dir);
    if (written.empty()) {
        written = "plugins";
    }
    if (written.front() != '~') {
        return std::filesystem::path(clean_path(written));
    }
    if (home == nullptr || *home == '\0') {
        return config_error({}, "plugins.dir",
                            "cannot expand \"~\" in \"" + std::string(written) +
                                "\": the home directory is not set ($HOME is empty or unset)");
    }
    std::string_view rest = written.substr(1);
    while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) {
        rest.remove_prefix(1);
    }
    std::string joined(home);
    if (!rest.empty()) {
        std::string relative(rest);
        std::replace(relative.begin(), relative.end(), '\\', '/');
        joined += '/';
        joined += relative;
    }
    return std::filesystem::path(clean_path(joined));
}

boost::system::result<std::filesystem::path, config_error>
resolve_plugin_dir(std::string_view dir) {
    return resolve_plugin_dir(dir, std::getenv("HOME"));
}

std::string normalize_pinned_version(std::string_view written) {
    std::string_view version = detail::trim_space(written);
    if (version.size() > 1 && (version.front() == 'v' || version.front() == 'V')) {
        version.remove_prefix(1);
    }
    return valid_version(version) ? std::string(version) : std::string();
}

std::map<std::string, std::string> pinned_versions(const plugins_config& config) {
    std::map<std::string, std::string> pins;
    for (const auto& [id, settings] : config.configs) {
        if (!settings.pinned_version.empty()) {
            pins.emplace(id, settings.pinned_version);
        }
    }
    return pins;
}

} // namespace cpa::host
