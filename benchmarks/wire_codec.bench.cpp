// Benchmarks of the wire hot path: base64, RFC 3339 times and whole-message
// JSON encoding and decoding. Every measurement of our code is registered next
// to a baseline doing the same work on the same input, so both run in the same
// process, on the same machine, in the same run:
//
//   base64_encode / base64_decode   cpa::detail::base64_*_append  vs
//   boost::beast::detail::base64 rfc3339_format / rfc3339_parse
//   cpa::detail::*_rfc3339        vs  gmtime_r/strftime/snprintf,
//                                                                     strptime/timegm
//                                                                     + manual
//   message_encode                  cpa::to_json                  vs
//   boost::json::serialize message_decode                  cpa::from_json vs
//   boost::json::parse
//
// Before anything is timed, every input is checked once: both sides must
// produce the same text or the same value, and a decoded message must re-encode
// to the text it came from. A benchmark whose check failed is skipped with the
// reason (state.SkipWithError) and the program exits with status 1, so the
// CTest smoke run catches it. Nothing here asserts on timings.
#include <cpa/api/executor.hpp>
#include <cpa/api/interception.hpp>
#include <cpa/api/json.hpp>
#include <cpa/detail/base64.hpp>
#include <cpa/detail/rfc3339.hpp>

#include <benchmark/benchmark.h>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <exception>
#include <random>
#include <string>
#include <string_view>
#include <time.h> // gmtime_r, timegm, strptime (POSIX / glibc, not in <ctime>)
#include <utility>

namespace {

namespace beast64 = boost::beast::detail::base64;

/// Reports `per_iteration` bytes for every iteration run, so the table shows
/// bytes/s.
void set_bytes_processed(benchmark::State& state, std::size_t per_iteration) {
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(per_iteration));
}

/// Skips the benchmark when its input failed the up-front check; true when it
/// may run.
bool check_passed(benchmark::State& state, const std::string& error) {
    if (error.empty()) {
        return true;
    }
    state.SkipWithError(error.c_str());
    return false;
}

// =============================================================================================
// base64

struct base64_case {
    std::string label; ///< "64B", "4KiB", "256KiB"
    std::string raw;   ///< pseudo-random bytes, the same on every run
    std::string text;  ///< their padded base64
    std::string error; ///< why the up-front check failed, or empty
};

base64_case make_base64_case(std::string label, std::size_t size) {
    base64_case c;
    c.label = std::move(label);
    std::mt19937_64 rng(0x6370612d62656e63); // fixed seed: the same bytes on every run
    c.raw.resize(size);
    for (char& ch : c.raw) {
        ch = static_cast<char>(static_cast<unsigned char>(rng() & 0xffU));
    }
    cpa::detail::base64_encode_append(c.text, c.raw);

    // Both encoders write the same text, and both decoders give back the bytes.
    std::string beast_text(beast64::encoded_size(size), '\0');
    beast_text.resize(beast64::encode(beast_text.data(), c.raw.data(), size));
    std::string ours_decoded;
    cpa::detail::base64_error err;
    const bool ok = cpa::detail::base64_decode_append(c.text, ours_decoded, err);
    std::string beast_decoded(beast64::decoded_size(c.text.size()), '\0');
    const auto [written, read] =
        beast64::decode(beast_decoded.data(), c.text.data(), c.text.size());
    beast_decoded.resize(written);

    if (beast_text != c.text) {
        c.error = "base64 " + c.label + ": cpa and Beast encode differently";
    } else if (!ok || ours_decoded != c.raw) {
        c.error = "base64 " + c.label + ": cpa does not decode its own text";
    } else if (read != std::min(c.text.find('='), c.text.size()) || beast_decoded != c.raw) {
        // (Beast stops at the padding and does not count it as read.)
        c.error = "base64 " + c.label + ": Beast does not decode the text";
    }
    return c;
}

void bm_base64_encode_cpa(benchmark::State& state, const base64_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    std::string out;
    out.reserve(c.text.size());
    for (auto _ : state) {
        out.clear();
        cpa::detail::base64_encode_append(out, c.raw);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.raw.size());
}

// Same buffer discipline as ours: reused string, resized to the bound, trimmed
// to what was written.
void bm_base64_encode_beast(benchmark::State& state, const base64_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    std::string out;
    out.reserve(c.text.size());
    for (auto _ : state) {
        out.clear();
        out.resize(beast64::encoded_size(c.raw.size()));
        out.resize(beast64::encode(out.data(), c.raw.data(), c.raw.size()));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.raw.size());
}

