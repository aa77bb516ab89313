// echo-executor: an executor that answers every chat request with the text of its last message.
// It shows the executor capability whole: execute, execute_stream in both delivery modes (all
// chunks inline, or produced word by word after the call returns), count_tokens, declared formats.
//
// Settings (plugins.configs.echo-executor):  stream_mode: async | inline   (default async)
#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

// The text of the last message of an OpenAI chat request, or "" when there is none.
std::string last_message(const cpa::bytes& payload) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(payload.view(), ec);
    const auto* request = ec ? nullptr : doc.if_object();
    const auto* messages = request != nullptr ? request->if_contains("messages") : nullptr;
    if (messages == nullptr || !messages->is_array() || messages->as_array().empty() ||
        !messages->as_array().back().is_object()) {
        return {};
    }
    const auto* content = messages->as_array().back().as_object().if_contains("content");
    return content != nullptr && content->is_string() ? std::string(content->as_string()) : "";
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

cpa::bytes chunk(const std::string& delta) {
    return boost::json::serialize(boost::json::object{
        {"object", "chat.completion.chunk"},
        {"choices", boost::json::array{boost::json::object{
                        {"index", 0}, {"delta", boost::json::object{{"content", delta}}}}}}});
}

} // namespace

struct echo_executor {
    static cpa::metadata metadata() {
        return {.name = "echo-executor",
                .version = "1.0.0",
                .author = "cpa-sdk samples",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {{.name = "stream_mode",
                                   .type = "enum",
                                   .enum_values = {"async", "inline"},
                                   .description = "How streams are delivered."}}};
    }

    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static constexpr auto executor_model_scope = cpa::executor_model_scope::both;
    static std::string executor_identifier() { return "echo"; }

    cpa::executor_response execute(const cpa::executor_request& request, cpa::call_context&) {
        const boost::json::object answer{
            {"id", "echo-1"},
            {"object", "chat.completion"},
            {"model", request.model},
            {"choices",
             boost::json::array{boost::json::object{
                 {"index", 0},
                 {"message", boost::json::object{{"role", "assistant"},
                                                 {"content", last_message(request.payload)}}},
                 {"finish_reason", "stop"}}}}};
        return {.payload = boost::json::serialize(answer),
                .headers = {{"Content-Type", {"application/json"}}},
                .metadata = {}};
    }

    cpa::executor_stream execute_stream(const cpa::executor_request& request,
                                        cpa::call_context& ctx) {
        cpa::headers headers{{"Content-Type", {"text/event-stream"}}};
        auto parts = words(last_message(request.payload));
        if (ctx.config().get_or("stream_mode", "async") == "inline") {
            std::vector<cpa::bytes> chunks;
            for (const auto& w : parts) {
                chunks.push_back(chunk(w + " "));
            }
            return cpa::executor_stream::chunks(std::move(headers), std::move(chunks));
        }
        // Produced after this call returned, on a thread the SDK joins at shutdown.
        return cpa::executor_stream::produce(std::move(headers),
                                             [parts = std::move(parts)](cpa::stream_writer& out) {
                                                 for (const auto& w : parts) {
                                                     if (out.stop_requested()) {
                                                         return;
                                                     }
                                                     out.emit(chunk(w + " "));
                                                 }
                                             });
    }

    cpa::executor_response count_tokens(const cpa::executor_request& request, cpa::call_context&) {
        const auto n = static_cast<std::int64_t>(words(last_message(request.payload)).size());
        return {.payload = boost::json::serialize(boost::json::object{{"input_tokens", n}}),
                .headers = {},
                .metadata = {}};
    }
};

CPA_PLUGIN(echo_executor)
