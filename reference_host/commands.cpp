// demo, list, route and run: a plugin host over CPA's configuration, with the built-in providers.
#include "commands.hpp"

#include "cli.hpp"
#include "host_config.hpp"
#include "providers.hpp"
#include "report.hpp"
#include "requests.hpp"

#include <cpa/host/discovery.hpp>
#include <cpa/host/pipeline.hpp>
#include <cpa/host/plugin_host.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace cpa_host {

namespace {

namespace json = boost::json;
using cpa::host::client_request;
using cpa::host::client_response;
using cpa::host::pipeline_trace;

// ---- help -------------------------------------------------------------------------------------

constexpr std::string_view request_file_help =
    R"(Request file (JSON; every key optional but the model):
  {
    "entry_protocol": "claude",           the client's format (default "openai")
    "exit_protocol": "",                  the response's format (default: entry protocol)
    "model": "claude-sonnet-4",           default: the body's "model"
    "stream": false,                      run --stream sets it
    "headers": {"Anthropic-Version": "2023-06-01", "X-Tags": ["a", "b"]},
    "query": {"beta": "true"},            values: a string or a list of strings
    "body": {"model": "claude-sonnet-4", "messages": [{"role": "user", "content": "hi"}]},
                                          JSON, or a string sent as it is
    "metadata": {"request_path": "/v1/messages"},
    "trace_id": "req-1"
  }
)";

constexpr std::string_view config_help =
    R"(Configuration (YAML): CPA's own `plugins:` section, read exactly as CPA reads it
(plugins.enabled, plugins.dir, plugins.configs.<id>: enabled, priority, store.version and the
plugin's own keys), plus cpa-host's `providers:` section, providers the host serves itself:
  providers:
    local:                          the provider key
      models: [gpt-4o, gpt-4o-mini] requests for these models that no router takes go here
      answer: echo                  echo: the text of the last message (default)
    canned:
      models: [claude-sonnet-4]
      answer: canned
      text: Hello from the canned provider.
A relative plugins.dir is relative to the working directory, as in CPA. cpa-host never
deletes files in the plugin directory (CPA deletes older builds of active plugins once).
`cpa-host demo --print-config` prints a complete example.
)";

constexpr std::string_view demo_help =
    R"(Usage: cpa-host demo [--samples-dir DIR] [--print-config] [--verbose]

Loads the sample plugins of cpa-sdk with an embedded configuration and shows the host at work:
the plugin table in chain order, routing decisions with the trail of every router asked, one
request through the whole pipeline, one stream through the chunk interceptor, then the top
router unloaded (the route changes) and loaded again (the route is back).

Options:
  --samples-dir DIR   where the sample plugins are (default: the directory they were built in)
  --print-config      print the embedded configuration and exit
  --verbose           the host's log (and the plugins' host.log lines) on stderr
  -h, --help          this text
)";

constexpr std::string_view list_help = R"(Usage: cpa-host list --config FILE [--json] [--verbose]

Loads the plugins the configuration enables and prints the active set in chain order (priority
descending, then plugin ID): ID, priority, schema version and capabilities; then the built-in
providers, and every enabled plugin that is not active, with the reason (no library file, a
failed init, an invalid registration, ...).

Options:
  --config FILE   the configuration (see below)
  --json          one JSON object: {"config", "enabled", "plugins": [...], "providers": [...],
                  "errors": [...]}
  --verbose       the host's log on stderr
  -h, --help      this text

Exit status: 0; 1 when an enabled plugin is not active; 2 for unusable arguments or files.

)";

constexpr std::string_view route_help =
    R"(Usage: cpa-host route --config FILE --request FILE [--json] [--verbose]

Asks the model routers about one request, highest priority first, and prints the decision and
the trail: every router asked and why each one that did not take the request fell through
(declined, an error, an invalid or unavailable target). A request no router takes goes to the
built-in provider that lists its model.

Options:
  --config FILE    the configuration (see below)
  --request FILE   the request (see below)
  --json           {"request", "trail": [{"plugin_id", "outcome", "reason"}], "decision", "served_by"}
  --verbose        the host's log on stderr
  -h, --help       this text

Exit status: 0; 2 for unusable arguments or files.

)";

