// usage-logger: a usage plugin that logs one line per usage record through the host's log, with
// running totals of requests and tokens since the plugin was loaded. It shows `handle_usage`,
// lock-free shared state (atomics) and choosing the log level from a setting.
//
// Settings (plugins.configs.usage-logger):
//   level: trace | debug | info | warn | error   (default info)
#include <cpa/plugin.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace {

cpa::log_level level_of(const std::string& name) {
    if (name == "trace") {
        return cpa::log_level::trace;
    }
    if (name == "debug") {
        return cpa::log_level::debug;
    }
    if (name == "warn") {
        return cpa::log_level::warn;
    }
    if (name == "error") {
        return cpa::log_level::error;
    }
    return cpa::log_level::info; // "info" and anything unrecognised
}

} // namespace

struct usage_logger {
    static cpa::metadata metadata() {
        return {.name = "usage-logger",
                .version = "1.0.0",
                .author = "cpa-sdk samples",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {{.name = "level",
                                   .type = "enum",
                                   .enum_values = {"trace", "debug", "info", "warn", "error"},
                                   .description = "Log level of the usage lines (default info)."}}};
    }

    void handle_usage(const cpa::usage_record& record, cpa::call_context& ctx) {
        const auto& tokens = record.detail;
        const std::int64_t total = tokens.total_tokens != 0
                                       ? tokens.total_tokens
                                       : tokens.input_tokens + tokens.output_tokens;
        const std::int64_t requests_total = requests_.fetch_add(1) + 1;
        const std::int64_t tokens_total = tokens_.fetch_add(total) + total;
        const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(record.latency);
        ctx.log(level_of(ctx.config().get_or("level", "info")), "usage",
                {{"provider", record.provider},
                 {"model", record.model},
                 {"auth_id", record.auth_id},
                 {"input_tokens", tokens.input_tokens},
                 {"output_tokens", tokens.output_tokens},
                 {"total_tokens", total},
                 {"latency_ms", latency.count()},
                 {"failed", record.failed},
                 {"status_code", record.failure.status_code},
                 {"requests_total", requests_total},
                 {"tokens_total", tokens_total}});
    }

private:
    std::atomic<std::int64_t> requests_{0};
    std::atomic<std::int64_t> tokens_{0};
};

CPA_PLUGIN(usage_logger)
