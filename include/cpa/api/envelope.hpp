// The envelope every call answers with, and the one decision table both sides use to read an
// answer: return code + bytes -> result or error.
#ifndef CPA_API_ENVELOPE_HPP
#define CPA_API_ENVELOPE_HPP

#include <cpa/api/json.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cpa {

/// The `error` object of a failed call. The host never interprets `code` or `retryable`;
/// `http_status > 0` becomes the HTTP status of the failure where the host has one to give.
struct error_info {
    std::string code{};
    std::string message{};
    bool retryable = false;
    std::int64_t http_status = 0;

    static constexpr auto wire =
        detail::message("error_info", detail::field("code", &error_info::code),
                        detail::field("message", &error_info::message),
                        detail::field("retryable", &error_info::retryable, detail::omit_empty),
                        detail::field("http_status", &error_info::http_status, detail::omit_empty));
};

/// `{"ok": ..., "result": ..., "error": {...}}`. `result` is raw JSON (not base64); it is left
/// out when null, as is `error` when absent.
struct envelope {
    bool ok = false;
    json_value result{};
    std::optional<error_info> error{};

    static constexpr auto wire =
        detail::message("envelope", detail::field("ok", &envelope::ok),
                        detail::field("result", &envelope::result, detail::omit_empty),
                        detail::field("error", &envelope::error, detail::omit_empty));
};

/// Error codes used by CPA plugins and hosts (free-form: the host never reads them).
namespace error_codes {
inline constexpr std::string_view host_call_failed = "host_call_failed";
inline constexpr std::string_view plugin_error = "plugin_error";
inline constexpr std::string_view invalid_method = "invalid_method";
inline constexpr std::string_view unknown_method = "unknown_method";
inline constexpr std::string_view invalid_request = "invalid_request";
inline constexpr std::string_view executor_error = "executor_error";
inline constexpr std::string_view scheduler_denied = "scheduler_denied";
} // namespace error_codes

/// Appends `{"ok":true,"result":<result>}` to `out`, encoding `result` directly.
template <wire_message T>
void encode_success(const T& result, std::string& out) {
    out.append(R"({"ok":true,"result":)");
    to_json(result, out);
    out.push_back('}');
}

/// Appends `{"ok":false,"error":{...}}` to `out`.
inline void encode_failure(const error_info& error, std::string& out) {
    out.append(R"({"ok":false,"error":)");
    to_json(error, out);
    out.push_back('}');
}

/// A call that failed, as the caller sees it: the message (never empty), the HTTP status the
/// answer carried (0 when none) and, when the answer was an error envelope, its code and
/// retryable flag.
class call_error : public std::runtime_error {
public:
    call_error() : call_error("call failed") {}
    explicit call_error(const std::string& message, std::int64_t http_status = 0,
                        std::string code = {}, bool retryable = false)
        : std::runtime_error(message), http_status_(http_status), code_(std::move(code)),
          retryable_(retryable) {}

    [[nodiscard]] std::int64_t http_status() const noexcept { return http_status_; }
    [[nodiscard]] const std::string& code() const noexcept { return code_; }
    [[nodiscard]] bool retryable() const noexcept { return retryable_; }

private:
    std::int64_t http_status_{};
    std::string code_{};
    bool retryable_{};
};

/// Lets `boost::system::result<T, call_error>::value()` throw the error itself.
[[noreturn]] inline void throw_exception_from_error(const call_error& e,
                                                    const boost::source_location&) {
    throw e;
}

namespace detail {

// Go's unicode.IsSpace for the code point encoded at the start of `s`; returns its length in
// bytes, or 0 when it is not a space.
inline std::size_t space_length(std::string_view s) noexcept {
    const auto c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) {
        return (c == ' ' || (c >= '\t' && c <= '\r')) ? 1 : 0;
    }
    const std::size_t len = utf8_sequence_length(s, 0);
    if (len < 2) {
        return 0;
    }
    char32_t cp = len == 2 ? (c & 0x1Fu) : (c & 0x0Fu);
    for (std::size_t i = 1; i < len; ++i) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3Fu);
    }
    const bool space = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    return space ? len : 0;
}

// Go's strings.TrimSpace: Unicode white space at both ends.
inline std::string_view trim_space(std::string_view s) noexcept {
    while (!s.empty()) {
        const std::size_t n = space_length(s);
        if (n == 0) {
            break;
        }
        s.remove_prefix(n);
    }
    while (!s.empty()) {
        std::size_t start = s.size() - 1;
        while (start > 0 && s.size() - start < 4 &&
               (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
            --start;
        }
        const std::size_t n = space_length(s.substr(start));
        if (n == 0 || start + n != s.size()) {
            break;
        }
        s.remove_suffix(n);
    }
    return s;
}

inline call_error failure_from(const error_info& e) {
    const std::string_view message = trim_space(e.message);
    return call_error(message.empty() ? std::string("plugin call failed") : std::string(message),
                      e.http_status > 0 ? e.http_status : 0, e.code, e.retryable);
}

} // namespace detail