constexpr std::string_view run_help =
    R"(Usage: cpa-host run --config FILE --request FILE [--stream] [--json] [--verbose]

Runs one request through the host's whole pipeline: model routers, request interceptors, the
executor (a plugin's, or a built-in provider), response or stream-chunk interceptors, then the
lifecycle and usage plugins. Prints the steps, the status, the headers and the body (or, for a
stream, every chunk delivered).

Options:
  --config FILE    the configuration (see below)
  --request FILE   the request (see below)
  --stream         stream the answer (also when the request file says "stream": true)
  --json           {"status", "served_by", "route", "steps", "headers", "body" or "chunks",
                   "error"}
  --verbose        the host's log on stderr
  -h, --help       this text

Exit status: 0 when the status is below 400; 1 otherwise; 2 for unusable arguments or files.

)";

// ---- the host -----------------------------------------------------------------------------------

/// A plugin host with the pipeline over it and the built-in providers.
class session {
public:
    explicit session(bool verbose) : host_(options(verbose)), pipeline_(host_) {}

    void add_providers(const std::vector<provider_spec>& specs) {
        for (const auto& spec : specs) {
            pipeline_.add_provider(std::make_shared<builtin_provider>(spec));
        }
    }

    cpa::host::plugin_host& host() noexcept { return host_; }
    cpa::host::pipeline& pipeline() noexcept { return pipeline_; }

private:
    static cpa::host::host_options options(bool verbose) {
        cpa::host::host_options o;
        o.delete_stale_files = false; // a reference host never deletes a plugin file
        // Without a log function the host would write to Boost.Log, whose core prints to the
        // console when no sink is installed: give it one that prints only when asked to.
        if (verbose) {
            o.log = &log_to_stderr;
        } else {
            o.log = [](const cpa::host::log_event&) {};
        }
        return o;
    }

    cpa::host::plugin_host host_;
    cpa::host::pipeline pipeline_; // destroyed before the host it refers to
};

/// The plugins the configuration enables that have no library file in the plugin directory
/// (CPA skips them silently), with the directories searched.
std::vector<std::string> missing_plugins(const cpa::host::plugins_config& config,
                                         const cpa::host::snapshot& snap) {
    std::vector<std::string> out;
    if (!config.enabled) {
        return out;
    }
    const auto dir = cpa::host::resolve_plugin_dir(config.dir);
    if (!dir) {
        return out; // apply_config reported it
    }
    std::error_code ec;
    const auto files = cpa::host::discover(*dir, cpa::host::pinned_versions(config),
                                           cpa::host::host_os(), cpa::host::host_arch(), ec);
    std::string searched;
    for (const auto& d :
         cpa::host::candidate_dirs(*dir, cpa::host::host_os(), cpa::host::host_arch())) {
        searched += (searched.empty() ? "" : " and ") + d.string();
    }
    for (const auto& entry : config.configs) {
        const std::string& id = entry.first; // not a structured binding: lambdas capture it
        const cpa::host::plugin_settings& settings = entry.second;
        const bool active = std::any_of(snap.records.begin(), snap.records.end(),
                                        [&](const auto& r) { return r.id == id; });
        const bool found =
            std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.id == id; });
        if (settings.enabled && !active && !found && !ec) {
            out.push_back(id + ": no library file for it in " + searched +
                          (settings.pinned_version.empty()
                               ? ""
                               : " (pinned to version " + settings.pinned_version + ")"));
        }
    }
    return out;
}

/// Warnings about plugins that did not load, for the commands whose output is something else.
void warn_about(const cpa::host::apply_report& report) {
    for (const auto& e : report.errors) {
        std::cerr << "cpa-host: warning: " << e << "\n";
    }
}

std::string indent_lines(std::string_view text, std::string_view indent) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        const auto line =
            text.substr(start, end == std::string_view::npos ? text.npos : end - start);
        out += std::string(indent) + std::string(line) + "\n";
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return out;
}

void print_steps(std::ostream& out, const pipeline_trace& trace, std::string_view indent) {
    for (const auto& step : trace.steps) {
        out << indent << step << "\n";
    }
}

