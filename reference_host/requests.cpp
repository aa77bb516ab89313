#include "requests.hpp"

#include "cli.hpp"

#include <boost/json.hpp>

namespace cpa_host {

namespace {

namespace json = boost::json;

/// `{"Name": "v"}` or `{"Name": ["v1", "v2"]}` as a header or query map.
cpa::headers header_map(const json::value& v, const std::string& where) {
    cpa::headers out;
    if (v.is_null()) {
        return out;
    }
    const auto* object = v.if_object();
    if (object == nullptr) {
        throw input_error(where + ": must be an object of name -> value or list of values");
    }
    for (const auto& [name, value] : *object) {
        auto& values = out[std::string(name)];
        if (value.is_string()) {
            values.emplace_back(value.get_string());
            continue;
        }
        const auto* list = value.if_array();
        if (list == nullptr) {
            throw input_error(where + ": values must be strings or lists of strings");
        }
        for (const auto& item : *list) {
            if (!item.is_string()) {
                throw input_error(where + ": values must be strings or lists of strings");
            }
            values.emplace_back(item.get_string());
        }
    }
    return out;
}

std::string string_of(const json::value& v, const std::string& where) {
    if (v.is_null()) {
        return {};
    }
    if (!v.is_string()) {
        throw input_error(where + ": must be a string");
    }
    return std::string(v.get_string());
}

} // namespace

cpa::host::client_request parse_request(std::string_view text, std::string_view source) {
    const std::string file(source);
    json::parse_options options;
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    json::parser parser({}, options);
    boost::system::error_code ec;
    const std::size_t read = parser.write(text.data(), text.size(), ec);
    if (ec) {
        // Where the parser stopped, as line:column (1-based).
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < read && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw input_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                          ": not valid JSON: " + ec.message());
    }
    const json::value doc = parser.release();
    const auto* object = doc.if_object();
    if (object == nullptr) {
        throw input_error(file + ": must be a JSON object (see cpa-host route --help)");
    }
    cpa::host::client_request out;
    bool model_given = false;
    for (const auto& [key, value] : *object) {
        const std::string where = file + ": key \"" + std::string(key) + "\"";
        if (key == "entry_protocol") {
            out.entry_protocol = string_of(value, where);
        } else if (key == "exit_protocol") {
            out.exit_protocol = string_of(value, where);
        } else if (key == "model") {
            out.model = string_of(value, where);
            model_given = true;
        } else if (key == "stream") {
            if (!value.is_bool()) {
                throw input_error(where + ": must be true or false");
            }
            out.stream = value.get_bool();
        } else if (key == "headers") {
            out.headers = header_map(value, where);
        } else if (key == "query") {
            out.query = header_map(value, where);
        } else if (key == "body") {
            out.body = value.is_string() ? cpa::bytes(std::string(value.get_string()))
                       : value.is_null() ? cpa::bytes()
                                         : cpa::bytes(json::serialize(value));
        } else if (key == "metadata") {
            if (!value.is_object() && !value.is_null()) {
                throw input_error(where + ": must be an object");
            }
            out.metadata = value.is_object() ? value.get_object() : json::object{};
        } else if (key == "trace_id") {
            out.trace_id = string_of(value, where);
        } else {
            throw input_error(where + " is not known (known: entry_protocol, exit_protocol, "
                                      "model, stream, headers, query, body, metadata, trace_id)");
        }
    }
    if (out.entry_protocol.empty()) {
        out.entry_protocol = "openai";
    }
    if (!model_given) {
        if (const auto* body = object->if_contains("body"); body != nullptr && body->is_object()) {
            if (const auto* m = body->get_object().if_contains("model"); m && m->is_string()) {
                out.model = std::string(m->get_string());
            }
        }
    }
    if (out.model.empty()) {
        throw input_error(file + ": no model: give \"model\", or a \"model\" in the body");
    }
    return out;
}

cpa::host::client_request load_request(const std::string& path) {
    return parse_request(read_file(path), path);
}

cpa::model_route_request route_request_for(const cpa::host::client_request& request) {
    cpa::model_route_request out;
    out.source_format = request.entry_protocol;
    out.requested_model = request.model;
    out.stream = request.stream;
    out.headers = request.headers;
    out.query = request.query;
    out.body = request.body;
    out.metadata = request.metadata;
    if (!out.metadata.contains("requested_model")) {
        out.metadata["requested_model"] = request.model;
    }
    return out;
}

std::string describe(const cpa::host::client_request& request) {
    std::string out = request.entry_protocol + " " + request.model;
    if (request.stream) {
        out += ", stream";
    }
    boost::system::error_code ec;
    const json::value body = json::parse(request.body.view(), ec);
    const auto* tools = !ec && body.is_object() ? body.get_object().if_contains("tools") : nullptr;
    std::string names;
    if (tools != nullptr && tools->is_array()) {
        for (const auto& tool : tools->get_array()) {
            const auto* type = tool.is_object() ? tool.get_object().if_contains("type") : nullptr;
            if (type != nullptr && type->is_string()) {
                names += (names.empty() ? "" : ", ") + std::string(type->get_string());
            }
        }
    }
    out += names.empty() ? ", no tools" : ", tools: " + names;
    return out;
}

} // namespace cpa_host