void bm_base64_decode_cpa(benchmark::State& state, const base64_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    std::string out;
    out.reserve(c.raw.size());
    cpa::detail::base64_error err;
    for (auto _ : state) {
        out.clear();
        const bool ok = cpa::detail::base64_decode_append(c.text, out, err);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.raw.size());
}

void bm_base64_decode_beast(benchmark::State& state, const base64_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    std::string out;
    out.reserve(c.raw.size());
    for (auto _ : state) {
        out.clear();
        out.resize(beast64::decoded_size(c.text.size()));
        const auto result = beast64::decode(out.data(), c.text.data(), c.text.size());
        out.resize(result.first);
        benchmark::DoNotOptimize(result.second);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.raw.size());
}

// =============================================================================================
// RFC 3339: the baseline is what the C library offers for the same text.

constexpr std::size_t libc_time_buffer = 64;

/// Writes `t` as Go does (the text `format_rfc3339` writes) with gmtime_r +
/// strftime for the date and time, snprintf for the fraction (then trailing
/// zeros trimmed, as Go does) and the zone. Four-digit years only (strftime's
/// %Y does not pad). Returns the count written, 0 on failure.
std::size_t format_rfc3339_libc(const cpa::timestamp& t, char* out) {
    const auto local = static_cast<std::time_t>(t.unix_seconds + t.utc_offset_seconds);
    std::tm tm{};
    if (gmtime_r(&local, &tm) == nullptr) {
        return 0;
    }
    std::size_t n = std::strftime(out, libc_time_buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0) {
        return 0;
    }
    if (t.nanoseconds != 0) {
        const int w = std::snprintf(out + n, libc_time_buffer - n, ".%09u",
                                    static_cast<unsigned>(t.nanoseconds));
        if (w < 0) {
            return 0;
        }
        n += static_cast<std::size_t>(w);
        while (out[n - 1] == '0') {
            --n;
        }
    }
    if (t.utc_offset_seconds == 0) {
        out[n++] = 'Z';
        out[n] = '\0';
        return n;
    }
    const int minutes = t.utc_offset_seconds / 60;
    const int magnitude = minutes < 0 ? -minutes : minutes;
    const int w = std::snprintf(out + n, libc_time_buffer - n, "%c%02d:%02d",
                                minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    if (w < 0) {
        return 0;
    }
    return n + static_cast<std::size_t>(w);
}

/// Reads the text with strptime + timegm for the date and time, and by hand for
/// what they do not cover (the fraction, truncated to nanoseconds as Go does,
/// and the zone). `text` must be NUL-terminated, as strptime requires. Looser
/// than Go about what it accepts (strptime skips spaces and takes short
/// fields); only used on valid text here.
bool parse_rfc3339_libc(const char* text, cpa::timestamp& out) {
    std::tm tm{};
    const char* p = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == nullptr) {
        return false;
    }
    const std::time_t local = timegm(&tm);
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto digit = [](char c) { return static_cast<std::uint32_t>(c - '0'); };

    std::uint32_t nanos = 0;
    if (*p == '.' || *p == ',') {
        ++p;
        if (!is_digit(*p)) {
            return false;
        }
        int width = 0;
        for (; is_digit(*p); ++p) {
            if (width < 9) {
                nanos = nanos * 10 + digit(*p);
                ++width;
            }
        }
        for (; width < 9; ++width) {
            nanos *= 10;
        }
    }

    std::int32_t offset = 0;
    if (*p == 'Z') {
        ++p;
    } else if (*p == '+' || *p == '-') {
        const bool west = *p == '-';
        if (!is_digit(p[1]) || !is_digit(p[2]) || p[3] != ':' || !is_digit(p[4]) ||
            !is_digit(p[5])) {
            return false;
        }
        const std::uint32_t hours = digit(p[1]) * 10 + digit(p[2]);
        const std::uint32_t minutes = digit(p[4]) * 10 + digit(p[5]);
        offset = static_cast<std::int32_t>((hours * 60 + minutes) * 60);
        if (west) {
            offset = -offset;
        }
        p += 6;
    } else {
        return false;
    }
    if (*p != '\0') {
        return false;
    }
    out.unix_seconds = static_cast<std::int64_t>(local) - offset;
    out.nanoseconds = nanos;
    out.utc_offset_seconds = offset;
    return true;
}

