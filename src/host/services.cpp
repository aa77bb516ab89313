// Frontend auth, scheduler, translators and normalizers, command line, management routes and
// the service-level sync (host behaviour 7.3, 7.4, 7.7, 7.8, 7.9, 2.12), over the host's public
// API.
#include <cpa/host/services.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <system_error>
#include <utility>

namespace cpa::host {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

std::string to_lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string to_upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool has_whitespace(std::string_view s) {
    return s.find_first_of(" \t\r\n") != std::string_view::npos;
}

void warn(const plugin_host& host, std::string plugin_id, std::string message) {
    host.log({log_level::warn, std::move(plugin_id), std::move(message), {}});
}

/// The record of the current snapshot that still is `id` at `handle`, usable; else nullptr.
const plugin_record* current_record(const snapshot& s, std::string_view id,
                                    const plugin_handle* handle) {
    for (const auto& r : s.records) {
        if (r.id == id && r.handle.get() == handle && r.usable()) {
            return &r;
        }
    }
    return nullptr;
}

} // namespace

// ---- 7.3 frontend auth ----------------------------------------------------------------------

void frontend_auth::register_provider(std::string key, provider_function provider) {
    key = trim(key);
    if (key.empty() || !provider) {
        return;
    }
    std::lock_guard lock(mutex_);
    for (auto& e : providers_) {
        if (e.key == key) {
            e.provider = std::move(provider);
            return;
        }
    }
    providers_.push_back({std::move(key), std::move(provider)});
}

void frontend_auth::unregister_provider(std::string_view key) {
    const std::string k = trim(key);
    std::lock_guard lock(mutex_);
    std::erase_if(providers_, [&](const entry& e) { return e.key == k; });
}

frontend_auth::provider_function frontend_auth::plugin_provider(const plugin_record& record,
                                                                std::string key) const {
    plugin_host* host = &host_;
    return [host, id = record.id, handle = record.handle.get(),
            key = std::move(key)](const inbound_request& request) -> frontend_auth_result {
        const auto snap = host->current();
        const plugin_record* r = current_record(*snap, id, handle);
        if (r == nullptr) {
            return {}; // stale or fused: not handled
        }
        if (!request.body_error.empty()) {
            return {auth_outcome::internal_error,
                    {},
                    {},
                    {},
                    "failed to read plugin auth request body: " + request.body_error};
        }
        frontend_auth_request rq;
        rq.method = request.method;
        rq.path = request.path;
        rq.headers = request.headers;
        rq.query = request.query;
        rq.body = request.body; // a copy: the caller's body stays as it was
        const auto answer = host->call(*r, plugin_methods::frontend_auth_authenticate, rq);
        if (!answer || !answer->authenticated) {
            return {};
        }
        return {auth_outcome::authenticated, key, answer->principal, answer->metadata, {}};
    };
}

void frontend_auth::sync() {
    const auto snap = host_.current();
    std::vector<entry> next;
    std::string best_key;
    const plugin_record* best = nullptr;
    for (const auto& r : snap->records) {
        if (!r.capabilities.frontend_auth_provider || !r.usable()) {
            continue;
        }
        const auto id = host_.call(r, plugin_methods::frontend_auth_identifier, empty_message{});
        if (!id) {
            continue;
        }
        const std::string identifier = trim(id->identifier);
        const std::string plugin_id = trim(r.id);
        if (identifier.empty() || plugin_id.empty()) {
            continue;
        }
        std::string key = "plugin:" + plugin_id + ":" + identifier;
        if (r.capabilities.frontend_auth_provider_exclusive &&
            (best == nullptr || r.priority > best->priority ||
             (r.priority == best->priority && r.id < best->id))) {
            best = &r;
            best_key = key;
        }
        next.push_back({key, plugin_provider(r, key)});
    }
    std::set<std::string> next_keys;
    for (auto& e : next) {
        next_keys.insert(e.key);
        register_provider(e.key, std::move(e.provider));
    }
    std::set<std::string> stale;
    {
        std::lock_guard lock(mutex_);
        exclusive_ = best_key;
        std::set_difference(plugin_keys_.begin(), plugin_keys_.end(), next_keys.begin(),
                            next_keys.end(), std::inserter(stale, stale.end()));
        plugin_keys_ = next_keys;
    }
    for (const auto& k : stale) {
        unregister_provider(k);
    }
}

std::vector<std::string> frontend_auth::registered_providers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    if (!exclusive_.empty()) {
        for (const auto& e : providers_) {
            if (e.key == exclusive_) {
                return {e.key};
            }
        }
    }
    for (const auto& e : providers_) {
        out.push_back(e.key);
    }
    return out;
}

frontend_auth_result frontend_auth::authenticate(const inbound_request& request) const {
    std::vector<provider_function> order;
    {
        std::lock_guard lock(mutex_);
        bool exclusive_found = false;
        if (!exclusive_.empty()) {
            for (const auto& e : providers_) {
                if (e.key == exclusive_) {
                    order.push_back(e.provider);
                    exclusive_found = true;
                }
            }
        }
        if (!exclusive_found) {
            for (const auto& e : providers_) {
                order.push_back(e.provider);
            }
        }
    }
    bool invalid = false;
    for (const auto& provider : order) {
        frontend_auth_result r = provider(request);
        switch (r.outcome) {
        case auth_outcome::authenticated:
        case auth_outcome::internal_error:
            return r;
        case auth_outcome::invalid_credential:
            invalid = true;
            break;
        case auth_outcome::not_handled:
        case auth_outcome::no_credentials:
            break;
        }
    }
    frontend_auth_result none;
    none.outcome = invalid ? auth_outcome::invalid_credential : auth_outcome::no_credentials;
    none.error = invalid ? "invalid credential" : "no credentials";
    return none;
}