/// Reads the answer of a call exactly as CPA's host does (the rc/envelope decision table):
///
/// | rc  | answer                                         | outcome                              |
/// |-----|------------------------------------------------|--------------------------------------|
/// | 0   | `ok:true` envelope                             | the `result` value (null if absent)  |
/// | 0   | `ok:false` envelope                            | error: trimmed message or "plugin call
/// failed", http_status kept | | 0   | empty, not JSON, not an object, bad envelope   | error
/// "decode plugin envelope <method>: ..." (`null` is "plugin call failed") | | !=0 | `ok:false`
/// envelope with an `error` object     | as for rc 0                          | | !=0 | anything
/// else                                  | error "plugin call <method> returned <rc>: <answer
/// text>" |
///
/// The result value lives in `sp` (by default the heap). `party` names the answering side in the
/// messages: "plugin" for plugin answers read by a host, "host" for host-callback answers read by
/// a plugin. Never throws anything but `std::bad_alloc`. Thread-safe.
inline boost::system::result<json_value, call_error>
interpret_reply(std::string_view method, int rc, std::string_view answer,
                boost::json::storage_ptr sp = {}, std::string_view party = "plugin") {
    const auto envelope_error = [&](std::string_view what) {
        return call_error("decode " + std::string(party) + " envelope " + std::string(method) +
                          ": " + std::string(what));
    };
    const auto rc_error = [&] {
        return call_error(std::string(party) + " call " + std::string(method) + " returned " +
                          std::to_string(rc) + ": " + std::string(answer));
    };

    auto parsed = parse_json(answer, sp);
    if (!parsed) {
        if (rc != 0) {
            return rc_error();
        }
        return envelope_error(parsed.error().what());
    }
    json_value& root = *parsed;
    if (root.is_null()) {
        return rc != 0 ? rc_error() : call_error("plugin call failed");
    }
    if (!root.is_object()) {
        if (rc != 0) {
            return rc_error();
        }
        return envelope_error(std::string("expected an object, got ") +
                              std::string(detail::kind_name(root)));
    }

    // Walk the keys as the generic decoder would (last match wins), but move `result` out of
    // the parsed document instead of copying it.
    bool ok = false;
    json_value* result = nullptr;
    std::optional<error_info> error{};
    try {
        detail::decode_context ctx("envelope");
        using codec = detail::codec<envelope>;
        for (auto& kv : root.get_object()) {
            const std::size_t index = codec::find_field(kv.key());
            if (index == codec::count) {
                continue;
            }
            ctx.push_key(codec::field_keys[index]);
            switch (index) {
            case 0:
                detail::decode_value(kv.value(), ok, ctx);
                break;
            case 1:
                result = &kv.value();
                break;
            default:
                detail::decode_value(kv.value(), error, ctx);
                break;
            }
            ctx.pop();
        }
    } catch (const detail::decode_failure& e) {
        if (rc != 0) {
            return rc_error();
        }
        return envelope_error(e.what());
    }

    if (!ok) {
        if (rc != 0 && !error) {
            return rc_error();
        }
        return detail::failure_from(error.value_or(error_info{}));
    }
    if (rc != 0) {
        return rc_error();
    }
    if (result == nullptr) {
        return json_value(std::move(sp));
    }
    return std::move(*result);
}

/// `interpret_reply`, then decodes the result into `T` (a null or absent result gives a
/// default `T`). A result that does not decode fails the whole call:
/// "decode plugin result <method>: <field error>".
template <wire_message T>
[[nodiscard]] boost::system::result<T, call_error> decode_reply(std::string_view method, int rc,
                                                                std::string_view answer,
                                                                std::string_view party = "plugin") {
    unsigned char buffer[4096];
    boost::json::monotonic_resource mr(buffer, sizeof buffer);
    auto reply = interpret_reply(method, rc, answer, &mr, party);
    if (!reply) {
        return std::move(reply).error();
    }
    auto decoded = try_decode<T>(*reply);
    if (!decoded) {
        return call_error("decode " + std::string(party) + " result " + std::string(method) + ": " +
                          decoded.error().what());
    }
    return std::move(*decoded);
}

} // namespace cpa

#endif // CPA_API_ENVELOPE_HPP