/// A response as `run` and `demo` print it.
void print_response(std::ostream& out, const client_response& response, const pipeline_trace& trace,
                    const std::vector<std::string>* chunks, std::string_view indent) {
    out << indent << "served by: " << (trace.served_by.empty() ? "-" : trace.served_by) << "\n";
    out << indent << "status: " << response.status << "\n";
    if (!response.error.empty()) {
        out << indent << "error: " << response.error << "\n";
    }
    if (!response.headers.empty()) {
        out << indent << "headers:\n";
        print_headers(out, response.headers, std::string(indent) + "  ");
    }
    if (chunks != nullptr) {
        out << indent << "chunks: " << chunks->size() << "\n";
        for (std::size_t i = 0; i < chunks->size(); ++i) {
            out << indent << "  [" << i << "] " << (*chunks)[i] << "\n";
        }
    } else if (!response.body.empty()) {
        out << indent << "body:\n"
            << indent_lines(response.body.view(), std::string(indent) + "  ");
    }
}

// ---- demo ---------------------------------------------------------------------------------------

client_request chat(std::string protocol, std::string model, std::string text, bool web_search) {
    client_request r;
    r.entry_protocol = std::move(protocol);
    r.model = std::move(model);
    json::object body{{"model", r.model},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}};
    if (r.entry_protocol == "claude") {
        body["max_tokens"] = 256;
        r.headers = {{"Anthropic-Version", {"2023-06-01"}}};
        if (web_search) {
            body["tools"] = json::array{json::object{
                {"type", "web_search_20250305"}, {"name", "web_search"}, {"max_uses", 3}}};
        }
    } else if (web_search) {
        body["tools"] = json::array{json::object{{"type", "web_search_preview"}}};
    }
    r.body = json::serialize(body);
    return r;
}

void section(std::string_view title) {
    std::cout << "\n== " << title << "\n";
}

struct demo_request {
    std::string label;
    client_request request;
    std::string note; ///< why the route is what it is, when that is not obvious
};

void show_route(session& s, const demo_request& r, const std::vector<provider_spec>& providers) {
    std::cout << "  " << r.label << " " << describe(r.request) << "\n";
    const auto route = s.host().route_model(route_request_for(r.request));
    print_route(std::cout, route, providers, r.request.model, "      ");
    if (!r.note.empty() && !route.decision) {
        std::cout << "      (" << r.note << ")\n";
    }
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out.empty() ? "(none)" : out;
}

} // namespace

