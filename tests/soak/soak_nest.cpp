// soak-nest: the plugin of the reload soak (soak.test.cpp). It routes the models `soak-*` to its
// own executor, and that executor answers through nested `host.model.*` calls:
//
//   soak-plain    execute: one `host.model.execute`, its content returned
//   soak-collect  execute: one `host.model.execute_stream`, read to the end, content returned
//   soak-stream   execute_stream: one `host.model.execute_stream` relayed chunk by chunk, after a
//                 first chunk naming this build (async producer, or inline with `relay: inline`)
//
// Its request interceptor answers a request carrying `X-Soak-Probe` with a nested
// `host.model.execute` too, and puts the nested answer into the request's message.
//
// The nested request is always the same OpenAI chat request with a web search tool (the
// model-router sample sends it to echo-executor), so every answer has a known content. A nested
// failure becomes a `plugin_error` (status 502) with a message naming the step; a nested stream
// that ends before all its words arrived is an error too, never a short success.
//
// Built twice (CPA_SOAK_VERSION "1.0.0" and "2.0.0"); answers name the build and the `tag`
// setting. Settings: tag (any string), relay (async | inline).
#include <cpa/plugin.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef CPA_SOAK_VERSION
#error "CPA_SOAK_VERSION must be defined"
#endif

namespace {

constexpr std::string_view nested_words[] = {"one", "colour", "two", "three", "four", "five"};

cpa::host_model_request nested_request() {
    std::string text;
    for (const auto w : nested_words) {
        text += text.empty() ? "" : " ";
        text += w;
    }
    const boost::json::object body{
        {"model", "gpt-x"},
        {"tools", boost::json::array{boost::json::object{{"type", "web_search_preview"}}}},
        {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", text}}}}};
    cpa::host_model_request r;
    r.entry_protocol = "openai";
    r.model = "gpt-x";
    r.body = cpa::bytes(boost::json::serialize(body));
    return r;
}

// `choices[0].message.content` of a chat completion, or `choices[0].delta.content` of a chunk.
std::string content_of(std::string_view json, const char* part) {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(json, ec);
    const auto* o = ec ? nullptr : doc.if_object();
    const auto* choices = o != nullptr ? o->if_contains("choices") : nullptr;
    if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
        !choices->as_array().front().is_object()) {
        throw cpa::plugin_error("soak-nest: nested answer without choices: " + std::string(json),
                                502);
    }
    const auto* inner = choices->as_array().front().as_object().if_contains(part);
    const auto* content = inner != nullptr && inner->is_object()
                              ? inner->as_object().if_contains("content")
                              : nullptr;
    if (content == nullptr || !content->is_string()) {
        throw cpa::plugin_error("soak-nest: nested answer without content: " + std::string(json),
                                502);
    }
    return std::string(content->as_string());
}

[[noreturn]] void nested_failed(std::string_view step, const std::exception& e) {
    throw cpa::plugin_error("soak-nest: nested " + std::string(step) + " failed: " + e.what(), 502);
}

std::string nested_execute(const cpa::call_context& ctx) {
    cpa::host_model_response answer;
    try {
        answer = ctx.execute_model(nested_request());
    } catch (const cpa::host_error& e) {
        nested_failed("execute", e);
    }
    return content_of(answer.body.view(), "message");
}

// Reads a nested stream to its end: its chunks' payloads. A stream that ends early (fewer chunks
// than words) or with an error throws.
std::vector<cpa::bytes> nested_stream_chunks(cpa::host_model_stream& stream,
                                             const cpa::stream_writer* writer) {
    std::vector<cpa::bytes> chunks;
    try {
        for (;;) {
            if (writer != nullptr && writer->stop_requested()) {
                throw cpa::plugin_error("soak-nest: shutting down", 503);
            }
            auto c = stream.read();
            if (!c.error.empty()) {
                throw cpa::plugin_error("soak-nest: nested stream failed: " + c.error, 502);
            }
            if (!c.payload.empty()) {
                chunks.push_back(std::move(c.payload));
            }
            if (c.done) {
                break;
            }
        }
    } catch (const cpa::host_error& e) {
        nested_failed("stream read", e);
    }
    if (chunks.size() != std::size(nested_words)) {
        throw cpa::plugin_error(
            "soak-nest: nested stream ended early: " + std::to_string(chunks.size()) + " of " +
                std::to_string(std::size(nested_words)) + " chunks",
            502);
    }
    return chunks;
}

cpa::host_model_stream open_nested_stream(const cpa::call_context& ctx) {
    try {
        return ctx.open_model_stream(nested_request());
    } catch (const cpa::host_error& e) {
        nested_failed("execute_stream", e);
    }
}

cpa::bytes answer_json(const cpa::call_context& ctx, std::string_view kind, std::string content) {
    return cpa::bytes(boost::json::serialize(boost::json::object{
        {"object", "soak.answer"},
        {"soak_version", CPA_SOAK_VERSION},
        {"tag", ctx.config().get_or("tag", "none")},
        {"kind", kind},
        {"choices", boost::json::array{boost::json::object{
                        {"index", 0},
                        {"message", boost::json::object{{"role", "assistant"},
                                                        {"content", std::move(content)}}}}}}}));
}

cpa::bytes first_chunk(const cpa::call_context& ctx) {
    return cpa::bytes(boost::json::serialize(boost::json::object{
        {"object", "chat.completion.chunk"},
        {"soak_version", CPA_SOAK_VERSION},
        {"tag", ctx.config().get_or("tag", "none")},
        {"choices", boost::json::array{boost::json::object{
                        {"index", 0}, {"delta", boost::json::object{{"content", ""}}}}}}}));
}

} // namespace

struct soak_nest {
    static cpa::metadata metadata() {
        return {.name = "soak-nest",
                .version = CPA_SOAK_VERSION,
                .author = "cpa-sdk tests",
                .github_repository = "https://example.invalid/cpa-sdk",
                .logo = {},
                .config_fields = {}};
    }

    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static std::string executor_identifier() { return "soak"; }

