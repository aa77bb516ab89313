// Executor adapter pieces (host behaviour 6): format selection and `executor.http_request`.
#include "host_state.hpp"

#include <cpa/error.hpp>

namespace cpa::host {

namespace {

/// A declared format list normalised: empty entries and duplicates dropped, order kept.
std::vector<std::string> declared(const std::vector<std::string>& formats) {
    std::vector<std::string> out;
    for (const auto& f : formats) {
        auto n = normalize_format(f);
        if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) {
            out.push_back(std::move(n));
        }
    }
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

executor_formats select_executor_formats(const plugin_record& record,
                                         const format_request& request) {
    const std::string fallback = [&] {
        auto f = normalize_format(request.format);
        return f.empty() ? std::string("openai") : f;
    }();
    std::string want_in = normalize_format(request.source_format);
    if (want_in.empty()) {
        want_in = fallback;
    }
    std::string want_out = normalize_format(
        request.response_format.empty() ? request.source_format : request.response_format);
    if (want_out.empty()) {
        want_out = fallback;
    }
    const auto translatable = [&](const std::string& from, const std::string& to) {
        return from.empty() || to.empty() || from == to || request.response_translator_active;
    };

    const auto inputs = declared(record.capabilities.executor_input_formats);
    const auto outputs = declared(record.capabilities.executor_output_formats);
    const std::string who = "plugin executor " + record.id;
    if (inputs.empty()) {
        throw call_error(who + " declares no input formats");
    }
    if (!contains(inputs, want_in)) {
        // Using another declared input needs a native request translator; this host has none.
        throw call_error(who + " does not support input format \"" + want_in + "\"");
    }
    executor_formats out{want_in, {}};
    if (outputs.empty()) {
        throw call_error(who + " declares no output formats");
    }
    if (contains(outputs, want_out)) {
        out.output = want_out;
    } else if (contains(outputs, out.input) && translatable(out.input, want_out)) {
        out.output = out.input;
    } else {
        for (const auto& o : outputs) {
            if (translatable(o, want_out)) {
                out.output = o;
                break;
            }
        }
    }
    if (out.output.empty()) {
        throw call_error(who + " does not support output format \"" + want_out + "\"");
    }
    return out;
}

std::string_view http_status_text(std::int64_t code) noexcept {
    switch (code) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Request Entity Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 499:
        return "Client Closed Request";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return {};
    }
}

plugin_host::executor_http_answer plugin_host::executor_http(std::string_view id,
                                                             executor_http_request request) {
    const auto snap = current();
    const plugin_record* r = find(*snap, id);
    if (r == nullptr || !r->capabilities.executor) {
        throw call_error("plugin executor " + std::string(id) + " not found");
    }
    if (!r->usable()) {
        throw call_error("plugin executor " + std::string(id) + " is unavailable");
    }
    const auto scope = cpa::host::open_callback_scope(*state_, r->id, {}, request.headers, {});
    request.host_callback_id = scope.id();
    call_error error;
    auto answer = call(*r, plugin_methods::executor_http_request, request, &error);
    if (!answer) {
        throw error;
    }
    executor_http_answer out{std::move(*answer), {}};
    if (out.response.status_code == 0) {
        out.response.status_code = 200;
    }
    out.status = std::to_string(out.response.status_code);
    if (const auto text = http_status_text(out.response.status_code); !text.empty()) {
        out.status += ' ';
        out.status += text;
    }
    return out;
}

} // namespace cpa::host