// ---- 7.4 scheduler --------------------------------------------------------------------------

namespace {

const plugin_record* top_scheduler(const snapshot& s) {
    for (const auto& r : s.records) {
        if (r.capabilities.scheduler && r.usable()) {
            return &r;
        }
    }
    return nullptr;
}

} // namespace

bool scheduler::has_scheduler() const {
    return top_scheduler(*host_.current()) != nullptr;
}

pick_result scheduler::pick(scheduler_pick_request request) const {
    const auto snap = host_.current();
    const plugin_record* r = top_scheduler(*snap);
    pick_result out;
    if (r == nullptr) {
        return out;
    }
    out.scheduler_id = r->id;
    request.plugin = r->metadata;
    call_error error;
    const auto answer = host_.call(*r, plugin_methods::scheduler_pick, request, &error);
    if (!answer) {
        if (r->usable()) { // an error (not a panic, not a plugin gone meanwhile) denies
            out.handled = true;
            out.error = error.what();
        }
        return out;
    }
    if (!answer->handled) {
        return out;
    }
    const std::string auth_id = trim(answer->auth_id);
    const std::string delegate = trim(answer->delegate_builtin);
    if (!auth_id.empty()) {
        const bool known =
            std::any_of(request.candidates.begin(), request.candidates.end(),
                        [&](const scheduler_candidate& c) { return trim(c.id) == auth_id; });
        if (!known) {
            warn(host_, r->id, "scheduler returned invalid response: unknown auth id");
            return out;
        }
        out.handled = true;
        out.auth_id = auth_id;
        out.delegate_builtin = delegate;
        return out;
    }
    if (delegate == "round-robin" || delegate == "fill-first") {
        out.handled = true;
        out.delegate_builtin = delegate;
        return out;
    }
    warn(host_, r->id,
         delegate.empty() ? "scheduler returned invalid response: missing auth id or delegate"
                          : "scheduler returned invalid response: unknown delegate");
    return out;
}

// ---- 7.7 translators and normalizers --------------------------------------------------------

namespace {

/// A pipeline over every usable plugin with `has`: each sees the previous body; an error, a
/// panic or an empty answer keeps the current body.
template <class Req>
bytes run_pipeline(const plugin_host& host, bool capabilities::*has,
                   const plugin_method<Req, payload_response>& method, Req request) {
    const auto snap = host.current();
    for (const auto& r : snap->records) {
        if (!(r.capabilities.*has) || !r.usable()) {
            continue;
        }
        const auto answer = host.call(r, method, request);
        if (answer && !answer->body.empty()) {
            request.body = answer->body;
        }
    }
    return std::move(request.body);
}

/// The first usable plugin with `has` whose answer is non-empty, with its ID.
template <class Req>
std::optional<std::pair<bytes, std::string>>
first_success(const plugin_host& host, bool capabilities::*has,
              const plugin_method<Req, payload_response>& method, const Req& request) {
    const auto snap = host.current();
    for (const auto& r : snap->records) {
        if (!(r.capabilities.*has) || !r.usable()) {
            continue;
        }
        auto answer = host.call(r, method, request);
        if (answer && !answer->body.empty()) {
            return std::pair{std::move(answer->body), r.id};
        }
    }
    return std::nullopt;
}

} // namespace

bytes translators::normalize_request(request_transform_request request) const {
    return run_pipeline(host_, &capabilities::request_normalizer, plugin_methods::request_normalize,
                        std::move(request));
}

std::optional<translators::request_result>
translators::translate_request(const request_transform_request& request) const {
    auto hit = first_success(host_, &capabilities::request_translator,
                             plugin_methods::request_translate, request);
    if (!hit) {
        return std::nullopt;
    }
    return request_result{std::move(hit->first), true, std::move(hit->second)};
}

translators::request_result
translators::transform_request(request_transform_request request) const {
    request.body = normalize_request(request);
    if (auto translated = translate_request(request)) {
        return std::move(*translated);
    }
    return {std::move(request.body), false, {}};
}

bytes translators::normalize_response_before(response_transform_request request) const {
    return run_pipeline(host_, &capabilities::response_before_translator,
                        plugin_methods::response_normalize_before, std::move(request));
}

std::optional<bytes>
translators::translate_response(const response_transform_request& request) const {
    auto hit = first_success(host_, &capabilities::response_translator,
                             plugin_methods::response_translate, request);
    if (!hit) {
        return std::nullopt;
    }
    return std::move(hit->first);
}

bytes translators::normalize_response_after(response_transform_request request) const {
    return run_pipeline(host_, &capabilities::response_after_translator,
                        plugin_methods::response_normalize_after, std::move(request));
}

bytes translators::transform_response(response_transform_request request) const {
    request.body = normalize_response_before(request);
    if (auto translated = translate_response(request)) {
        request.body = std::move(*translated);
    }
    return normalize_response_after(std::move(request));
}

