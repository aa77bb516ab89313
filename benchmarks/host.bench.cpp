// Benchmarks of the host's plugin calls, each measured in the same run as a baseline:
//
//   route_8_routers    plugin_host::route_model over 8 model routers: the 7 of highest priority
//                      decline, the 8th routes to a provider, so all 8 are asked.
//   pipeline_request   pipeline::execute of one non-streamed request: a router that routes to a
//                      plugin executor, a `request.intercept_before` and a
//                      `request.intercept_after` interceptor, the executor and a
//                      `response.intercept_after` interceptor.
//
// Each runs over shared-library plugins (loaded by the host's default loader from a plugin
// directory) and over the same plugin classes in process (`in_process_client`: typed calls, no
// JSON). The baseline is what the JSON of the shared-library calls costs by itself: a
// `boost::json::serialize` and a `boost::json::parse` of every document that crosses the C ABI
// during one operation (each request and each answer), recorded from a real call up front.
//
// Before anything is timed, every variant runs once and is checked: the routing must come from
// the 8th router after 7 declines, the pipeline must answer with the expected body and headers,
// and every recorded document must come back unchanged from a Boost.JSON round trip. A benchmark
// whose check failed is skipped with the reason (state.SkipWithError) and the program exits with
// status 1, so the CTest smoke run catches it. Nothing here asserts on timings.
#include "bench_plugins.hpp"

#include <cpa/host.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h> // getpid

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#ifndef CPA_BENCH_PLUGIN_DIR
#error "CPA_BENCH_PLUGIN_DIR must name the directory of the benchmark's plugin libraries"
#endif

namespace {

namespace fs = std::filesystem;
namespace host = cpa::host;

constexpr std::size_t router_count = 8;
constexpr std::string_view client_model = "bench-model";
constexpr std::string_view provider_key = "bench-provider";

// =============================================================================================
// Recording the JSON that crosses the C ABI

/// One plugin call as JSON: the request the host wrote and the answer envelope.
struct recorded_call {
    std::string method;
    std::string request;
    std::string response;
};

struct recording {
    std::mutex mutex;
    bool on = false;
    std::vector<recorded_call> calls;
    std::string error; ///< a call whose answer could not be re-encoded
};

/// The answer of a call as the plugin wrote it: the envelope of the decoded response, encoded
/// again by the SDK's codec (which both sides use). Only the methods these benchmarks call.
bool encode_answer(host::method_id id, const void* response, std::string& out) {
    using host::method_id;
    switch (id) {
    case method_id::model_route:
        cpa::encode_success(*static_cast<const cpa::model_route_response*>(response), out);
        return true;
    case method_id::request_intercept_before:
    case method_id::request_intercept_after:
        cpa::encode_success(*static_cast<const cpa::request_intercept_response*>(response), out);
        return true;
    case method_id::executor_identifier:
        cpa::encode_success(*static_cast<const cpa::identifier_response*>(response), out);
        return true;
    case method_id::executor_execute:
        cpa::encode_success(*static_cast<const cpa::executor_response*>(response), out);
        return true;
    case method_id::response_intercept_after:
        cpa::encode_success(*static_cast<const cpa::response_intercept_response*>(response), out);
        return true;
    default:
        return false;
    }
}

/// Wraps a shared-library client and, while `recording::on`, keeps the JSON of every call.
class recording_client final : public host::plugin_client {
public:
    recording_client(std::shared_ptr<host::plugin_client> inner, std::shared_ptr<recording> rec)
        : inner_(std::move(inner)), rec_(std::move(rec)) {}
    void call(host::method_id id, std::string_view name, const host::method_codec& codec,
              const void* request, void* response) override {
        inner_->call(id, name, codec, request, response);
        const std::lock_guard lock(rec_->mutex);
        if (!rec_->on) {
            return;
        }
        recorded_call c;
        c.method = std::string(name);
        codec.encode(request, c.request);
        if (!encode_answer(id, response, c.response) && rec_->error.empty()) {
            rec_->error = "the benchmark cannot record the answer of " + c.method;
        }
        rec_->calls.push_back(std::move(c));
    }