int demo_command(const std::vector<std::string>& args) {
    const arguments a("demo", args, {"--print-config", "--verbose"}, {"--samples-dir"}, 0);
    if (a.flag("--help")) {
        std::cout << demo_help;
        return exit_ok;
    }
    std::string dir;
#ifdef CPA_HOST_SAMPLES_DIR
    dir = CPA_HOST_SAMPLES_DIR;
#endif
    if (auto given = a.option("--samples-dir")) {
        dir = *given;
    }
    if (dir.empty()) {
        throw input_error("cpa-host demo: this build has no sample plugins (CPA_SDK_BUILD_SAMPLES "
                          "was off); give --samples-dir DIR");
    }
    const std::string text = demo_configuration_text(dir);
    if (a.flag("--print-config")) {
        std::cout << text;
        return exit_ok;
    }
    const host_configuration config = parse_configuration(text, "the demo configuration");

    session s(a.flag("--verbose"));
    s.add_providers(config.providers);
    const auto report = s.host().apply_config(config.plugins);
    if (const auto missing = missing_plugins(config.plugins, *s.host().current());
        !missing.empty()) {
        throw input_error("cpa-host demo: the sample plugins are not in " + dir +
                          " (build them, or give --samples-dir DIR): " + missing.front());
    }

    std::cout << "cpa-host demo: the sample plugins of cpa-sdk in a host built with cpa::host\n";
    section("plugins (chain order: priority descending, then plugin ID)");
    print_plugin_table(std::cout, *s.host().current());
    for (const auto& e : report.errors) {
        std::cout << "  failed: " << e << "\n";
    }
    std::cout << "  built-in providers: " << providers_line(config.providers) << "\n";

    const std::vector<demo_request> requests{
        {"[1]", chat("openai", "gpt-4o", "News about the colour of the sky", true), {}},
        {"[2]", chat("claude", "claude-sonnet-4", "What is the colour of the sea?", true),
         "echo-executor takes only OpenAI requests, and this host has no format translators"},
        {"[3]", chat("openai", "gpt-4o-mini", "Tell me about the colour of sand", false), {}},
    };
    section("routing: model.route, highest priority first; the first valid decision wins");
    std::cout << "  AvailableProviders: " << joined(s.host().available_providers()) << "\n";
    for (const auto& r : requests) {
        show_route(s, r, config.providers);
    }

    section("pipeline::execute of [1]: routers, interceptors, executor, response");
    {
        pipeline_trace trace;
        const auto response = s.pipeline().execute(requests[0].request, &trace);
        s.host().drain_async();
        std::cout << "  steps:\n";
        print_steps(std::cout, trace, "    ");
        print_response(std::cout, response, trace, nullptr, "  ");
    }

    section("pipeline::execute_stream of [1]: every chunk through the stream-chunk interceptor");
    {
        auto streamed = requests[0].request;
        streamed.stream = true;
        std::vector<std::string> chunks;
        pipeline_trace trace;
        const auto response = s.pipeline().execute_stream(
            streamed, [&](std::string_view chunk) { chunks.emplace_back(chunk); }, &trace);
        s.host().drain_async();
        std::cout << "  steps:\n";
        print_steps(std::cout, trace, "    ");
        print_response(std::cout, response, trace, &chunks, "  ");
    }

    const auto snap = s.host().current();
    std::string top_router;
    for (const auto& r : snap->records) {
        if (r.capabilities.model_router) {
            top_router = r.id;
            break;
        }
    }
    if (top_router.empty()) {
        std::cout << "\n(no model router is active: nothing to unload)\n";
        return report.errors.empty() ? exit_ok : exit_failed;
    }
    section("plugin_host::unload_plugin(\"" + top_router + "\"): the top router");
    const bool unloaded = s.host().unload_plugin(top_router);
    std::cout << "  " << (unloaded ? "unloaded" : "not loaded") << "; the active set now:\n";
    print_plugin_table(std::cout, *s.host().current(), "    ");
    std::cout << "  the route of [1] changes:\n";
    show_route(s, requests[0], config.providers);

    section("plugin_host::apply_config (the same configuration): " + top_router + " is back");
    const auto again = s.host().apply_config(config.plugins);
    for (const auto& e : again.errors) {
        std::cout << "  failed: " << e << "\n";
    }
    std::cout << "  " << top_router << (s.host().plugin_registered(top_router) ? " is" : " is not")
              << " registered again; the route of [1]:\n";
    show_route(s, requests[0], config.providers);
    s.host().drain_async();
    return report.errors.empty() && again.errors.empty() ? exit_ok : exit_failed;
}

// ---- list ---------------------------------------------------------------------------------------

int list_command(const std::vector<std::string>& args) {
    const arguments a("list", args, {"--json", "--verbose"}, {"--config"}, 0);
    if (a.flag("--help")) {
        std::cout << list_help << config_help;
        return exit_ok;
    }
    const auto config = load_configuration(a.required("--config", "FILE"));
    session s(a.flag("--verbose"));
    s.add_providers(config.providers);
    const auto report = s.host().apply_config(config.plugins);
    const auto snap = s.host().current();
    const auto missing = missing_plugins(config.plugins, *snap);

    if (a.flag("--json")) {
        json::array plugins;
        for (const auto& r : snap->records) {
            plugins.emplace_back(plugin_json(r));
        }
        json::array errors;
        for (const auto& e : report.errors) {
            errors.emplace_back(e);
        }
        for (const auto& m : missing) {
            errors.emplace_back(m);
        }
        std::cout << json::serialize(json::object{{"config", config.source},
                                                  {"enabled", config.plugins.enabled},
                                                  {"plugins", std::move(plugins)},
                                                  {"providers", providers_json(config.providers)},
                                                  {"errors", std::move(errors)}})
                  << "\n";
    } else {
        std::cout << "plugins of " << config.source
                  << " (chain order: priority descending, then plugin ID):\n";
        if (!config.plugins.enabled) {
            std::cout << "  (plugins are disabled: plugins.enabled is false)\n";
        } else {
            print_plugin_table(std::cout, *snap);
        }
        std::cout << "built-in providers: " << providers_line(config.providers) << "\n";
        if (!report.errors.empty() || !missing.empty()) {
            std::cout << "not loaded:\n";
            for (const auto& e : report.errors) {
                std::cout << "  " << e << "\n";
            }
            for (const auto& m : missing) {
                std::cout << "  " << m << "\n";
            }
        }
    }
    return report.errors.empty() && missing.empty() ? exit_ok : exit_failed;
}