// ---- 7.8 command line: value spellings ------------------------------------------------------

namespace {

std::optional<bool> parse_go_bool(std::string_view s) {
    for (const std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
        if (s == t) {
            return true;
        }
    }
    for (const std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
        if (s == f) {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_go_int(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    bool negative = false;
    if (s.front() == '+' || s.front() == '-') {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || s.front() == '+' || s.front() == '-') {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (magnitude > limit + 1) {
            return std::nullopt;
        }
        return magnitude == limit + 1 ? std::numeric_limits<std::int64_t>::min()
                                      : -static_cast<std::int64_t>(magnitude);
    }
    if (magnitude > limit) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(magnitude);
}

std::optional<double> parse_go_float(std::string_view s) {
    std::string_view body = s;
    bool negative = false;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    const std::string word = to_lower(std::string(body));
    if (word == "inf" || word == "infinity") {
        return negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
    }
    if (word == "nan" && body.size() == s.size()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (body.empty() ||
        !(std::isdigit(static_cast<unsigned char>(body.front())) != 0 || body.front() == '.')) {
        return std::nullopt;
    }
    double v = 0;
    const auto [end, ec] =
        std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::general);
    if (ec != std::errc{} || end != body.data() + body.size()) {
        return std::nullopt;
    }
    return negative ? -v : v;
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)`.
std::string format_go_float(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "+Inf" : "-Inf";
    }
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const auto e = sci.find('e');
    std::string mantissa = sci.substr(0, e);
    const int exponent = std::stoi(sci.substr(e + 1));
    std::string sign;
    if (!mantissa.empty() && mantissa.front() == '-') {
        sign = "-";
        mantissa.erase(0, 1);
    }
    std::string digits;
    for (const char c : mantissa) {
        if (c != '.') {
            digits.push_back(c);
        }
    }
    if (exponent < -4 || exponent >= 6) { // Go: shortest precision decides with 6
        std::string out = sign + digits.substr(0, 1);
        if (digits.size() > 1) {
            out += "." + digits.substr(1);
        }
        const int a = exponent < 0 ? -exponent : exponent;
        out += exponent < 0 ? "e-" : "e+";
        if (a < 10) {
            out += "0";
        }
        return out + std::to_string(a);
    }
    if (exponent < 0) {
        return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    const auto point = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= point) {
        return sign + digits + std::string(point - digits.size(), '0');
    }
    return sign + digits.substr(0, point) + "." + digits.substr(point);
}

/// Go's `time.ParseDuration`, in nanoseconds.
std::optional<std::int64_t> parse_go_duration(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0") {
        return 0;
    }
    if (s.empty()) {
        return std::nullopt;
    }
    constexpr std::uint64_t max_magnitude = std::uint64_t{1} << 63;
    std::uint64_t total = 0;
    while (!s.empty()) {
        if (!(s.front() == '.' || std::isdigit(static_cast<unsigned char>(s.front())) != 0)) {
            return std::nullopt;
        }
        std::uint64_t whole = 0;
        bool overflow = false;
        std::size_t i = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
            const auto d = static_cast<std::uint64_t>(s[i] - '0');
            if (whole > (max_magnitude - d) / 10) {
                overflow = true;
            }
            whole = whole * 10 + d;
            ++i;
        }
        if (overflow) {
            return std::nullopt;
        }
        const bool had_whole = i > 0;
        std::uint64_t fraction = 0;
        double scale = 1;
        bool had_fraction = false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            const std::size_t start = i;
            bool fraction_overflow = false;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
                if (!fraction_overflow) {
                    if (fraction > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
                        fraction_overflow = true;
                    } else {
                        fraction = fraction * 10 + static_cast<std::uint64_t>(s[i] - '0');
                        scale *= 10;
                    }
                }
                ++i;
            }
            had_fraction = i > start;
        }
        if (!had_whole && !had_fraction) {
            return std::nullopt;
        }
        std::size_t u = i;
        while (u < s.size() && s[u] != '.' && std::isdigit(static_cast<unsigned char>(s[u])) == 0) {
            ++u;
        }
        const std::string_view unit_name = s.substr(i, u - i);
        std::uint64_t unit = 0;
        if (unit_name == "ns") {
            unit = 1;
        } else if (unit_name == "us" || unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") {
            unit = 1000;
        } else if (unit_name == "ms") {
            unit = 1000000;
        } else if (unit_name == "s") {
            unit = 1000000000;
        } else if (unit_name == "m") {
            unit = 60ULL * 1000000000;
        } else if (unit_name == "h") {
            unit = 3600ULL * 1000000000;
        } else {
            return std::nullopt;
        }
        if (whole > max_magnitude / unit) {
            return std::nullopt;
        }
        std::uint64_t value = whole * unit;
        if (fraction > 0) {
            value += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                                (static_cast<double>(unit) / scale));
            if (value > max_magnitude) {
                return std::nullopt;
            }
        }
        total += value;
        if (total > max_magnitude) {
            return std::nullopt;
        }
        s.remove_prefix(u);
    }
    if (negative) {
        return total == max_magnitude ? std::numeric_limits<std::int64_t>::min()
                                      : -static_cast<std::int64_t>(total);
    }
    if (total > max_magnitude - 1) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(total);
}

/// `v / 10^precision` in `v`; the fraction digits without trailing zeros (with the point).
std::string fraction_part(std::uint64_t& v, int precision) {
    std::string digits;
    bool printing = false;
    for (int i = 0; i < precision; ++i) {
        const auto d = static_cast<char>('0' + v % 10);
        printing = printing || d != '0';
        if (printing) {
            digits.insert(digits.begin(), d);
        }
        v /= 10;
    }
    return digits.empty() ? std::string() : "." + digits;
}

/// Go's `time.Duration.String`.
std::string format_go_duration(std::int64_t d) {
    if (d == 0) {
        return "0s";
    }
    const bool negative = d < 0;
    std::uint64_t u =
        negative ? static_cast<std::uint64_t>(-(d + 1)) + 1 : static_cast<std::uint64_t>(d);
    std::string out;
    if (u < 1000000000) {
        std::string unit;
        int precision = 0;
        if (u < 1000) {
            unit = "ns";
        } else if (u < 1000000) {
            unit = "\xc2\xb5s";
            precision = 3;
        } else {
            unit = "ms";
            precision = 6;
        }
        const std::string fraction = fraction_part(u, precision);
        out = std::to_string(u) + fraction + unit;
    } else {
        const std::string fraction = fraction_part(u, 9);
        out = std::to_string(u % 60) + fraction + "s";
        u /= 60;
        if (u > 0) {
            out = std::to_string(u % 60) + "m" + out;
            u /= 60;
            if (u > 0) {
                out = std::to_string(u) + "h" + out;
            }
        }
    }
    return negative ? "-" + out : out;
}

std::string normalize_flag_type(std::string_view type) {
    const std::string t = to_lower(trim(type));
    if (t.empty() || t == "bool") {
        return "bool";
    }
    for (const std::string_view known : {"string", "int", "int64", "float64", "duration"}) {
        if (t == known) {
            return t;
        }
    }
    return {};
}

bool valid_flag_name(std::string_view name) {
    return !name.empty() && name.front() != '-' && name != "help" && name != "h" &&
           name.find_first_of(" \t\r\n=") == std::string_view::npos;
}

} // namespace

std::optional<std::string> normalize_flag_value(std::string_view type, std::string_view value) {
    const bool blank = trim(value).empty();
    if (type == "bool") {
        if (blank) {
            return "false";
        }
        const auto b = parse_go_bool(value);
        if (!b) {
            return std::nullopt;
        }
        return *b ? "true" : "false";
    }
    if (type == "string") {
        return std::string(value);
    }
    if (type == "int" || type == "int64") {
        if (blank) {
            return "0";
        }
        const auto i = parse_go_int(value);
        if (!i) {
            return std::nullopt;
        }
        return std::to_string(*i);
    }
    if (type == "float64") {
        if (blank) {
            return "0";
        }
        const auto f = parse_go_float(value);
        if (!f) {
            return std::nullopt;
        }
        return format_go_float(*f);
    }
    if (type == "duration") {
        if (blank) {
            return "0s";
        }
        const auto d = parse_go_duration(value);
        if (!d) {
            return std::nullopt;
        }
        return format_go_duration(*d);
    }
    return std::nullopt;
}

// ---- 7.8 command line -----------------------------------------------------------------------

bool command_line::add_native_flag(std::string name, std::string type, std::string default_value,
                                   std::string usage) {
    name = trim(name);
    const std::string kind = normalize_flag_type(type);
    if (name.empty() || name.front() == '-' || name.find('=') != std::string::npos ||
        kind.empty()) {
        return false;
    }
    auto value = normalize_flag_value(kind, default_value);
    if (!value) {
        return false;
    }
    std::lock_guard lock(mutex_);
    if (flags_.count(name) != 0) {
        return false;
    }
    flag_state s;
    s.definition = {name, kind, std::move(usage), *value, {}};
    s.value = *value;
    flags_.emplace(name, std::move(s));
    return true;
}

void command_line::register_flags() {
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.command_line_plugin || !r.usable()) {
            continue;
        }
        command_line_register_request request;
        request.plugin = r.metadata;
        call_error error;
        const auto answer = host_.call(r, plugin_methods::command_line_register, request, &error);
        if (!answer) {
            warn(host_, r.id, std::string("command-line registrar failed: ") + error.what());
            continue;
        }
        for (const auto& f : answer->flags) {
            const std::string name = trim(f.name);
            if (!valid_flag_name(name)) {
                warn(host_, r.id, "invalid command-line flag \"" + f.name + "\"");
                continue;
            }
            const std::string kind = normalize_flag_type(f.type);
            if (kind.empty()) {
                warn(host_, r.id,
                     "unsupported command-line flag type \"" + f.type + "\" for " + name);
                continue;
            }
            const auto value = normalize_flag_value(kind, f.default_value);
            if (!value) {
                warn(host_, r.id, "invalid default value \"" + f.default_value + "\" for " + name);
                continue;
            }
            std::lock_guard lock(mutex_);
            if (const auto it = flags_.find(name); it != flags_.end()) {
                warn(host_, r.id,
                     "command-line flag " + name +
                         (it->second.definition.owner.empty()
                              ? " conflicts with an existing flag and was skipped"
                              : " conflicts with a higher-priority plugin and was skipped"));
                continue;
            }
            flag_state s;
            s.definition = {name, kind, f.usage, *value, r.id};
            s.value = *value;
            flags_.emplace(name, std::move(s));
        }
    }
}

std::vector<flag_definition> command_line::flags() const {
    std::lock_guard lock(mutex_);
    std::vector<flag_definition> out;
    for (const auto& entry : flags_) {
        out.push_back(entry.second.definition);
    }
    return out;
}

std::optional<flag_definition> command_line::lookup(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto it = flags_.find(std::string(name));
    if (it == flags_.end()) {
        return std::nullopt;
    }
    return it->second.definition;
}

std::optional<std::string> command_line::value(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const auto it = flags_.find(std::string(name));
    if (it == flags_.end()) {
        return std::nullopt;
    }
    return it->second.value;
}

command_line::parse_result command_line::parse(const std::vector<std::string>& args) {
    parse_result out;
    std::size_t i = 0;
    std::lock_guard lock(mutex_);
    while (i < args.size()) {
        const std::string& s = args[i];
        if (s.size() < 2 || s[0] != '-') {
            break;
        }
        std::size_t dashes = 1;
        if (s[1] == '-') {
            dashes = 2;
            if (s.size() == 2) {
                ++i;
                break;
            }
        }
        std::string name = s.substr(dashes);
        if (name.empty() || name[0] == '-' || name[0] == '=') {
            out.error = "bad flag syntax: " + s;
            return out;
        }
        ++i;
        bool has_value = false;
        std::string given;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            given = name.substr(eq + 1);
            name.resize(eq);
            has_value = true;
        }
        const auto it = flags_.find(name);
        if (it == flags_.end()) {
            if (name == "help" || name == "h") {
                out.help = true;
                out.error = "flag: help requested";
                return out;
            }
            out.error = "flag provided but not defined: -" + name;
            return out;
        }
        flag_state& f = it->second;
        if (f.definition.type == "bool") {
            const auto v = normalize_flag_value("bool", has_value ? given : "true");
            if (!v) {
                out.error = "invalid boolean value \"" + given + "\" for -" + name;
                return out;
            }
            f.value = *v;
        } else {
            if (!has_value && i < args.size()) {
                given = args[i++];
                has_value = true;
            }
            if (!has_value) {
                out.error = "flag needs an argument: -" + name;
                return out;
            }
            const auto v = normalize_flag_value(f.definition.type, given);
            if (!v) {
                out.error = "invalid value \"" + given + "\" for flag -" + name + ": invalid " +
                            f.definition.type + " value \"" + given + "\"";
                return out;
            }
            f.value = *v;
        }
        f.set = true;
    }
    out.positional.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    return out;
}

bool command_line::has_triggered_flags() const {
    std::lock_guard lock(mutex_);
    return std::any_of(flags_.begin(), flags_.end(), [](const auto& entry) {
        return entry.second.set && !entry.second.definition.owner.empty();
    });
}

command_line::execution command_line::execute(const std::string& program,
                                              const std::vector<std::string>& args,
                                              const std::string& config_path,
                                              const host_config_summary& host, token_store* store) {
    std::map<std::string, flag_value> all;
    std::map<std::string, std::map<std::string, flag_value>> triggered;
    {
        std::lock_guard lock(mutex_);
        for (const auto& entry : flags_) {
            const flag_state& f = entry.second;
            flag_value v;
            v.name = entry.first;
            v.value = f.value;
            if (f.definition.owner.empty()) {
                // CPA reports the host's own flags with no type and Set false.
                all.emplace(entry.first, std::move(v));
                continue;
            }
            v.type = f.definition.type;
            v.set = f.set;
            all.emplace(entry.first, v);
            if (f.set) {
                triggered[f.definition.owner].emplace(entry.first, std::move(v));
            }
        }
    }
    execution out;
    if (triggered.empty()) {
        return out;
    }
    const auto set_exit = [&out](int code) {
        if (out.exit_code == 0) {
            out.exit_code = code;
        }
    };
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.command_line_plugin || r.fused()) {
            continue;
        }
        const auto hit = triggered.find(r.id);
        if (hit == triggered.end()) {
            continue;
        }
        out.handled = true;
        if (!r.usable()) {
            continue; // replaced meanwhile: CPA answers an empty result
        }
        command_line_execute_request request;
        request.plugin = r.metadata;
        request.program = program;
        request.args = args;
        request.config_path = config_path;
        request.host = host;
        request.flags = all;
        request.triggered_flags = hit->second;
        call_error error;
        auto answer = host_.call(r, plugin_methods::command_line_execute, request, &error);
        if (!answer) {
            warn(host_, r.id, std::string("command-line plugin failed: ") + error.what());
            set_exit(1);
            continue;
        }
        std::string stdout_text(answer->stdout_data.view());
        if (answer->exit_code == 0 && !answer->auths.empty()) {
            std::vector<std::string> saved;
            std::string failure;
            if (store == nullptr) {
                failure = "token store unavailable";
            }
            for (std::size_t n = 0; failure.empty() && n < answer->auths.size(); ++n) {
                auth_data auth = answer->auths[n];
                auth.provider = to_lower(trim(auth.provider));
                if (auth.provider.empty()) {
                    failure = "command-line auth " + std::to_string(n + 1) + " is invalid";
                    break;
                }
                try {
                    std::string path = store->save(auth, host.auth_dir);
                    if (!trim(path).empty()) {
                        saved.push_back(std::move(path));
                    }
                } catch (const std::exception& e) {
                    failure = "save command-line auth " + auth.id + ": " + e.what();
                }
            }
            if (!failure.empty()) {
                out.stdout_text += stdout_text;
                out.stderr_text += std::string(answer->stderr_data.view());
                out.stderr_text += failure + "\n";
                set_exit(1);
                continue;
            }
            if (!saved.empty() && !stdout_text.empty() && stdout_text.back() != '\n') {
                stdout_text.push_back('\n');
            }
            for (const auto& path : saved) {
                stdout_text += "Authentication saved to " + path + "\n";
            }
        }
        out.stdout_text += stdout_text;
        out.stderr_text += std::string(answer->stderr_data.view());
        if (answer->exit_code != 0) {
            set_exit(static_cast<int>(answer->exit_code));
        }
    }
    return out;
}

// ---- 7.9 management: HTML-escaping of JSON bodies -------------------------------------------

namespace {

/// A JSON value as the escaper needs it: numbers keep their text; objects keep the last value
/// of a repeated key and are written with keys sorted.
struct json_node {
    enum class kind { null, boolean, number, string, array, object } type = kind::null;
    std::string text; ///< number text, string value, or "true"/"false"
    std::vector<json_node> items;
    std::map<std::string, json_node> members;
};

class json_scanner {
public:
    explicit json_scanner(std::string_view s) : s_(s) {}

    bool document(json_node& out) {
        skip();
        if (!value(out, 0)) {
            return false;
        }
        skip();
        return pos_ == s_.size();
    }

private:
    void skip() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
            ++pos_;
        }
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) {
            return false;
        }
        pos_ += word.size();
        return true;
    }
    bool value(json_node& out, int depth) {
        if (depth > 10000 || pos_ >= s_.size()) {
            return false;
        }
        const char c = s_[pos_];
        if (c == '{') {
            out.type = json_node::kind::object;
            ++pos_;
            skip();
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return true;
            }
            for (;;) {
                skip();
                std::string key;
                if (pos_ >= s_.size() || s_[pos_] != '"' || !string(key)) {
                    return false;
                }
                skip();
                if (pos_ >= s_.size() || s_[pos_] != ':') {
                    return false;
                }
                ++pos_;
                skip();
                json_node member;
                if (!value(member, depth + 1)) {
                    return false;
                }
                out.members[key] = std::move(member);
                skip();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == '}') {
                    ++pos_;
                    return true;
                }
                return false;
            }
        }
        if (c == '[') {
            out.type = json_node::kind::array;
            ++pos_;
            skip();
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return true;
            }
            for (;;) {
                skip();
                json_node item;
                if (!value(item, depth + 1)) {
                    return false;
                }
                out.items.push_back(std::move(item));
                skip();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == ']') {
                    ++pos_;
                    return true;
                }
                return false;
            }
        }
        if (c == '"') {
            out.type = json_node::kind::string;
            return string(out.text);
        }
        if (c == 't' || c == 'f') {
            out.type = json_node::kind::boolean;
            out.text = c == 't' ? "true" : "false";
            return literal(out.text);
        }
        if (c == 'n') {
            out.type = json_node::kind::null;
            return literal("null");
        }
        out.type = json_node::kind::number;
        return number(out.text);
    }
    bool digits() {
        const std::size_t start = pos_;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) != 0) {
            ++pos_;
        }
        return pos_ > start;
    }
    bool number(std::string& out) {
        const std::size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') {
            ++pos_;
        }
        if (pos_ < s_.size() && s_[pos_] == '0') {
            ++pos_;
        } else if (!digits()) {
            return false;
        }
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (!digits()) {
                return false;
            }
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
                ++pos_;
            }
            if (!digits()) {
                return false;
            }
        }
        out.assign(s_.substr(start, pos_ - start));
        return true;
    }
    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    bool hex4(std::uint32_t& out) {
        if (pos_ + 4 > s_.size()) {
            return false;
        }
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[pos_++];
            out <<= 4;
            if (h >= '0' && h <= '9') {
                out |= static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                out |= static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                out |= static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }
    bool string(std::string& out) {
        ++pos_; // the opening quote
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return false;
            }
            if (c != '\\') {
                out.push_back(c);
                ++pos_;
                continue;
            }
            if (++pos_ >= s_.size()) {
                return false;
            }
            const char e = s_[pos_++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out.push_back(e);
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) {
                    return false;
                }
                if (cp >= 0xD800 && cp < 0xDC00) {
                    std::uint32_t low = 0;
                    const std::size_t mark = pos_;
                    if (s_.substr(pos_, 2) == "\\u") {
                        pos_ += 2;
                        if (hex4(low) && low >= 0xDC00 && low < 0xE000) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        } else {
                            pos_ = mark;
                            cp = 0xFFFD;
                        }
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    cp = 0xFFFD;
                }
                append_utf8(out, cp);
                break;
            }
            default:
                return false;
            }
        }
        return false;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

std::string html_escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '\'':
            out += "&#39;";
            break;
        case '"':
            out += "&#34;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

/// A JSON string the way Go's encoder writes it with HTML escaping off.
void write_json_string(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 0xF]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
            }
            ++i;
            continue;
        }
        // Multi-byte: copy valid sequences, U+FFFD for invalid bytes, escape U+2028/U+2029.
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        }
        bool valid = len > 0 && i + len <= s.size();
        for (std::size_t k = 1; valid && k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            valid = (b & 0xC0) == 0x80;
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if (valid) {
            valid = !(len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) &&
                    !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
        }
        if (!valid) {
            out += "\xef\xbf\xbd";
            ++i;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029) {
            out += cp == 0x2028 ? "\\u2028" : "\\u2029";
        } else {
            out.append(s.substr(i, len));
        }
        i += len;
    }
    out.push_back('"');
}

void write_escaped(const json_node& n, std::string& out) {
    switch (n.type) {
    case json_node::kind::null:
        out += "null";
        break;
    case json_node::kind::boolean:
    case json_node::kind::number:
        out += n.text;
        break;
    case json_node::kind::string:
        write_json_string(html_escape(n.text), out);
        break;
    case json_node::kind::array: {
        out.push_back('[');
        bool first = true;
        for (const auto& item : n.items) {
            if (!first) {
                out.push_back(',');
            }
            first = false;
            write_escaped(item, out);
        }
        out.push_back(']');
        break;
    }
    case json_node::kind::object: {
        out.push_back('{');
        bool first = true;
        for (const auto& member : n.members) {
            if (!first) {
                out.push_back(',');
            }
            first = false;
            write_json_string(member.first, out);
            out.push_back(':');
            write_escaped(member.second, out);
        }
        out.push_back('}');
        break;
    }
    }
}

bool json_content_type(std::string_view content_type) {
    std::string media = trim(content_type.substr(0, content_type.find(';')));
    media = to_lower(trim(media));
    return media == "application/json" ||
           (media.size() >= 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

std::string header_value(const cpa::headers& h, std::string_view key) {
    const std::string want = to_lower(std::string(key));
    for (const auto& entry : h) {
        if (to_lower(entry.first) == want && !entry.second.empty()) {
            return entry.second.front();
        }
    }
    return {};
}

} // namespace

std::optional<std::string> html_escape_json_body(std::string_view body,
                                                 std::string_view content_type) {
    const std::string trimmed = trim(body);
    const bool looks_like_json =
        !trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[');
    if (!json_content_type(content_type) && !looks_like_json) {
        return std::nullopt;
    }
    if (trimmed.empty()) {
        return std::nullopt;
    }
    json_node root;
    json_scanner scanner(trimmed);
    if (!scanner.document(root)) {
        return std::nullopt;
    }
    std::string out;
    write_escaped(root, out);
    return out;
}

// ---- 7.9 management routes ------------------------------------------------------------------

namespace {

/// `METHOD /v0/management/path`, or nullopt when the route is invalid.
std::optional<std::pair<std::string, std::string>> normalize_route(const management_route& r) {
    std::string method = to_upper(trim(r.method));
    if (method.empty()) {
        method = "GET";
    }
    if (has_whitespace(method)) {
        return std::nullopt;
    }
    std::string path = trim(r.path);
    if (path.empty()) {
        return std::nullopt;
    }
    if (path.front() != '/') {
        path.insert(path.begin(), '/');
    }
    const std::string base(management::base_path);
    if (starts_with(path, base + "/")) {
        path.erase(0, base.size());
    }
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    if (path.empty()) {
        return std::nullopt;
    }
    const std::string full = base + path;
    if (!starts_with(full, base + "/") || has_whitespace(full) ||
        full.find_first_of(":*") != std::string::npos) {
        return std::nullopt;
    }
    return std::pair{method, full};
}

/// The full resource path of `path` for `plugin_id`, or nullopt when invalid.
std::optional<std::string> normalize_resource(std::string_view plugin_id, std::string_view p) {
    const std::string id = trim(plugin_id);
    std::string path = trim(p);
    if (id.empty() || path.empty()) {
        return std::nullopt;
    }
    if (path.front() != '/') {
        path.insert(path.begin(), '/');
    }
    const std::string base = std::string(management::resource_base_path) + "/" + id;
    const std::string legacy = "/plugins/" + id;
    if (starts_with(path, base + "/")) {
        path.erase(0, base.size());
    } else if (starts_with(path, legacy + "/")) {
        path.erase(0, legacy.size());
    }
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    if (path.empty()) {
        return std::nullopt;
    }
    const std::string full = base + path;
    if (!starts_with(full, base + "/") || has_whitespace(full) ||
        full.find_first_of(":*") != std::string::npos || full.find("..") != std::string::npos) {
        return std::nullopt;
    }
    return full;
}

} // namespace

void management::register_routes(const std::set<std::string>& reserved) {
    std::map<std::string, route> next_routes;
    std::map<std::string, route> next_resources;
    const auto snap = host_.current();
    for (const auto& r : snap->records) {
        if (!r.capabilities.management_api || !r.usable()) {
            continue;
        }
        management_register_request request;
        request.plugin = r.metadata;
        request.base_path = std::string(base_path);
        request.resource_base_path = std::string(resource_base_path) + "/" + r.id;
        call_error error;
        const auto answer = host_.call(r, plugin_methods::management_register, request, &error);
        if (!answer) {
            warn(host_, r.id, std::string("management registrar failed: ") + error.what());
            continue;
        }
        const auto add_resource = [&](const std::string& path, const std::string& menu,
                                      const std::string& description) {
            const auto full = normalize_resource(r.id, path);
            if (!full) {
                warn(host_, r.id, "invalid resource route " + path);
                return;
            }
            if (next_resources.count(*full) != 0) {
                warn(host_, r.id,
                     "resource route GET " + *full + " conflicts with a higher-priority plugin");
                return;
            }
            next_resources.emplace(*full,
                                   route{r.id, r.handle.get(), "GET", *full, menu, description});
        };
        for (const auto& item : answer->routes) {
            const auto normal = normalize_route(item);
            if (!normal) {
                warn(host_, r.id, "invalid management route " + item.method + " " + item.path);
                continue;
            }
            if (normal->first == "GET" && !trim(item.menu).empty()) {
                add_resource(item.path, item.menu, item.description);
                continue;
            }
            const std::string key = normal->first + " " + normal->second;
            if (reserved.count(key) != 0) {
                warn(host_, r.id, "management route " + key + " conflicts with an existing route");
                continue;
            }
            if (next_routes.count(key) != 0) {
                warn(host_, r.id,
                     "management route " + key + " conflicts with a higher-priority plugin");
                continue;
            }
            next_routes.emplace(key, route{r.id, r.handle.get(), normal->first, normal->second,
                                           item.menu, item.description});
        }
        for (const auto& item : answer->resources) {
            add_resource(item.path, item.menu, item.description);
        }
    }
    std::lock_guard lock(mutex_);
    routes_ = std::move(next_routes);
    resources_ = std::move(next_resources);
}

void management::clear() {
    std::lock_guard lock(mutex_);
    routes_.clear();
    resources_.clear();
}

void management::remove_plugin(std::string_view plugin_id) {
    std::lock_guard lock(mutex_);
    std::erase_if(routes_, [&](const auto& entry) { return entry.second.plugin_id == plugin_id; });
    std::erase_if(resources_,
                  [&](const auto& entry) { return entry.second.plugin_id == plugin_id; });
}

std::vector<std::string> management::routes() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& entry : routes_) {
        out.push_back(entry.first);
    }
    return out;
}

std::vector<std::string> management::resources() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& entry : resources_) {
        out.push_back(entry.first);
    }
    return out;
}

std::vector<management_menu> management::menus(std::string_view plugin_id) const {
    std::lock_guard lock(mutex_);
    std::vector<management_menu> out;
    for (const auto& entry : resources_) {
        if (entry.second.plugin_id == plugin_id && !trim(entry.second.menu).empty()) {
            out.push_back({entry.first, entry.second.menu, entry.second.description});
        }
    }
    return out;
}

management_answer management::serve(const route& target, const management_request& request,
                                    bool escape) const {
    management_answer out;
    const auto snap = host_.current();
    const plugin_record* r = current_record(*snap, target.plugin_id, target.handle);
    if (r == nullptr) {
        return out; // fused or replaced: falls through to the server's 404
    }
    out.handled = true;
    call_error error;
    auto answer = host_.call(*r, plugin_methods::management_handle, request, &error);
    if (!answer) {
        warn(host_, r->id, std::string("management handler failed: ") + error.what());
        out.status = 502;
        out.headers = {{"Content-Type", {"text/plain; charset=utf-8"}}};
        out.body = escape ? bytes("plugin management handler failed\n")
                          : bytes("plugin resource handler failed\n");
        return out;
    }
    out.status = answer->status_code == 0 ? 200 : answer->status_code;
    out.headers = std::move(answer->headers);
    out.body = std::move(answer->body);
    if (escape) {
        if (auto escaped =
                html_escape_json_body(out.body.view(), header_value(out.headers, "Content-Type"))) {
            out.body = bytes(std::move(*escaped));
        }
    }
    return out;
}

management_answer management::serve_management(const inbound_request& request) const {
    route target;
    {
        std::lock_guard lock(mutex_);
        const auto it = routes_.find(to_upper(trim(request.method)) + " " + trim(request.path));
        if (it == routes_.end()) {
            return {};
        }
        target = it->second;
    }
    {
        const auto snap = host_.current();
        if (current_record(*snap, target.plugin_id, target.handle) == nullptr) {
            return {};
        }
    }
    if (!request.body_error.empty()) {
        return {true,
                400,
                {{"Content-Type", {"text/plain; charset=utf-8"}}},
                bytes("failed to read plugin management request body\n")};
    }
    management_request rq;
    rq.method = request.method;
    rq.path = request.path;
    rq.headers = request.headers;
    rq.query = request.query;
    rq.body = request.body;
    return serve(target, rq, true);
}

management_answer management::serve_resource(const inbound_request& request) const {
    if (to_upper(trim(request.method)) != "GET") {
        return {};
    }
    route target;
    {
        std::lock_guard lock(mutex_);
        const auto it = resources_.find(trim(request.path));
        if (it == resources_.end()) {
            return {};
        }
        target = it->second;
    }
    management_request rq;
    rq.method = "GET";
    rq.path = request.path;
    rq.headers = request.headers;
    rq.query = request.query;
    return serve(target, rq, false);
}

// ---- 2.12 service sync ----------------------------------------------------------------------

bool sync_services(service_set* services, scheduler_slot& slot,
                   const std::set<std::string>& reserved_routes) {
    if (services == nullptr) {
        slot.set_plugin_scheduler(nullptr);
        return false;
    }
    slot.set_plugin_scheduler(&services->picker);
    services->frontend.sync();
    services->routes.register_routes(reserved_routes);
    return true;
}

} // namespace cpa::host
