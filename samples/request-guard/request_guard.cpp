// request-guard: a request interceptor plus request lifecycle plugin. Every request gets the header
// `X-Request-Guard: checked`; requests are counted per model while in flight, and one that would
// exceed its model's limit is answered 429 without reaching an executor. `request_complete` ends
// the count and logs the outcome. It shows `intercept_request_before` (header change and
// termination), `request_complete`, and state shared between the host's concurrent calls.
//
// Settings (plugins.configs.request-guard):
//   limits:        mapping of model name -> most requests in flight   (e.g. {gpt-4o: 2})
//   default_limit: limit of models not in `limits`; 0 = unlimited     (default 0)
#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

// The limit for `model`: its `limits` entry if it has an integer one, else `default_limit`.
std::int64_t limit_for(const cpa::plugin_config& config, const std::string& model) {
    const auto* limits = config.values().if_contains("limits");
    const auto* entry = limits != nullptr && limits->is_object()
                            ? limits->get_object().if_contains(model)
                            : nullptr;
    if (entry != nullptr && entry->is_int64()) {
        return entry->get_int64();
    }
    return config.get_or<std::int64_t>("default_limit", 0);
}

// The wire spelling of an outcome (the SDK has no public enum-to-string helper).
std::string_view spelling(cpa::request_outcome outcome) {
    switch (outcome) {
    case cpa::request_outcome::succeeded:
        return "succeeded";
    case cpa::request_outcome::failed:
        return "failed";
    case cpa::request_outcome::rejected:
        return "rejected";
    case cpa::request_outcome::canceled:
        return "canceled";
    case cpa::request_outcome::unset:
        break;
    }
    return "";
}

} // namespace

struct request_guard {
    static cpa::metadata metadata() {
        return {.name = "request-guard",
                .version = "1.0.0",
                .author = "cpa-sdk samples",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {
                    {.name = "limits",
                     .type = "object",
                     .enum_values = {},
                     .description = "Most requests in flight per model name."},
                    {.name = "default_limit",
                     .type = "integer",
                     .enum_values = {},
                     .description = "Limit of models not in limits; 0 means unlimited."}}};
    }

    cpa::request_intercept_response
    intercept_request_before(const cpa::request_intercept_request& request,
                             cpa::call_context& ctx) {
        const std::string& model =
            request.requested_model.empty() ? request.model : request.requested_model;
        const std::int64_t limit = limit_for(ctx.config(), model);
        cpa::request_intercept_response answer;
        answer.headers = {{"X-Request-Guard", {"checked"}}};
        std::int64_t count = 0;
        {
            const std::lock_guard lock(mutex_);
            // Counted once per request ID, so that completion can find what to release.
            if (request.request_id.empty() || model_of_.contains(request.request_id)) {
                return answer;
            }
            count = in_flight_[model] + 1;
            if (limit <= 0 || count <= limit) {
                in_flight_[model] = count;
                model_of_.emplace(request.request_id, model);
                return answer;
            }
        }
        const std::string message =
            "more than " + std::to_string(limit) + " requests in flight for model " + model;
        answer.terminate = true;
        answer.status_code = 429;
        answer.response_headers = {{"Content-Type", {"application/json"}}, {"Retry-After", {"1"}}};
        answer.response_body = boost::json::serialize(boost::json::object{
            {"error", boost::json::object{{"type", "rate_limited"}, {"message", message}}}});
        return answer;
    }

    // Also called for requests this plugin rejected (outcome "rejected"): those were never
    // counted, so they find no entry and release nothing.
    void request_complete(const cpa::request_completion& completion, cpa::call_context& ctx) {
        std::string model =
            completion.requested_model.empty() ? completion.model : completion.requested_model;
        {
            const std::lock_guard lock(mutex_);
            if (const auto it = model_of_.find(completion.request_id); it != model_of_.end()) {
                model = it->second;
                if (--in_flight_[model] <= 0) {
                    in_flight_.erase(model);
                }
                model_of_.erase(it);
            }
        }
        // Logged after the lock is released: host calls may block.
        ctx.log(cpa::log_level::info, "request complete",
                {{"request_id", completion.request_id},
                 {"model", model},
                 {"outcome", spelling(completion.outcome)},
                 {"status_code", completion.status_code}});
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> in_flight_; // model -> requests in flight
    std::unordered_map<std::string, std::string> model_of_;   // request ID -> counted model
};

CPA_PLUGIN(request_guard)
