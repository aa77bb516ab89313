// Request files of `cpa-host route` and `cpa-host run`: one client request as JSON.
//
//     {
//       "entry_protocol": "claude",            // the client's format; default "openai"
//       "exit_protocol": "",                   // the response's format; default: entry protocol
//       "model": "claude-sonnet-4",            // default: the body's "model"
//       "stream": false,                       // `run --stream` sets it
//       "headers": {"Anthropic-Version": "2023-06-01", "X-Tags": ["a", "b"]},
//       "query": {"beta": "true"},             // values: a string or a list of strings
//       "body": {"model": "claude-sonnet-4", "messages": [...]},  // JSON, or a string sent as is
//       "metadata": {"request_path": "/v1/messages"},
//       "trace_id": "req-1"
//     }
//
// Every key is optional but the model (from `model` or the body); unknown keys are errors.
#ifndef CPA_REFERENCE_HOST_REQUESTS_HPP
#define CPA_REFERENCE_HOST_REQUESTS_HPP

#include <cpa/host/pipeline.hpp>

#include <string>
#include <string_view>

namespace cpa_host {

/// Parses a request file's text; `source` names it in errors. Throws `input_error`, e.g.
/// `req.json: key "headers": values must be strings or lists of strings`.
[[nodiscard]] cpa::host::client_request parse_request(std::string_view text,
                                                      std::string_view source);

/// Reads and parses the request file at `path`. Throws `input_error`.
[[nodiscard]] cpa::host::client_request load_request(const std::string& path);

/// The `model.route` request the host's routers get for `request` (host behaviour 4.1 step 3):
/// the entry protocol, the requested model, the raw body and headers, and the metadata with
/// `requested_model`. The host fills in each router's own `Plugin`, `PluginID` and the
/// available providers.
[[nodiscard]] cpa::model_route_request route_request_for(const cpa::host::client_request& request);

/// One line about a request: `claude claude-sonnet-4, stream, tools: web_search_20250305`.
[[nodiscard]] std::string describe(const cpa::host::client_request& request);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_REQUESTS_HPP