    void shutdown() noexcept override { inner_->shutdown(); }

private:
    std::shared_ptr<host::plugin_client> inner_;
    std::shared_ptr<recording> rec_;
};

/// A loader that opens libraries as the default one does and wraps every client to record.
host::open_function recording_loader(std::shared_ptr<recording> rec) {
    return [rec](const std::string&, const fs::path& path,
                 std::shared_ptr<cpa::host_services> services) {
        host::load_result loaded = host::open_library(path, std::move(services));
        if (loaded) {
            loaded.client = std::make_shared<recording_client>(std::move(loaded.client), rec);
        }
        return loaded;
    };
}

// =============================================================================================
// Configuration and inputs

/// Warnings and errors of the host go to stderr (none are expected); the rest is dropped.
host::host_options quiet_options(host::open_function open = {}) {
    host::host_options o;
    o.open = std::move(open);
    o.delete_stale_files = false; // never touch the plugin directories
    o.log = [](const host::log_event& e) {
        if (e.level >= cpa::log_level::warn) {
            std::fprintf(stderr, "cpa-bench-host: host log [%s]: %s\n", e.plugin_id.c_str(),
                         e.message.c_str());
        }
    };
    return o;
}

void add_setting(host::plugins_config& c, const std::string& id, std::int64_t priority,
                 std::string yaml) {
    host::plugin_settings s;
    s.id = id;
    s.enabled = true;
    s.priority = priority;
    s.raw_yaml = std::move(yaml);
    c.configs[id] = std::move(s);
}

std::string router_id(std::size_t n) {
    return "bench-router-" + std::to_string(n);
}

/// bench-router-1 .. bench-router-8, priorities 80 .. 10: only the last one routes.
host::plugins_config routing_config(const fs::path& dir) {
    host::plugins_config c;
    c.enabled = true;
    c.dir = dir.string();
    for (std::size_t n = 1; n <= router_count; ++n) {
        add_setting(c, router_id(n), static_cast<std::int64_t>((router_count + 1 - n) * 10),
                    n == router_count ? "handle: true\ntarget_kind: provider\ntarget: " +
                                            std::string(provider_key) + "\n"
                                      : std::string("handle: false\n"));
    }
    return c;
}

/// Router, the two request interceptors, the response interceptor and the executor, in that
/// chain order.
host::plugins_config pipeline_config(const fs::path& dir) {
    host::plugins_config c;
    c.enabled = true;
    c.dir = dir.string();
    add_setting(c, "bench-router", 50,
                "handle: true\ntarget_kind: executor\ntarget: bench-executor\n");
    add_setting(c, "bench-stamp", 40, "{}");
    add_setting(c, "bench-rewrite", 30, "{}");
    add_setting(c, "bench-tag", 20, "{}");
    add_setting(c, "bench-executor", 10, "{}");
    return c;
}

/// A ~1 KiB OpenAI chat request, as a client sends it.
host::client_request make_client_request() {
    host::client_request r;
    r.entry_protocol = "openai";
    r.model = std::string(client_model);
    r.headers = {{"Accept", {"application/json"}},
                 {"Authorization", {"Bearer bench-client-key"}},
                 {"Content-Type", {"application/json"}},
                 {"User-Agent", {"cpa-bench-host/1.0"}}};
    std::string system;
    std::string user;
    for (int i = 0; i < 8; ++i) {
        system += "You are a careful assistant; answer briefly and cite sources. ";
        user += "Summarise the plugin host's routing rules in one paragraph. ";
    }
    const boost::json::object body{
        {"model", client_model},
        {"messages",
         boost::json::array{boost::json::object{{"role", "system"}, {"content", system}},
                            boost::json::object{{"role", "user"}, {"content", user}}}},
        {"max_tokens", 256},
        {"stream", false}};
    r.body = cpa::bytes(boost::json::serialize(body));
    return r;
}

/// The routing request as the pipeline builds it from `client`.
cpa::model_route_request make_route_request(const host::client_request& client) {
    cpa::model_route_request r;
    r.source_format = client.entry_protocol;
    r.requested_model = client.model;
    r.stream = client.stream;
    r.headers = client.headers;
    r.query = client.query;
    r.body = client.body;
    r.metadata["requested_model"] = client.model;
    return r;
}

/// The body the pipeline must answer: written out here, not taken from the plugins' code.
std::string expected_body(const host::client_request& client) {
    const std::size_t payload =
        client.body.size() + cpa_bench::rewrite_to.size() - cpa_bench::rewrite_from.size();
    return R"({"id":"bench-1","object":"chat.completion","model":"bench-model","choices":[)"
           R"({"index":0,"message":{"role":"assistant","content":"payload )" +
           std::to_string(payload) +
           R"( bytes, before=stamped, after=rewritten"},"finish_reason":"stop"}]})";
}