    cpa::model_route_response route_model(const cpa::model_route_request& request,
                                          cpa::call_context&) {
        cpa::model_route_response answer;
        if (request.requested_model.starts_with("soak-")) {
            answer.handled = true;
            answer.target_kind = cpa::route_target_kind::executor;
            answer.target = "soak-nest";
            answer.reason = "soak model";
        } else {
            answer.reason = "not a soak model";
        }
        return answer;
    }

    cpa::request_intercept_response
    intercept_request_before(const cpa::request_intercept_request& request,
                             cpa::call_context& ctx) {
        if (!request.headers.contains("X-Soak-Probe")) {
            return {};
        }
        const std::string nested = nested_execute(ctx);
        boost::system::error_code ec;
        auto doc = boost::json::parse(request.body.view(), ec);
        auto* o = ec ? nullptr : doc.if_object();
        auto* messages = o != nullptr ? o->if_contains("messages") : nullptr;
        if (messages == nullptr || !messages->is_array() || messages->as_array().empty() ||
            !messages->as_array().back().is_object()) {
            throw cpa::plugin_error("soak-nest: probe request without messages", 400);
        }
        messages->as_array().back().as_object()["content"] = "probed " + nested;
        cpa::request_intercept_response answer;
        answer.body = cpa::bytes(boost::json::serialize(doc));
        return answer;
    }

    cpa::executor_response execute(const cpa::executor_request& request, cpa::call_context& ctx) {
        std::string content;
        if (request.model == "soak-collect") {
            auto stream = open_nested_stream(ctx);
            for (const auto& c : nested_stream_chunks(stream, nullptr)) {
                content += content_of(c.view(), "delta");
            }
        } else {
            content = nested_execute(ctx);
        }
        return {.payload = answer_json(ctx, request.model, std::move(content)),
                .headers = {{"Content-Type", {"application/json"}}},
                .metadata = {}};
    }

    cpa::executor_stream execute_stream(const cpa::executor_request&, cpa::call_context& ctx) {
        cpa::headers headers{{"Content-Type", {"text/event-stream"}}};
        if (ctx.config().get_or("relay", "async") == "inline") {
            auto stream = open_nested_stream(ctx);
            std::vector<cpa::bytes> chunks{first_chunk(ctx)};
            for (auto& c : nested_stream_chunks(stream, nullptr)) {
                chunks.push_back(std::move(c));
            }
            return cpa::executor_stream::chunks(std::move(headers), std::move(chunks));
        }
        // The nested stream is opened in the call (its callback scope lives as long as this
        // stream) and read by the producer.
        auto stream = std::make_shared<cpa::host_model_stream>(open_nested_stream(ctx));
        auto first = first_chunk(ctx);
        return cpa::executor_stream::produce(
            std::move(headers),
            [stream, first = std::move(first)](cpa::stream_writer& out) mutable {
                out.emit(std::move(first));
                for (auto& c : nested_stream_chunks(*stream, &out)) {
                    out.emit(std::move(c));
                }
            });
    }
};

CPA_PLUGIN(soak_nest)