struct rfc3339_case {
    std::string label;
    std::string text; ///< NUL-terminated for the baseline's strptime
    cpa::timestamp time;
    std::string error;
};

rfc3339_case make_rfc3339_case(std::string label, std::string text) {
    rfc3339_case c;
    c.label = std::move(label);
    c.text = std::move(text);
    std::string_view reason;
    if (!cpa::detail::parse_rfc3339(c.text, c.time, reason)) {
        c.error = "rfc3339 " + c.label + ": cpa rejects the text: " + std::string(reason);
        return c;
    }
    char ours[cpa::detail::rfc3339_max_size];
    const std::size_t ours_n = cpa::detail::format_rfc3339(c.time, ours);
    char libc[libc_time_buffer];
    const std::size_t libc_n = format_rfc3339_libc(c.time, libc);
    cpa::timestamp libc_time;
    if (std::string_view(ours, ours_n) != c.text) {
        c.error = "rfc3339 " + c.label + ": cpa does not format back to the text";
    } else if (std::string_view(libc, libc_n) != c.text) {
        c.error = "rfc3339 " + c.label + ": the libc baseline formats a different text";
    } else if (!parse_rfc3339_libc(c.text.c_str(), libc_time) || libc_time != c.time) {
        c.error = "rfc3339 " + c.label + ": the libc baseline reads a different time";
    }
    return c;
}

void bm_rfc3339_format_cpa(benchmark::State& state, const rfc3339_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    cpa::timestamp t = c.time;
    char out[cpa::detail::rfc3339_max_size];
    for (auto _ : state) {
        benchmark::DoNotOptimize(t); // the compiler must not fold the formatting of a constant
        const std::size_t n = cpa::detail::format_rfc3339(t, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(&out[0]);
        benchmark::ClobberMemory();
    }
}

void bm_rfc3339_format_libc(benchmark::State& state, const rfc3339_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    cpa::timestamp t = c.time;
    char out[libc_time_buffer];
    for (auto _ : state) {
        benchmark::DoNotOptimize(t);
        const std::size_t n = format_rfc3339_libc(t, out);
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(&out[0]);
        benchmark::ClobberMemory();
    }
}

void bm_rfc3339_parse_cpa(benchmark::State& state, const rfc3339_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    std::string_view text = c.text;
    cpa::timestamp t;
    std::string_view reason;
    for (auto _ : state) {
        benchmark::DoNotOptimize(text);
        const bool ok = cpa::detail::parse_rfc3339(text, t, reason);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(t);
    }
}

void bm_rfc3339_parse_libc(benchmark::State& state, const rfc3339_case& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    const char* text = c.text.c_str();
    cpa::timestamp t;
    for (auto _ : state) {
        benchmark::DoNotOptimize(text);
        const bool ok = parse_rfc3339_libc(text, t);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(t);
    }
}

// =============================================================================================
// Whole messages

/// Text of exactly `size` bytes made by repeating `words`.
std::string filler(std::string_view words, std::size_t size) {
    std::string s;
    s.reserve(size);
    while (s.size() < size) {
        s.append(words.substr(0, size - s.size()));
    }
    return s;
}

/// An OpenAI-style chat completion request of exactly `size` bytes (the last
/// user message is padded to fit), as a plugin receives it for `Payload` and
/// `OriginalRequest`.
std::string chat_body(std::size_t size) {
    const std::string_view head =
        R"({"model":"gpt-4o-mini","stream":true,"temperature":0.2,"max_tokens":1024,)"
        R"("messages":[{"role":"system","content":"You are a careful code reviewer. Answer in )"
        R"(short paragraphs and quote the lines you refer to."},{"role":"user","content":"Here )"
        R"(is a diff of a C++ JSON codec. Does the decoder accept anything that Go's )"
        R"(encoding/json would refuse?"},{"role":"assistant","content":"It matches keys exactly )"
        R"(first, then case-insensitively, as Go does, and null leaves scalars alone. I see no )"
        R"(divergence so far; please send the base64 part."},{"role":"user","content":")";
    const std::string_view tail = R"("}]})";
    const std::size_t fixed = head.size() + tail.size();
    std::string body(head);
    body += filler("The decoder reads padded standard base64, skips line breaks and rejects "
                   "misplaced padding and data after it. ",
                   size > fixed ? size - fixed : 0);
    body += tail;
    return body;
}