// =============================================================================================
// The scenarios and their up-front checks

/// Deletes the benchmark's own temporary directory at exit (after the hosts are gone).
struct temp_dir {
    fs::path path;
    temp_dir()
        : path(fs::temp_directory_path() /
               ("cpa-bench-host-" + std::to_string(static_cast<long long>(::getpid())))) {
        fs::remove_all(path);
        fs::create_directories(path / "empty");
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

/// One host with its pipeline; `error` says why it must not be timed.
struct scenario {
    std::unique_ptr<host::plugin_host> host;
    std::unique_ptr<host::pipeline> pipe;
    std::string error;
};

std::string apply(host::plugin_host& h, const host::plugins_config& config,
                  std::size_t expected_plugins) {
    const auto report = h.apply_config(config);
    if (!report.errors.empty()) {
        return "apply_config: " + report.errors.front();
    }
    const std::size_t active = h.current()->records.size();
    if (active != expected_plugins) {
        return "apply_config activated " + std::to_string(active) + " plugin(s), expected " +
               std::to_string(expected_plugins);
    }
    return {};
}

/// Shared libraries (the default loader, or `open`) from `dir` with `config`.
scenario library_scenario(const host::plugins_config& config, host::open_function open = {}) {
    scenario s;
    s.host = std::make_unique<host::plugin_host>(quiet_options(std::move(open)));
    s.error = apply(*s.host, config, config.configs.size());
    s.pipe = std::make_unique<host::pipeline>(*s.host);
    return s;
}

/// The same plugins in process: every configured ID gets an object of its class. `config.dir`
/// should name an empty directory, so that no library stands in for an in-process plugin.
scenario in_process_scenario(const host::plugins_config& config) {
    scenario s;
    s.host = std::make_unique<host::plugin_host>(quiet_options());
    for (const auto& entry : config.configs) {
        const std::string& id = entry.first;
        if (id.starts_with("bench-router")) {
            s.host->add_in_process(id, host::in_process<cpa_bench::bench_router>());
        } else if (id == "bench-stamp") {
            s.host->add_in_process(id, host::in_process<cpa_bench::bench_stamp>());
        } else if (id == "bench-rewrite") {
            s.host->add_in_process(id, host::in_process<cpa_bench::bench_rewrite>());
        } else if (id == "bench-tag") {
            s.host->add_in_process(id, host::in_process<cpa_bench::bench_tag>());
        } else if (id == "bench-executor") {
            s.host->add_in_process(id, host::in_process<cpa_bench::bench_executor>());
        }
    }
    s.error = apply(*s.host, config, config.configs.size());
    s.pipe = std::make_unique<host::pipeline>(*s.host);
    return s;
}

/// The routing went through all 8 routers and the 8th routed.
std::string check_route(host::plugin_host& h, const cpa::model_route_request& request) {
    const auto r = h.route_model(request);
    if (r.trail.size() != router_count) {
        return "route_model asked " + std::to_string(r.trail.size()) + " router(s), expected " +
               std::to_string(router_count);
    }
    for (std::size_t n = 1; n < router_count; ++n) {
        const auto& step = r.trail[n - 1];
        if (step.plugin_id != router_id(n) || step.outcome != "declined") {
            return "router " + std::to_string(n) + " of the trail is " + step.plugin_id + " (" +
                   step.outcome + "), expected " + router_id(n) + " (declined)";
        }
    }
    if (!r.decision || r.router_id != router_id(router_count) ||
        r.decision->target_kind != cpa::route_target_kind::provider ||
        r.decision->target != provider_key) {
        return "route_model did not route to provider " + std::string(provider_key) + " via " +
               router_id(router_count) + " (router: '" + r.router_id + "', last outcome: '" +
               r.trail.back().outcome + "')";
    }
    return {};
}

/// The pipeline answered 200 with the expected body and the response interceptor's header.
std::string check_pipeline(host::pipeline& p, const host::client_request& request) {
    host::pipeline_trace trace;
    const auto response = p.execute(request, &trace);
    if (response.status != 200) {
        return "pipeline answered " + std::to_string(response.status) + ": " + response.error;
    }
    if (trace.served_by != "plugin bench-executor" || trace.route.router_id != "bench-router") {
        return "pipeline was served by '" + trace.served_by + "' after router '" +
               trace.route.router_id + "', expected plugin bench-executor after bench-router";
    }
    if (response.body.view() != expected_body(request)) {
        return "pipeline body is " + std::string(response.body.view()) + ", expected " +
               expected_body(request);
    }
    if (cpa_bench::first_value(response.headers, cpa_bench::tag_header) != "tagged") {
        return "pipeline response lacks header " + std::string(cpa_bench::tag_header);
    }
    return {};
}

// =============================================================================================
// The baseline: the recorded documents, each serialised and parsed per iteration

struct json_documents {
    std::vector<boost::json::value> values;
    std::vector<std::string> methods; ///< per call, for the listing on stderr
    std::size_t bytes = 0;            ///< total JSON text per operation
    std::string error;
};

/// Runs `operation` once on a host whose clients record, and keeps what crossed the ABI.
json_documents record(const std::shared_ptr<recording>& rec, const std::function<void()>& operation,
                      const std::map<std::string, std::size_t>& expected, std::string_view label) {
    json_documents d;
    {
        const std::lock_guard lock(rec->mutex);
        rec->on = true;
    }
    operation();
    std::vector<recorded_call> calls;
    {
        const std::lock_guard lock(rec->mutex);
        rec->on = false;
        calls = std::move(rec->calls);
        d.error = rec->error;
    }
    if (!d.error.empty()) {
        return d;
    }
    // The calls the operation is made of; `executor.identifier` lookups the host makes on its
    // way are allowed in any number (they are listed and timed like the others).
    std::map<std::string, std::size_t> seen;
    for (const auto& c : calls) {
        if (c.method != cpa::methods::executor_identifier) {
            ++seen[c.method];
        }
    }
    if (seen != expected) {
        std::string listing;
        for (const auto& c : calls) {
            listing += (listing.empty() ? "" : ", ") + c.method;
        }
        d.error = std::string(label) + ": unexpected plugin calls: " + listing;
        return d;
    }
    for (const auto& c : calls) {
        d.methods.push_back(c.method);
        for (const std::string* text : {&c.request, &c.response}) {
            boost::system::error_code ec;
            boost::json::value v = boost::json::parse(*text, ec);
            if (ec) {
                d.error = std::string(label) + ": " + c.method + ": Boost.JSON cannot parse " +
                          *text + ": " + ec.message();
                return d;
            }
            if (boost::json::serialize(v) != *text) {
                d.error = std::string(label) + ": " + c.method +
                          ": Boost.JSON does not write back the recorded text";
                return d;
            }
            d.bytes += text->size();
            d.values.push_back(std::move(v));
        }
    }
    return d;
}

// =============================================================================================
// The benchmarks

/// Skips the benchmark when its check failed; true when it may run.
bool check_passed(benchmark::State& state, const std::string& error) {
    if (error.empty()) {
        return true;
    }
    state.SkipWithError(error.c_str());
    return false;
}

void set_calls(benchmark::State& state, std::size_t calls) {
    state.counters["plugin_calls"] = static_cast<double>(calls);
}

void bm_route(benchmark::State& state, const scenario& s, const cpa::model_route_request& request) {
    if (!check_passed(state, s.error)) {
        return;
    }
    for (auto _ : state) {
        auto r = s.host->route_model(request);
        benchmark::DoNotOptimize(r.router_id.data());
        benchmark::ClobberMemory();
    }
    set_calls(state, router_count);
}

void bm_pipeline(benchmark::State& state, const scenario& s, const host::client_request& request,
                 std::size_t calls) {
    if (!check_passed(state, s.error)) {
        return;
    }
    for (auto _ : state) {
        auto r = s.pipe->execute(request);
        benchmark::DoNotOptimize(r.body.data());
        benchmark::ClobberMemory();
    }
    set_calls(state, calls);
}

void bm_json_baseline(benchmark::State& state, const json_documents& d) {
    if (!check_passed(state, d.error)) {
        return;
    }
    for (auto _ : state) {
        for (const auto& v : d.values) {
            std::string text = boost::json::serialize(v);
            boost::json::value parsed = boost::json::parse(text);
            benchmark::DoNotOptimize(text.data());
            benchmark::DoNotOptimize(&parsed);
            benchmark::ClobberMemory();
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d.bytes));
    set_calls(state, d.values.size() / 2);
}

/// The pipeline's plugin calls: the route, both request interceptors' before and after calls
/// (each plugin answers the one it does not implement with "no change"), the executor and the
/// response interceptor.
const std::map<std::string, std::size_t>& pipeline_calls() {
    static const std::map<std::string, std::size_t> calls{
        {std::string(cpa::methods::model_route), 1},
        {std::string(cpa::methods::request_intercept_before), 2},
        {std::string(cpa::methods::request_intercept_after), 2},
        {std::string(cpa::methods::executor_execute), 1},
        {std::string(cpa::methods::response_intercept_after), 1}};
    return calls;
}

struct fixtures {
    fs::path plugin_dir;
    temp_dir tmp;
    host::client_request client;
    cpa::model_route_request route;
    scenario route_library;
    scenario route_in_process;
    json_documents route_json;
    scenario pipeline_library;
    scenario pipeline_in_process;
    json_documents pipeline_json;
};

/// The plugin libraries of the pipeline (file name = plugin ID).
constexpr std::array<std::string_view, 5> pipeline_plugins{
    "bench-router", "bench-stamp", "bench-rewrite", "bench-tag", "bench-executor"};

/// Copies library `name` of `plugin_dir` into `dir` as plugin `id`; an error message or "".
std::string copy_library(const fs::path& plugin_dir, std::string_view name, const fs::path& dir,
                         const std::string& id) {
    const std::string ext(host::library_extension(host::host_os()));
    const fs::path source = plugin_dir / (std::string(name) + ext);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!ec) {
        fs::copy_file(source, dir / (id + ext), fs::copy_options::overwrite_existing, ec);
    }
    return ec ? "cannot copy " + source.string() + " into " + dir.string() + ": " + ec.message()
              : std::string();
}

/// The plugin directories: copies of the router library under the 8 router IDs, and copies of
/// the pipeline's libraries. The recording hosts get copies of their own: a plugin library
/// initialises once per process, and a copy is a library of its own for the dynamic loader.
std::string prepare_dirs(const fs::path& plugin_dir, const fs::path& tmp) {
    std::string error;
    for (const char* suffix : {"", "-recorded"}) {
        for (std::size_t n = 1; n <= router_count && error.empty(); ++n) {
            error = copy_library(plugin_dir, "bench-router",
                                 tmp / ("routers" + std::string(suffix)), router_id(n));
        }
        for (const auto name : pipeline_plugins) {
            if (error.empty()) {
                error = copy_library(plugin_dir, name, tmp / ("pipeline" + std::string(suffix)),
                                     std::string(name));
            }
        }
    }
    return error;
}

/// `error` unless the scenario has one already.
void fail(scenario& s, const std::string& error) {
    if (s.error.empty()) {
        s.error = error;
    }
}

/// A library that could not be copied explains every later failure of its scenario.
void fail_first(scenario& s, const std::string& error) {
    if (!error.empty()) {
        s.error = error;
    }
}

void set_up(fixtures& f) {
    f.client = make_client_request();
    f.route = make_route_request(f.client);
    const std::string copied = prepare_dirs(f.plugin_dir, f.tmp.path);
    const fs::path empty = f.tmp.path / "empty";

    // Routing: shared libraries, in process, and the recorded JSON of the shared libraries.
    f.route_library = library_scenario(routing_config(f.tmp.path / "routers"));
    f.route_in_process = in_process_scenario(routing_config(empty));
    auto route_rec = std::make_shared<recording>();
    scenario route_recorder = library_scenario(routing_config(f.tmp.path / "routers-recorded"),
                                               recording_loader(route_rec));
    fail_first(f.route_library, copied); // (in process needs no library)
    fail_first(route_recorder, copied);
    for (auto* s : {&f.route_library, &f.route_in_process, &route_recorder}) {
        s->host->set_available_providers({std::string(provider_key)});
        fail(*s, check_route(*s->host, f.route));
    }
    f.route_json =
        route_recorder.error.empty()
            ? record(
                  route_rec, [&] { route_recorder.host->route_model(f.route); },
                  {{std::string(cpa::methods::model_route), router_count}}, "route_8_routers")
            : json_documents{{}, {}, 0, "recording host: " + route_recorder.error};

    // The pipeline, the same way.
    f.pipeline_library = library_scenario(pipeline_config(f.tmp.path / "pipeline"));
    f.pipeline_in_process = in_process_scenario(pipeline_config(empty));
    auto pipe_rec = std::make_shared<recording>();
    scenario pipe_recorder = library_scenario(pipeline_config(f.tmp.path / "pipeline-recorded"),
                                              recording_loader(pipe_rec));
    fail_first(f.pipeline_library, copied);
    fail_first(pipe_recorder, copied);
    for (auto* s : {&f.pipeline_library, &f.pipeline_in_process, &pipe_recorder}) {
        fail(*s, check_pipeline(*s->pipe, f.client));
    }
    f.pipeline_json = pipe_recorder.error.empty()
                          ? record(
                                pipe_rec, [&] { pipe_recorder.pipe->execute(f.client); },
                                pipeline_calls(), "pipeline_request")
                          : json_documents{{}, {}, 0, "recording host: " + pipe_recorder.error};
}

void report(int& failed, std::string_view name, const std::string& error) {
    if (!error.empty()) {
        std::fprintf(stderr, "cpa-bench-host: check failed: %.*s: %s\n",
                     static_cast<int>(name.size()), name.data(), error.c_str());
        ++failed;
    }
}

void describe(std::string_view name, const json_documents& d) {
    std::string methods;
    for (const auto& m : d.methods) {
        methods += (methods.empty() ? "" : ", ") + m;
    }
    std::fprintf(
        stderr, "cpa-bench-host: %.*s: %zu plugin call(s), %zu B of JSON per operation: %s\n",
        static_cast<int>(name.size()), name.data(), d.methods.size(), d.bytes, methods.c_str());
}

void register_all(const fixtures& f) {
    benchmark::RegisterBenchmark("route_8_routers/shared_library", [&f](benchmark::State& s) {
        bm_route(s, f.route_library, f.route);
    });
    benchmark::RegisterBenchmark("route_8_routers/in_process", [&f](benchmark::State& s) {
        bm_route(s, f.route_in_process, f.route);
    });
    benchmark::RegisterBenchmark("route_8_routers/boost_json_baseline",
                                 [&f](benchmark::State& s) { bm_json_baseline(s, f.route_json); });
    benchmark::RegisterBenchmark("pipeline_request/shared_library", [&f](benchmark::State& s) {
        bm_pipeline(s, f.pipeline_library, f.client, f.pipeline_json.methods.size());
    });
    benchmark::RegisterBenchmark("pipeline_request/in_process", [&f](benchmark::State& s) {
        bm_pipeline(s, f.pipeline_in_process, f.client, f.pipeline_json.methods.size());
    });
    benchmark::RegisterBenchmark("pipeline_request/boost_json_baseline", [&f](benchmark::State& s) {
        bm_json_baseline(s, f.pipeline_json);
    });
}

/// Takes `--plugin-dir=PATH` out of the arguments (the rest are Google Benchmark's).
fs::path take_plugin_dir(int& argc, char** argv) {
    fs::path dir = CPA_BENCH_PLUGIN_DIR;
    constexpr std::string_view flag = "--plugin-dir=";
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with(flag)) {
            dir = fs::path(std::string(arg.substr(flag.size())));
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    return dir;
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    fixtures f;
    f.plugin_dir = take_plugin_dir(argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    try {
        set_up(f);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cpa-bench-host: setting up failed: %s\n", e.what());
        return 1;
    }

    int failed = 0;
    report(failed, "route_8_routers/shared_library", f.route_library.error);
    report(failed, "route_8_routers/in_process", f.route_in_process.error);
    report(failed, "route_8_routers/boost_json_baseline", f.route_json.error);
    report(failed, "pipeline_request/shared_library", f.pipeline_library.error);
    report(failed, "pipeline_request/in_process", f.pipeline_in_process.error);
    report(failed, "pipeline_request/boost_json_baseline", f.pipeline_json.error);
    std::fprintf(stderr, "cpa-bench-host: plugin directory %s; client body %zu B\n",
                 f.plugin_dir.string().c_str(), f.client.body.size());
    describe("route_8_routers", f.route_json);
    describe("pipeline_request", f.pipeline_json);

    register_all(f);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return failed == 0 ? 0 : 1;
}
