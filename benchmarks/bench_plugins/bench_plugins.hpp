// The plugin classes of the host benchmark (cpa-bench-host). Each is built into a shared
// library by the bench_*.cpp file of the same name, and is also added to a host in process by
// the benchmark itself, so both variants run the very same plugin code.
//
// The plugins do as little work of their own as a plugin can while still leaving a trace the
// benchmark checks before it times anything: the final response body tells which interceptors
// ran and how large the executor's payload was.
#ifndef CPA_BENCH_PLUGINS_HPP
#define CPA_BENCH_PLUGINS_HPP

#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace cpa_bench {

/// Header set by `bench_stamp` in `request.intercept_before`.
inline constexpr std::string_view stamp_header = "X-Bench-Before";
/// Header set by `bench_rewrite` in `request.intercept_after`.
inline constexpr std::string_view rewrite_header = "X-Bench-After";
/// Header set by `bench_tag` in `response.intercept_after`.
inline constexpr std::string_view tag_header = "X-Bench-Response";
/// What `bench_rewrite` replaces in the request body, and with what.
inline constexpr std::string_view rewrite_from = R"("model":"bench-model")";
inline constexpr std::string_view rewrite_to = R"("model":"bench-model-rewritten")";
/// What `bench_tag` replaces in the executor's answer, and with what.
inline constexpr std::string_view tag_from = R"("finish_reason":"pending")";
inline constexpr std::string_view tag_to = R"("finish_reason":"stop")";

/// `text` with its first `from` replaced by `to` (unchanged when there is none).
inline std::string replace_first(std::string_view text, std::string_view from,
                                 std::string_view to) {
    std::string out(text);
    if (const auto at = out.find(from); at != std::string::npos) {
        out.replace(at, from.size(), to);
    }
    return out;
}

/// The first value of header `key`, or "" when it is not there.
inline std::string first_value(const cpa::headers& headers, std::string_view key) {
    const auto it = headers.find(std::string(key));
    return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
}

inline cpa::metadata bench_metadata(std::string name) {
    return {.name = std::move(name),
            .version = "1.0.0",
            .author = "cpa-sdk benchmarks",
            .github_repository = "https://example.invalid/cpa-sdk",
            .logo = {},
            .config_fields = {}};
}

/// `model.route`. Settings: `handle` (default false) decides whether it routes or declines;
/// `target_kind` is `executor` or `provider` (default provider); `target` is the executor plugin
/// ID or provider key. The settings are read on every call, as a router that may be
/// reconfigured at any time does.
struct bench_router {
    static cpa::metadata metadata() { return bench_metadata("bench-router"); }

    cpa::model_route_response route_model(const cpa::model_route_request& request,
                                          cpa::call_context& ctx) {
        const auto& config = ctx.config();
        cpa::model_route_response answer;
        if (!config.get_or<bool>("handle", false)) {
            answer.reason = "declined by configuration";
            return answer;
        }
        answer.handled = true;
        answer.target_kind = config.get_or("target_kind", "provider") == "executor"
                                 ? cpa::route_target_kind::executor
                                 : cpa::route_target_kind::provider;
        answer.target = config.get_or("target", "bench-provider");
        answer.reason = "routes " + request.requested_model;
        return answer;
    }
};

/// `request.intercept_before`: stamps a header (its `request.intercept_after` is the SDK's "no
/// change").
struct bench_stamp {
    static cpa::metadata metadata() { return bench_metadata("bench-stamp"); }

    cpa::request_intercept_response
    intercept_request_before(const cpa::request_intercept_request&) {
        cpa::request_intercept_response answer;
        answer.headers = {{std::string(stamp_header), {"stamped"}}};
        return answer;
    }
};

/// `request.intercept_after`: sets a header and rewrites the model name in the body (its
/// `request.intercept_before` is the SDK's "no change").
struct bench_rewrite {
    static cpa::metadata metadata() { return bench_metadata("bench-rewrite"); }

    cpa::request_intercept_response
    intercept_request_after(const cpa::request_intercept_request& request) {
        cpa::request_intercept_response answer;
        answer.headers = {{std::string(rewrite_header), {"rewritten"}}};
        answer.body = replace_first(request.body.view(), rewrite_from, rewrite_to);
        return answer;
    }
};

/// The executor: answers an OpenAI chat completion whose text names the payload size and the
/// headers the interceptors set, with `"finish_reason":"pending"` for `bench_tag` to fix.
struct bench_executor {
    static cpa::metadata metadata() { return bench_metadata("bench-executor"); }

    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static constexpr auto executor_model_scope = cpa::executor_model_scope::both;
    static std::string executor_identifier() { return "bench"; }

    /// The text of the answer for a payload of `payload_size` bytes and the two header values.
    static std::string answer_text(std::size_t payload_size, std::string_view before,
                                   std::string_view after) {
        return "payload " + std::to_string(payload_size) + " bytes, before=" + std::string(before) +
               ", after=" + std::string(after);
    }

    cpa::executor_response execute(const cpa::executor_request& request) {
        const boost::json::object answer{
            {"id", "bench-1"},
            {"object", "chat.completion"},
            {"model", request.model},
            {"choices",
             boost::json::array{boost::json::object{
                 {"index", 0},
                 {"message",
                  boost::json::object{
                      {"role", "assistant"},
                      {"content", answer_text(request.payload.size(),
                                              first_value(request.headers, stamp_header),
                                              first_value(request.headers, rewrite_header))}}},
                 {"finish_reason", "pending"}}}}};
        return {.payload = boost::json::serialize(answer),
                .headers = {{"Content-Type", {"application/json"}}},
                .metadata = {}};
    }
};

/// `response.intercept_after`: sets a header and replaces the pending finish reason.
struct bench_tag {
    static cpa::metadata metadata() { return bench_metadata("bench-tag"); }

    cpa::response_intercept_response
    intercept_response(const cpa::response_intercept_request& request) {
        cpa::response_intercept_response answer;
        answer.headers = {{std::string(tag_header), {"tagged"}}};
        answer.body = replace_first(request.body.view(), tag_from, tag_to);
        return answer;
    }
};

} // namespace cpa_bench

#endif // CPA_BENCH_PLUGINS_HPP