// ---- route --------------------------------------------------------------------------------------

int route_command(const std::vector<std::string>& args) {
    const arguments a("route", args, {"--json", "--verbose"}, {"--config", "--request"}, 0);
    if (a.flag("--help")) {
        std::cout << route_help << config_help << "\n" << request_file_help;
        return exit_ok;
    }
    const auto config = load_configuration(a.required("--config", "FILE"));
    const auto request = load_request(a.required("--request", "FILE"));
    session s(a.flag("--verbose"));
    s.add_providers(config.providers);
    warn_about(s.host().apply_config(config.plugins));

    const auto route = s.host().route_model(route_request_for(request));
    s.host().drain_async();
    if (a.flag("--json")) {
        std::cout << json::serialize(route_json(route, config.providers, request)) << "\n";
        return exit_ok;
    }
    std::cout << "request: " << describe(request) << "\n";
    std::cout << "routers asked, in chain order:\n";
    print_route(std::cout, route, config.providers, request.model, "  ");
    return exit_ok;
}

// ---- run ----------------------------------------------------------------------------------------

int run_command(const std::vector<std::string>& args) {
    const arguments a("run", args, {"--json", "--stream", "--verbose"}, {"--config", "--request"},
                      0);
    if (a.flag("--help")) {
        std::cout << run_help << config_help << "\n" << request_file_help;
        return exit_ok;
    }
    const auto config = load_configuration(a.required("--config", "FILE"));
    auto request = load_request(a.required("--request", "FILE"));
    request.stream = request.stream || a.flag("--stream");
    session s(a.flag("--verbose"));
    s.add_providers(config.providers);
    warn_about(s.host().apply_config(config.plugins));

    pipeline_trace trace;
    std::vector<std::string> chunks;
    const client_response response =
        request.stream ? s.pipeline().execute_stream(
                             request, [&](std::string_view c) { chunks.emplace_back(c); }, &trace)
                       : s.pipeline().execute(request, &trace);
    s.host().drain_async(); // lifecycle and usage deliveries end before the host does

    if (a.flag("--json")) {
        json::array steps;
        for (const auto& step : trace.steps) {
            steps.emplace_back(step);
        }
        json::object out{{"status", response.status},
                         {"served_by", trace.served_by},
                         {"route", route_json(trace.route, config.providers, request)},
                         {"steps", std::move(steps)},
                         {"headers", headers_json(response.headers)},
                         {"error", response.error}};
        if (request.stream) {
            json::array list;
            for (const auto& c : chunks) {
                list.emplace_back(c);
            }
            out["chunks"] = std::move(list);
        } else {
            out["body"] = std::string(response.body.view());
        }
        std::cout << json::serialize(out) << "\n";
    } else {
        std::cout << "request: " << describe(request) << "\n";
        std::cout << "steps:\n";
        print_steps(std::cout, trace, "  ");
        print_response(std::cout, response, trace, request.stream ? &chunks : nullptr, "");
    }
    return response.status < 400 ? exit_ok : exit_failed;
}

// ---- the table ----------------------------------------------------------------------------------

const std::vector<command>& commands() {
    static const std::vector<command> all{
        {"demo", "the sample plugins at work: ordering, routing, a stream, unload and reload",
         &demo_command},
        {"list", "the active plugins of a configuration, in chain order", &list_command},
        {"route", "which router takes a request, and why the others fell through", &route_command},
        {"run", "one request through the whole pipeline (--stream for a stream)", &run_command},
        {"check", "the conformance check of one plugin binary (any language)", &check_command},
    };
    return all;
}

} // namespace cpa_host