/// One server-sent event of a streamed chat completion, exactly `size` bytes.
std::string sse_chunk(std::size_t index, std::size_t size) {
    const std::string head =
        R"(data: {"id":"chatcmpl-9b1f2c3d","object":"chat.completion.chunk","created":)"
        R"(1767322245,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":")" +
        std::to_string(index) + ' ';
    const std::string_view tail = "\"},\"finish_reason\":null}]}\n\n";
    const std::size_t fixed = head.size() + tail.size();
    return head + filler("token ", size > fixed ? size - fixed : 0) + std::string(tail);
}

cpa::headers request_headers() {
    return {
        {"Accept", {"text/event-stream"}},
        {"Authorization", {"Bearer sk-bench-0123456789abcdef0123456789abcdef"}},
        {"Content-Type", {"application/json"}},
        {"User-Agent", {"OpenAI/Python 1.54.3"}},
        {"X-Request-Id", {"req_01JGZ6T3M8Q4W7E2R5Y9U1I0OP"}},
        {"X-Stainless-Lang", {"python"}},
    };
}

cpa::json_object request_metadata() {
    return {
        {"idempotency_key", "9b1f2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"},
        {"attempt", 1},
        {"stream_options", {{"include_usage", true}}},
        {"tags", {"beta", "priority"}},
    };
}

constexpr std::size_t chat_body_size = 2048;
constexpr std::size_t history_chunk_count = 8;
constexpr std::size_t chunk_size = 200;

cpa::executor_request make_executor_request() {
    cpa::executor_request r;
    r.auth_id = "auth-7f3c2a91";
    r.auth_provider = "openai-compatible";
    r.model = "gpt-4o-mini";
    r.format = "openai";
    r.headers = request_headers();
    r.original_request = chat_body(chat_body_size);
    r.source_format = "openai";
    r.payload = chat_body(chat_body_size);
    r.metadata = request_metadata();
    r.host_callback_id = "cb-5e0c1d2b";
    return r;
}

cpa::stream_chunk_intercept_request make_stream_chunk_request() {
    cpa::stream_chunk_intercept_request r;
    r.request_id = "req_01JGZ6T3M8Q4W7E2R5Y9U1I0OP";
    r.source_format = "openai";
    r.model = "gpt-4o-mini";
    r.requested_model = "gpt-4o-mini";
    r.request_headers = request_headers();
    r.response_headers = {
        {"Cache-Control", {"no-cache"}},
        {"Content-Type", {"text/event-stream; charset=utf-8"}},
        {"Date", {"Fri, 02 Jan 2026 03:04:05 GMT"}},
        {"X-Request-Id", {"req_01JGZ6T3M8Q4W7E2R5Y9U1I0OP"}},
    };
    r.original_request = chat_body(chat_body_size);
    r.request_body = chat_body(chat_body_size);
    for (std::size_t i = 0; i < history_chunk_count; ++i) {
        r.history_chunks.emplace_back(sse_chunk(i, chunk_size));
    }
    r.body = sse_chunk(history_chunk_count, chunk_size);
    r.chunk_index = static_cast<std::int64_t>(history_chunk_count);
    r.metadata = request_metadata();
    r.host_callback_id = "cb-5e0c1d2b";
    return r;
}

template <class T>
struct message_case {
    std::string label;
    T message;              ///< what our encoder encodes
    std::string text;       ///< its JSON text: what both decoders read
    boost::json::value dom; ///< `text` parsed once: what the baseline serialises
    std::string error;
};

template <class T>
message_case<T> make_message_case(std::string label, T message, std::size_t body_size) {
    message_case<T> c;
    c.label = std::move(label);
    c.message = std::move(message);
    try {
        c.text = cpa::to_json(c.message);
        c.dom = boost::json::parse(c.text);
        const T decoded = cpa::from_json<T>(c.text);
        if (c.message.original_request.size() != body_size) {
            c.error = c.label + ": the chat body is not " + std::to_string(body_size) + " bytes";
        } else if (boost::json::serialize(c.dom) != c.text) {
            c.error = c.label + ": Boost.JSON does not serialise the parsed text back to it";
        } else if (cpa::to_json(decoded) != c.text) {
            c.error = c.label + ": the decoded message does not re-encode to the same text";
        }
    } catch (const std::exception& e) {
        c.error = c.label + ": " + e.what();
    }
    return c;
}

template <class T>
void bm_message_encode_cpa(benchmark::State& state, const message_case<T>& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    for (auto _ : state) {
        std::string out = cpa::to_json(c.message);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.text.size());
}

