// model-router: a model router that sends Claude requests using the server-side web search tool
// (a `tools` entry whose `type` is e.g. "web_search_20250305") to an executor plugin, and
// declines everything else. It shows `route_model`, reading the raw client body with Boost.JSON,
// settings read per call, and debug logging through the call context.
//
// Settings (plugins.configs.model-router):
//   target:      plugin ID of the executor that gets web search requests  (default echo-executor)
//   tool_prefix: tool types starting with this are web search tools       (default web_search)
//   formats:     source formats routed                                    (default [claude])
#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace {

// True when `body` is a JSON object whose `tools` array has a tool with a type starting with
// `prefix`. Anything unparseable or oddly shaped is simply "no".
bool has_tool(std::string_view body, std::string_view prefix) {
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(body, ec);
    const auto* request = ec ? nullptr : doc.if_object();
    const auto* tools = request != nullptr ? request->if_contains("tools") : nullptr;
    if (tools == nullptr || !tools->is_array()) {
        return false;
    }
    return std::ranges::any_of(tools->get_array(), [&](const boost::json::value& tool) {
        const auto* type = tool.is_object() ? tool.get_object().if_contains("type") : nullptr;
        return type != nullptr && type->is_string() && type->get_string().starts_with(prefix);
    });
}

} // namespace

struct model_router {
    static cpa::metadata metadata() {
        return {.name = "model-router",
                .version = "1.0.0",
                .author = "cpa-sdk samples",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {
                    {.name = "target",
                     .type = "string",
                     .enum_values = {},
                     .description = "Plugin ID of the executor that gets web search requests."},
                    {.name = "tool_prefix",
                     .type = "string",
                     .enum_values = {},
                     .description = "Tool types starting with this are web search tools."},
                    {.name = "formats",
                     .type = "array",
                     .enum_values = {},
                     .description = "Source formats this router routes (default [claude])."}}};
    }

    cpa::model_route_response route_model(const cpa::model_route_request& request,
                                          cpa::call_context& ctx) {
        const auto& config = ctx.config();
        const auto formats = config.get_or<std::vector<std::string>>("formats", {"claude"});
        cpa::model_route_response answer;
        if (std::ranges::find(formats, request.source_format) == formats.end()) {
            answer.reason = "source format " + request.source_format + " is not routed";
        } else if (!has_tool(request.body.view(), config.get_or("tool_prefix", "web_search"))) {
            answer.reason = "no web search tool";
        } else {
            answer = {.handled = true,
                      .target_kind = cpa::route_target_kind::executor,
                      .target = config.get_or("target", "echo-executor"),
                      .target_model = {},
                      .reason = "web search tool"};
        }
        ctx.log(cpa::log_level::debug, "route decision",
                {{"model", request.requested_model}, {"routed", answer.handled}});
        return answer;
    }
};

CPA_PLUGIN(model_router)
