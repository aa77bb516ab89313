#include "providers.hpp"

#include "cli.hpp"

#include <cpa/host/plugin_host.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace cpa_host {

namespace {

namespace json = boost::json;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

/// The text of a `content` value: a string, or the `text` of its text parts/blocks.
std::string content_text(const json::value& content) {
    if (content.is_string()) {
        return std::string(content.get_string());
    }
    std::string out;
    if (const auto* parts = content.if_array()) {
        for (const auto& part : *parts) {
            const auto* object = part.if_object();
            const auto* text = object != nullptr ? object->if_contains("text") : nullptr;
            if (text != nullptr && text->is_string()) {
                out += out.empty() ? "" : " ";
                out += text->get_string();
            }
        }
    }
    return out;
}

std::string last_of(const json::array& messages, const char* content_key) {
    if (messages.empty() || !messages.back().is_object()) {
        return {};
    }
    const auto* content = messages.back().get_object().if_contains(content_key);
    return content != nullptr ? content_text(*content) : std::string();
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

/// The format the provider answers in: what the host asked for, else the request's format.
std::string answer_format(const cpa::executor_request& request) {
    std::string format = cpa::host::normalize_format(request.format);
    if (format.empty()) {
        format = cpa::host::normalize_format(request.source_format);
    }
    return format.empty() ? "openai" : format;
}

} // namespace

std::string last_message_text(std::string_view body) {
    boost::system::error_code ec;
    const json::value doc = json::parse(body, ec);
    const auto* request = ec ? nullptr : doc.if_object();
    if (request == nullptr) {
        return {};
    }
    if (const auto* messages = request->if_contains("messages");
        messages != nullptr && messages->is_array()) {
        return last_of(messages->get_array(), "content");
    }
    if (const auto* input = request->if_contains("input"); input != nullptr) {
        if (input->is_string()) {
            return std::string(input->get_string());
        }
        if (input->is_array()) {
            return last_of(input->get_array(), "content");
        }
    }
    if (const auto* contents = request->if_contains("contents");
        contents != nullptr && contents->is_array()) {
        return last_of(contents->get_array(), "parts");
    }
    return {};
}

std::vector<provider_spec> parse_providers(const json::value& section, std::string_view source) {
    const std::string where = std::string(source) + ": providers";
    if (section.is_null()) {
        return {};
    }
    const auto* entries = section.if_object();
    if (entries == nullptr) {
        throw input_error(where + ": must be a mapping of provider name -> settings");
    }
    std::vector<provider_spec> out;
    for (const auto& [raw_name, value] : *entries) {
        provider_spec spec;
        spec.name = lower(trim(raw_name));
        const std::string at = where + "." + std::string(raw_name);
        if (spec.name.empty()) {
            throw input_error(where + ": a provider name is empty");
        }
        const auto* settings = value.if_object();
        if (settings == nullptr && !value.is_null()) {
            throw input_error(at + ": must be a mapping (models, answer, text)");
        }
        std::string answer = "echo";
        if (settings != nullptr) {
            for (const auto& [key, v] : *settings) {
                if (key == "models") {
                    const auto* list = v.if_array();
                    if (list == nullptr && !v.is_null()) {
                        throw input_error(at + ".models: must be a list of model names");
                    }
                    if (list != nullptr) {
                        for (const auto& m : *list) {
                            if (!m.is_string() || trim(m.get_string()).empty()) {
                                throw input_error(at + ".models: every entry must be a model name");
                            }
                            spec.models.push_back(trim(m.get_string()));
                        }
                    }
                } else if (key == "answer") {
                    if (!v.is_string()) {
                        throw input_error(at + ".answer: must be echo or canned");
                    }
                    answer = std::string(v.get_string());
                } else if (key == "text") {
                    if (!v.is_string()) {
                        throw input_error(at + ".text: must be a string");
                    }
                    spec.text = std::string(v.get_string());
                } else {
                    throw input_error(at + ": unknown key \"" + std::string(key) +
                                      "\" (known: models, answer, text)");
                }
            }
        }
        if (answer == "echo") {
            spec.echo = true;
        } else if (answer == "canned") {
            spec.echo = false;
            if (spec.text.empty()) {
                throw input_error(at + ": answer canned needs a text");
            }
        } else {
            throw input_error(at + ".answer: must be echo or canned, got \"" + answer + "\"");
        }
        const bool duplicate = std::any_of(
            out.begin(), out.end(), [&](const provider_spec& p) { return p.name == spec.name; });
        if (duplicate) {
            throw input_error(at + ": provider " + spec.name + " is declared twice");
        }
        out.push_back(std::move(spec));
    }
    return out;
}

std::string builtin_provider::answer_text(const cpa::executor_request& request) const {
    if (!spec_.echo) {
        return spec_.text;
    }
    const cpa::bytes& body = request.payload.empty() ? request.original_request : request.payload;
    return last_message_text(body.view());
}

cpa::executor_response builtin_provider::execute(const cpa::executor_request& request) {
    const std::string text = answer_text(request);
    json::object answer;
    if (answer_format(request) == "claude") {
        answer = {{"id", "msg_" + spec_.name},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", request.model},
                  {"content", json::array{json::object{{"type", "text"}, {"text", text}}}},
                  {"stop_reason", "end_turn"}};
    } else {
        answer = {
            {"id", spec_.name + "-1"},
            {"object", "chat.completion"},
            {"model", request.model},
            {"choices", json::array{json::object{
                            {"index", 0},
                            {"message", json::object{{"role", "assistant"}, {"content", text}}},
                            {"finish_reason", "stop"}}}}};
    }
    return {.payload = json::serialize(answer),
            .headers = {{"Content-Type", {"application/json"}}, {"X-Provider", {spec_.name}}},
            .metadata = {}};
}

std::vector<cpa::bytes> builtin_provider::execute_stream(const cpa::executor_request& request) {
    const bool claude = answer_format(request) == "claude";
    std::vector<cpa::bytes> chunks;
    for (const auto& w : words(answer_text(request))) {
        if (claude) {
            const json::object event{
                {"type", "content_block_delta"},
                {"index", 0},
                {"delta", json::object{{"type", "text_delta"}, {"text", w + " "}}}};
            chunks.emplace_back("event: content_block_delta\ndata: " + json::serialize(event) +
                                "\n\n");
        } else {
            const json::object chunk{
                {"object", "chat.completion.chunk"},
                {"model", request.model},
                {"choices", json::array{json::object{
                                {"index", 0}, {"delta", json::object{{"content", w + " "}}}}}}};
            chunks.emplace_back(json::serialize(chunk));
        }
    }
    if (claude) {
        chunks.emplace_back(R"(event: message_stop
data: {"type":"message_stop"}

)");
    }
    return chunks;
}

} // namespace cpa_host
