// Parses JSON text into a Boost.JSON document with the input rules of Go's encoding/json where
// Boost.JSON's own parser differs:
//  - a key that repeats in one object keeps its last value at its last position (Boost.JSON keeps
//    the first position), so "last key wins" also holds across differently-cased spellings;
//  - numbers with a fraction or exponent are converted with correct rounding (std::from_chars);
//  - invalid UTF-8 in strings and keys is replaced by U+FFFD, byte by byte, as Go does.
#ifndef CPA_DETAIL_JSON_READER_HPP
#define CPA_DETAIL_JSON_READER_HPP

#include <cpa/detail/json_writer.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace cpa::detail {

/// Appends `s` to `out`, replacing each byte that is not part of valid UTF-8 by U+FFFD.
inline void append_utf8_sanitized(std::string& out, std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            std::size_t j = i + 1;
            while (j < s.size() && static_cast<unsigned char>(s[j]) < 0x80) {
                ++j;
            }
            out.append(s.data() + i, j - i);
            i = j;
            continue;
        }
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            out.append("\xEF\xBF\xBD");
            ++i;
        } else {
            out.append(s.data() + i, len);
            i += len;
        }
    }
}

inline bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

/// The handler behind `read_json`: builds the document bottom-up, holding each object's members
/// in order until the object ends, then resolving repeated keys.
class dom_builder {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    explicit dom_builder(boost::json::storage_ptr sp) noexcept : sp_(std::move(sp)) {}

    boost::json::value release() { return std::move(*result_); }

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }

    bool on_array_begin(boost::json::error_code&) {
        frames_.push_back({false, std::move(key_), {}});
        return true;
    }
    bool on_array_end(std::size_t, boost::json::error_code&) {
        boost::json::array a(sp_);
        auto& items = frames_.back().items;
        a.reserve(items.size());
        for (auto& item : items) {
            a.push_back(std::move(item.second));
        }
        end_frame();
        put(boost::json::value(std::move(a)));
        return true;
    }

    bool on_object_begin(boost::json::error_code&) {
        frames_.push_back({true, std::move(key_), {}});
        return true;
    }
    bool on_object_end(std::size_t, boost::json::error_code&) {
        auto& items = frames_.back().items;
        boost::json::object o(sp_);
        o.reserve(items.size());
        // Keep the last occurrence of each key, at the position where it last appeared.
        std::vector<bool> keep(items.size(), true);
        if (items.size() <= 32) {
            for (std::size_t i = items.size(); i-- > 0;) {
                for (std::size_t j = 0; keep[i] && j < i; ++j) {
                    if (keep[j] && items[j].first == items[i].first) {
                        keep[j] = false;
                    }
                }
            }
        } else {
            dedupe_large(items, keep);
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (keep[i]) {
                o.emplace(items[i].first, std::move(items[i].second));
            }
        }
        end_frame();
        put(boost::json::value(std::move(o)));
        return true;
    }

    bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        put(boost::json::value(boost::json::string(take_text(), sp_)));
        return true;
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
        text_.append(s.data(), s.size());
        key_ = take_text();
        return true;
    }

    bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
        number_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
        number_.clear();
        put(boost::json::value(i, sp_));
        return true;
    }
    bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
        number_.clear();
        put(boost::json::value(u, sp_));
        return true;
    }
    bool on_double(double parsed, boost::json::string_view s, boost::json::error_code&) {
        number_.append(s.data(), s.size());
        double d = 0;
        const auto r = std::from_chars(number_.data(), number_.data() + number_.size(), d);
        if (r.ec != std::errc{}) {
            d = parsed; // out of range: Boost.JSON's infinity or zero, judged later by the codec
        }
        number_.clear();
        put(boost::json::value(d, sp_));
        return true;
    }
    bool on_bool(bool b, boost::json::error_code&) {
        put(boost::json::value(b, sp_));
        return true;
    }
    bool on_null(boost::json::error_code&) {
        put(boost::json::value(nullptr, sp_));
        return true;
    }
    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

private:
    using member = std::pair<std::string, boost::json::value>;

    struct frame {
        bool is_object;
        std::string key; // the key this container is the value of, in its parent
        std::vector<member> items;
    };

    void end_frame() {
        key_ = std::move(frames_.back().key);
        frames_.pop_back();
    }

    std::string take_text() {
        std::string s;
        if (is_valid_utf8(text_)) {
            s = std::move(text_);
        } else {
            append_utf8_sanitized(s, text_);
        }
        text_.clear();
        return s;
    }

    void put(boost::json::value v) {
        if (frames_.empty()) {
            result_.emplace(std::move(v)); // move-construct: keeps the value in `sp_`
            return;
        }
        auto& f = frames_.back();
        f.items.emplace_back(f.is_object ? std::move(key_) : std::string(), std::move(v));
        key_.clear();
    }

    static void dedupe_large(const std::vector<member>& items, std::vector<bool>& keep) {
        std::vector<std::size_t> order(items.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return items[a].first < items[b].first;
        });
        for (std::size_t k = 0; k + 1 < order.size(); ++k) {
            if (items[order[k]].first == items[order[k + 1]].first) {
                keep[order[k]] = false; // a later occurrence of the same key follows
            }
        }
    }

    boost::json::storage_ptr sp_;
    std::vector<frame> frames_;
    std::string text_;
    std::string key_;
    std::string number_;
    std::optional<boost::json::value> result_;
};

/// Where and why `read_json` failed.
struct read_error {
    std::size_t offset = 0;
    boost::json::error_code code;
};

/// Parses one complete JSON document (surrounding whitespace allowed, nothing else) into values
/// allocated from `sp`. Returns nothing and fills `err` on failure.
inline std::optional<boost::json::value> read_json(std::string_view text,
                                                   const boost::json::parse_options& options,
                                                   boost::json::storage_ptr sp, read_error& err) {
    boost::json::basic_parser<dom_builder> parser(options, std::move(sp));
    boost::json::error_code ec;
    const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
    if (!ec && n < text.size()) {
        ec = boost::json::error::extra_data;
    }
    if (ec) {
        err.offset = n;
        err.code = ec;
        return std::nullopt;
    }
    return parser.handler().release();
}

} // namespace cpa::detail

#endif // CPA_DETAIL_JSON_READER_HPP
