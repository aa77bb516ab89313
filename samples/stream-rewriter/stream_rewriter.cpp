// stream-rewriter: a stream chunk interceptor for OpenAI-style streams (each chunk a bare JSON
// object). It rewrites the text of `choices[].delta.content`, replacing every occurrence of each
// configured string, and drops keep-alive chunks: blank ones, SSE comments such as ": keep-alive",
// and `{"object":"keepalive"}` objects without content. Other chunks pass unchanged.
//
// Settings (plugins.configs.stream-rewriter):
//   replace: mapping of from -> to, applied in order   (default {colour: color})
#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using replacements = std::vector<std::pair<std::string, std::string>>;

replacements replacements_of(const cpa::plugin_config& config) {
    const auto value = config.get<boost::json::value>("replace");
    if (!value) {
        return {{"colour", "color"}};
    }
    if (!value->is_object()) {
        throw cpa::config_error(R"(config key "replace": expected a mapping of from -> to)");
    }
    replacements out;
    for (const auto& [from, to] : value->get_object()) {
        if (!to.is_string()) {
            throw cpa::config_error(R"(config key "replace": values must be strings)");
        }
        if (!from.empty()) {
            out.emplace_back(from, to.get_string());
        }
    }
    return out;
}

// Replaces every occurrence of each `from` in `text`; true when something changed.
bool rewrite(std::string& text, const replacements& rules) {
    bool changed = false;
    for (const auto& [from, to] : rules) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
            text.replace(at, from.size(), to);
            at += to.size();
            changed = true;
        }
    }
    return changed;
}

cpa::stream_chunk_intercept_response dropped() {
    cpa::stream_chunk_intercept_response r;
    r.drop_chunk = true;
    return r;
}

} // namespace

struct stream_rewriter {
    // Schema version 3: chunk calls (ChunkIndex >= 0) carry null OriginalRequest and RequestBody,
    // which spares the host re-sending the request with every chunk. Only the header-init call
    // (ChunkIndex -1) has them; this plugin needs neither.
    static constexpr std::uint32_t schema_version = 3;

    static cpa::metadata metadata() {
        return {.name = "stream-rewriter",
                .version = "1.0.0",
                .author = "cpa-sdk samples",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {{.name = "replace",
                                   .type = "object",
                                   .enum_values = {},
                                   .description = "Strings to replace in streamed text, from -> "
                                                  "to (default {colour: color})."}}};
    }

    cpa::stream_chunk_intercept_response
    intercept_stream_chunk(const cpa::stream_chunk_intercept_request& request,
                           cpa::call_context& ctx) {
        if (request.chunk_index == cpa::stream_chunk_header_init_index) {
            return {}; // the header-init call: no change
        }
        const std::string_view body = request.body.view();
        const auto start = body.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos || body[start] == ':') {
            return dropped(); // empty, blank, or an SSE comment such as ": keep-alive"
        }
        boost::system::error_code ec;
        boost::json::value doc = boost::json::parse(body, ec);
        auto* chunk = ec ? nullptr : doc.if_object();
        if (chunk == nullptr) {
            return {}; // not a JSON object ("[DONE]", another format): unchanged
        }
        const auto rules = replacements_of(ctx.config());
        bool has_content = false;
        bool changed = false;
        if (auto* choices = chunk->if_contains("choices");
            choices != nullptr && choices->is_array()) {
            for (auto& choice : choices->get_array()) {
                auto* delta =
                    choice.is_object() ? choice.get_object().if_contains("delta") : nullptr;
                auto* content = delta != nullptr && delta->is_object()
                                    ? delta->get_object().if_contains("content")
                                    : nullptr;
                if (content != nullptr && content->is_string()) {
                    has_content = true;
                    std::string text(content->get_string());
                    if (rewrite(text, rules)) {
                        *content = text;
                        changed = true;
                    }
                }
            }
        }
        const auto* object = chunk->if_contains("object");
        if (!has_content && object != nullptr && *object == "keepalive") {
            return dropped();
        }
        cpa::stream_chunk_intercept_response answer; // an empty body means "no change"
        if (changed) {
            answer.body = boost::json::serialize(doc);
        }
        return answer;
    }
};

CPA_PLUGIN(stream_rewriter)