template <class T>
void bm_message_encode_boost(benchmark::State& state, const message_case<T>& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    for (auto _ : state) {
        std::string out = boost::json::serialize(c.dom);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.text.size());
}

template <class T>
void bm_message_decode_cpa(benchmark::State& state, const message_case<T>& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    for (auto _ : state) {
        const T message = cpa::from_json<T>(c.text);
        benchmark::DoNotOptimize(message);
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.text.size());
}

template <class T>
void bm_message_decode_boost(benchmark::State& state, const message_case<T>& c) {
    if (!check_passed(state, c.error)) {
        return;
    }
    for (auto _ : state) {
        const boost::json::value dom = boost::json::parse(c.text);
        benchmark::DoNotOptimize(dom);
        benchmark::ClobberMemory();
    }
    set_bytes_processed(state, c.text.size());
}

// =============================================================================================
// Registration: each measurement directly followed by its baseline, named
// <operation>/<input>/<implementation>; the baselines' names start with
// "baseline_".

struct fixtures {
    std::deque<base64_case> base64; // deque: registered lambdas keep references
    std::deque<rfc3339_case> rfc3339;
    message_case<cpa::executor_request> executor;
    message_case<cpa::stream_chunk_intercept_request> stream_chunk;
};

template <class Fn, class Case>
void add(const std::string& name, Fn fn, const Case& c) {
    benchmark::RegisterBenchmark(name.c_str(), [fn, &c](benchmark::State& s) { fn(s, c); });
}

template <class T>
void add_message(const message_case<T>& c) {
    add("message_encode/" + c.label + "/cpa_to_json", bm_message_encode_cpa<T>, c);
    add("message_encode/" + c.label + "/baseline_boost_json_serialize", bm_message_encode_boost<T>,
        c);
    add("message_decode/" + c.label + "/cpa_from_json", bm_message_decode_cpa<T>, c);
    add("message_decode/" + c.label + "/baseline_boost_json_parse", bm_message_decode_boost<T>, c);
}

void register_all(const fixtures& f) {
    for (const auto& c : f.base64) {
        add("base64_encode/" + c.label + "/cpa", bm_base64_encode_cpa, c);
        add("base64_encode/" + c.label + "/baseline_beast", bm_base64_encode_beast, c);
    }
    for (const auto& c : f.base64) {
        add("base64_decode/" + c.label + "/cpa", bm_base64_decode_cpa, c);
        add("base64_decode/" + c.label + "/baseline_beast", bm_base64_decode_beast, c);
    }
    for (const auto& c : f.rfc3339) {
        add("rfc3339_format/" + c.label + "/cpa", bm_rfc3339_format_cpa, c);
        add("rfc3339_format/" + c.label + "/baseline_libc", bm_rfc3339_format_libc, c);
    }
    for (const auto& c : f.rfc3339) {
        add("rfc3339_parse/" + c.label + "/cpa", bm_rfc3339_parse_cpa, c);
        add("rfc3339_parse/" + c.label + "/baseline_libc", bm_rfc3339_parse_libc, c);
    }
    add_message(f.executor);
    add_message(f.stream_chunk);
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }

    fixtures f{
        {},
        {},
        make_message_case("executor_request", make_executor_request(), chat_body_size),
        make_message_case("stream_chunk_intercept_request", make_stream_chunk_request(),
                          chat_body_size),
    };
    f.base64.push_back(make_base64_case("64B", 64));
    f.base64.push_back(make_base64_case("4KiB", 4 * 1024));
    f.base64.push_back(make_base64_case("256KiB", 256 * 1024));
    f.rfc3339.push_back(make_rfc3339_case("nanos_offset", "2026-01-02T03:04:05.123456789+08:00"));
    f.rfc3339.push_back(make_rfc3339_case("utc", "2026-01-02T03:04:05Z"));

    int failed = 0;
    const auto report = [&failed](const std::string& error) {
        if (!error.empty()) {
            std::fprintf(stderr, "cpa-bench-wire: check failed: %s\n", error.c_str());
            ++failed;
        }
    };
    for (const auto& c : f.base64) {
        report(c.error);
    }
    for (const auto& c : f.rfc3339) {
        report(c.error);
    }
    report(f.executor.error);
    report(f.stream_chunk.error);
    std::fprintf(stderr,
                 "cpa-bench-wire: JSON text: executor_request %zu B, "
                 "stream_chunk_intercept_request %zu B\n",
                 f.executor.text.size(), f.stream_chunk.text.size());

    register_all(f);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return failed == 0 ? 0 : 1;
}
