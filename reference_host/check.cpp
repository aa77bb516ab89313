// cpa-host check: the conformance check of one plugin binary. It loads the library with the host
// library's loader (so exactly what a host built with cpa::host does), registers it, calls every
// capability it declares with a representative request, calls again from 8 threads while it is
// reconfigured, and shuts it down. One line per check; JUnit XML for CI systems.
#include "check_probes.hpp"
#include "check_services.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "report.hpp"

#include <cpa/api.hpp>
#include <cpa/host/discovery.hpp>
#include <cpa/host/library.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace cpa_host {

namespace {

using namespace std::chrono_literals;
namespace pm = cpa::host::plugin_methods;

constexpr std::string_view check_help =
    R"(Usage: cpa-host check PLUGIN_PATH [--junit FILE] [--config-yaml FILE] [--timeout SECONDS]
                      [--verbose]

The conformance check a plugin author runs before shipping. It loads the plugin binary (C, C++,
Rust, Go: any language that exports cliproxy_plugin_init) as CPA does and checks:
  load, init                     dlopen, cliproxy_plugin_init, ABI version, function table
  register, register.*           plugin.register answers; schema version <= 3; Name, Version,
                                 Author and GitHubRepository not blank; at least one capability;
                                 an executor declares its input and output formats
  <method>                       every method of every declared capability, called with a
                                 representative request; the answer must decode. An error answer
                                 fails only where the contract needs an answer (plugin.register,
                                 plugin.reconfigure, the identifier methods); elsewhere it passes
                                 with a note saying what the host does with it
  executor.execute_stream        inline chunks, or host.stream.emit (at most 16 inside the call)
                                 and host.stream.close
  reconfigure                    plugin.reconfigure answers with a valid registration
  concurrency                    the same calls from 8 threads at once, while plugin.reconfigure
                                 arrives; every call that answered before answers again
  shutdown                       the plugin's shutdown returns
Not called: command_line.execute (it runs the plugin's command), auth.login.*, auth.refresh.
Host callbacks work but reach no network: host.http.* and host.model.* answer host_call_failed.

Output: one line per check, `PASS <check>` (with a note in parentheses) or
`FAIL <check>: <reason> (spec <section>)`; the sections are those of the CPA wire contract.

Options:
  --junit FILE        also write the results as JUnit XML
  --config-yaml FILE  the plugin's own settings, as CPA sends them in config_yaml (default:
                      `enabled: true` and `priority: 0`)
  --timeout SECONDS   a call that takes longer fails the check and ends it (default 20)
  --verbose           the plugin's host.log lines on stderr
  -h, --help          this text

Exit status: 0 when every check passed; 1 when one failed; 2 for unusable arguments or files.
)";

// ---- results ------------------------------------------------------------------------------------

struct check_result {
    std::string name;
    bool passed = true;
    std::string detail; ///< the note (passed) or the reason (failed)
    std::string spec;
    double seconds = 0;
};

std::string xml_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
                out += c;
            }
        }
    }
    return out;
}

/// The checks done so far; prints each line as it is recorded. Thread-safe.
class results {
public:
    explicit results(std::string plugin) : plugin_(std::move(plugin)) {}

    void pass(const std::string& name, const std::string& note = {}, double seconds = 0) {
        add({name, true, note, {}, seconds});
    }
    void fail(const std::string& name, const std::string& reason, const std::string& spec,
              double seconds = 0) {
        add({name, false, reason, spec, seconds});
    }

    [[nodiscard]] bool any_failed() const {
        std::lock_guard lock(mutex_);
        return std::any_of(all_.begin(), all_.end(), [](const auto& r) { return !r.passed; });
    }

    void summary(std::ostream& out) const {
        std::lock_guard lock(mutex_);
        const auto failed =
            std::count_if(all_.begin(), all_.end(), [](const auto& r) { return !r.passed; });
        out << all_.size() << " checks, " << static_cast<std::size_t>(failed) << " failed\n";
    }

    /// Writes the results as one JUnit test suite; false when the file cannot be written.
    bool write_junit(const std::string& path) const {
        std::lock_guard lock(mutex_);
        std::ostringstream xml;
        xml << std::fixed << std::setprecision(6);
        const auto failed =
            std::count_if(all_.begin(), all_.end(), [](const auto& r) { return !r.passed; });
        double total = 0;
        for (const auto& r : all_) {
            total += r.seconds;
        }
        xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        xml << "<testsuites tests=\"" << all_.size() << "\" failures=\"" << failed << "\">\n";
        xml << "  <testsuite name=\"cpa-host check " << xml_escape(plugin_) << "\" tests=\""
            << all_.size() << "\" failures=\"" << failed << "\" errors=\"0\" skipped=\"0\" time=\""
            << total << "\">\n";
        for (const auto& r : all_) {
            xml << "    <testcase classname=\"cpa-host.check." << xml_escape(plugin_)
                << "\" name=\"" << xml_escape(r.name) << "\" time=\"" << r.seconds << "\"";
            if (r.passed) {
                if (r.detail.empty()) {
                    xml << "/>\n";
                } else {
                    xml << ">\n      <system-out>" << xml_escape(r.detail)
                        << "</system-out>\n    </testcase>\n";
                }
                continue;
            }
            const std::string message = r.detail + " (spec " + r.spec + ")";
            xml << ">\n      <failure message=\"" << xml_escape(message) << "\">"
                << xml_escape(message) << "</failure>\n    </testcase>\n";
        }
        xml << "  </testsuite>\n</testsuites>\n";
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << xml.str();
        out.close();
        return static_cast<bool>(out);
    }

private:
    void add(check_result r) {
        std::string line = r.passed ? "PASS " + r.name : "FAIL " + r.name + ": " + r.detail;
        if (r.passed && !r.detail.empty()) {
            line += " (" + r.detail + ")";
        }
        if (!r.passed) {
            line += " (spec " + r.spec + ")";
        }
        std::lock_guard lock(mutex_);
        std::cout << line << "\n" << std::flush;
        all_.push_back(std::move(r));
    }

    std::string plugin_;
    mutable std::mutex mutex_;
    std::vector<check_result> all_;
};

/// Ends the process when a call does not return in time: a plugin that hangs must not hang its
/// check (nor the CI job running it). The results so far, and the hung check as failed, are
/// printed and written first.
class watchdog {
public:
    watchdog(results& out, std::optional<std::string> junit, std::chrono::seconds limit)
        : out_(out), junit_(std::move(junit)), limit_(limit),
          thread_([this](std::stop_token s) { watch(std::move(s)); }) {}

    /// Starts timing `check`; `factor` stretches the limit (for the concurrency check).
    void arm(std::string check, int factor = 1) {
        std::lock_guard lock(mutex_);
        check_ = std::move(check);
        deadline_ = std::chrono::steady_clock::now() + limit_ * factor;
        ++generation_;
        changed_.notify_all();
    }
    void disarm() {
        std::lock_guard lock(mutex_);
        check_.clear();
        ++generation_;
        changed_.notify_all();
    }
    [[nodiscard]] std::chrono::seconds limit() const noexcept { return limit_; }

private:
    void watch(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            if (check_.empty()) {
                changed_.wait(lock, stop, [&] { return !check_.empty(); });
                continue;
            }
            const auto generation = generation_;
            if (changed_.wait_until(lock, stop, deadline_,
                                    [&] { return generation_ != generation; })) {
                continue; // re-armed or disarmed
            }
            if (stop.stop_requested() || check_.empty()) {
                continue;
            }
            const std::string hung = check_;
            lock.unlock();
            out_.fail(hung, "no answer within " + std::to_string(limit_.count()) + " s",
                      "wire-contract 1.9");
            out_.summary(std::cout);
            if (junit_) {
                out_.write_junit(*junit_);
            }
            std::cout.flush();
            std::_Exit(exit_failed); // the plugin's thread cannot be stopped or joined
        }
    }

    results& out_;
    std::optional<std::string> junit_;
    std::chrono::seconds limit_;
    std::mutex mutex_;
    std::condition_variable_any changed_;
    std::string check_;
    std::chrono::steady_clock::time_point deadline_{};
    std::uint64_t generation_ = 0;
    std::jthread thread_;
};

// ---- registration checks ------------------------------------------------------------------------

/// The registration checks of host behaviour 2.3 / wire contract 3.5-3.6, as (check, failure)
/// pairs; an empty failure passes, with the note given.
struct registration_finding {
    std::string name;
    std::string failure;
    std::string spec;
    std::string note;
};

std::vector<registration_finding> examine(const cpa::register_response& r) {
    std::vector<registration_finding> out;
    const std::uint32_t schema = r.schema_version;
    out.push_back({"register.schema_version",
                   schema > CLIPROXY_SCHEMA_VERSION
                       ? "schema version " + std::to_string(schema) +
                             " is not supported (the host speaks " +
                             std::to_string(CLIPROXY_SCHEMA_VERSION) + ")"
                       : "",
                   "wire-contract 3.5", schema == 0 ? "0, which means 1" : std::to_string(schema)});
    std::vector<std::string> blank;
    const auto check = [&](const std::string& value, const char* key) {
        if (trim(value).empty()) {
            blank.emplace_back(key);
        }
    };
    check(r.metadata.name, "Name");
    check(r.metadata.version, "Version");
    check(r.metadata.author, "Author");
    check(r.metadata.github_repository, "GitHubRepository");
    std::string missing;
    for (const auto& b : blank) {
        missing += (missing.empty() ? "" : ", ") + b;
    }
    out.push_back({"register.metadata",
                   blank.empty() ? ""
                                 : "blank " + missing +
                                       ": the host logs \"returned invalid metadata or no "
                                       "capabilities\" and never uses the plugin",
                   "wire-contract 3.6",
                   blank.empty() ? r.metadata.name + " " + r.metadata.version : ""});
    out.push_back({"register.capabilities",
                   r.capabilities.any() ? ""
                                        : "no capability flag is set: the host never uses the "
                                          "plugin",
                   "wire-contract 3.6", capability_summary(r.capabilities)});
    if (r.capabilities.executor) {
        std::string failure;
        if (pick_format(r.capabilities.executor_input_formats).empty()) {
            failure = "no executor_input_formats: every call fails \"declares no input formats\"";
        } else if (pick_format(r.capabilities.executor_output_formats).empty()) {
            failure = "no executor_output_formats: every call fails \"declares no output formats\"";
        }
        out.push_back({"register.executor_formats", failure, "wire-contract 3.4", {}});
    }
    return out;
}

std::string load_spec(const std::string& failure) {
    if (failure.find("symbol") != std::string::npos) {
        return "wire-contract 1.1";
    }
    if (failure.find("ABI version") != std::string::npos) {
        return "wire-contract 1.4";
    }
    if (failure.find(CLIPROXY_PLUGIN_INIT_SYMBOL " returned") != std::string::npos) {
        return "wire-contract 1.6";
    }
    return "wire-contract 1.3";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int check_command(const std::vector<std::string>& args) {
    const arguments a("check", args, {"--verbose"}, {"--junit", "--config-yaml", "--timeout"}, 1);
    if (a.flag("--help")) {
        std::cout << check_help;
        return exit_ok;
    }
    if (a.positional().empty()) {
        throw input_error("cpa-host check: PLUGIN_PATH is required (see cpa-host check --help)");
    }
    const std::filesystem::path path = a.positional().front();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw input_error(path.string() + ": no such file");
    }
    if (std::filesystem::is_directory(path, ec)) {
        throw input_error(path.string() + ": is a directory, not a plugin library");
    }
    std::string config_yaml = "enabled: true\npriority: 0\n";
    if (auto file = a.option("--config-yaml")) {
        config_yaml = read_file(*file);
    }
    long timeout = 20;
    if (auto t = a.option("--timeout")) {
        char* end = nullptr;
        timeout = std::strtol(t->c_str(), &end, 10);
        if (end == t->c_str() || *end != '\0' || timeout <= 0) {
            throw input_error("cpa-host check: --timeout must be a positive number of seconds");
        }
    }
    const auto junit = a.option("--junit");
    if (junit && junit->empty()) {
        throw input_error("cpa-host check: --junit needs a file name");
    }

    const std::string id = cpa::host::plugin_id_from_path(path);
    std::cout << "cpa-host check " << path.filename().string() << " (plugin ID " << id << ")\n";
    results out(id);
    watchdog dog(out, junit, std::chrono::seconds(timeout));
    const auto finish = [&]() {
        dog.disarm();
        out.summary(std::cout);
        if (junit && !out.write_junit(*junit)) {
            throw input_error(*junit + ": cannot write the JUnit file");
        }
        return out.any_failed() ? exit_failed : exit_ok;
    };

    subject s;
    s.id = id;
    s.services = std::make_shared<check_services>(id, a.flag("--verbose"));
    // A stream's close may take half the time a call may take, at most 5 s.
    s.stream_wait =
        std::min(std::chrono::milliseconds(5000), std::chrono::milliseconds(timeout * 1000 / 2));

    // load, init
    auto start = std::chrono::steady_clock::now();
    dog.arm("load");
    auto loaded = cpa::host::open_library(path, s.services);
    dog.disarm();
    if (!loaded) {
        const std::string& why = loaded.failure.message;
        const std::string spec = load_spec(why);
        const bool init_failed = why.find(CLIPROXY_PLUGIN_INIT_SYMBOL " returned") != why.npos ||
                                 why.find("ABI version") != why.npos ||
                                 why.find("incomplete") != why.npos;
        if (!init_failed) {
            out.fail("load", why, spec, seconds_since(start));
        } else {
            out.pass("load", {}, seconds_since(start));
            out.fail("init", why, spec);
        }
        return finish();
    }
    out.pass("load", {}, seconds_since(start));
    out.pass("init");
    s.client = std::move(loaded.client);

    // register
    s.registration_request.config_yaml = cpa::bytes(config_yaml);
    s.registration_request.schema_version = CLIPROXY_SCHEMA_VERSION;
    start = std::chrono::steady_clock::now();
    dog.arm("register");
    try {
        s.registration = s.call(pm::plugin_register, s.registration_request);
        dog.disarm();
        out.pass("register", {}, seconds_since(start));
    } catch (const cpa::call_error& e) {
        dog.disarm();
        out.fail("register", std::string("answered with an error: ") + e.what(),
                 "wire-contract 3.3", seconds_since(start));
    }
    const bool registered = !out.any_failed();
    if (registered) {
        for (const auto& f : examine(s.registration)) {
            if (f.failure.empty()) {
                out.pass(f.name, f.note);
            } else {
                out.fail(f.name, f.failure, f.spec);
            }
        }
    }

    // every capability, once
    std::vector<probe> passed_probes;
    std::vector<bool> answered;
    if (registered) {
        const round_context first{"cpa-host-check-0"};
        for (const auto& p : probes_for(s.registration.capabilities)) {
            start = std::chrono::steady_clock::now();
            dog.arm(p.name);
            const auto o = run_probe(p, s, first);
            dog.disarm();
            if (o.passed) {
                out.pass(p.name, o.detail, seconds_since(start));
                passed_probes.push_back(p);
                answered.push_back(o.answered);
            } else {
                out.fail(p.name, o.detail, p.spec, seconds_since(start));
            }
        }
    }

    // reconfigure
    if (registered) {
        start = std::chrono::steady_clock::now();
        dog.arm("reconfigure");
        try {
            auto again = s.call(pm::plugin_reconfigure, s.registration_request);
            dog.disarm();
            std::string failure;
            for (const auto& f : examine(again)) {
                if (!f.failure.empty() && failure.empty()) {
                    failure = "the answer is not a valid registration (as " + f.name + ")";
                }
            }
            if (!failure.empty()) {
                out.fail("reconfigure", failure, "wire-contract 3.6", seconds_since(start));
            } else {
                const bool same = capability_names(again.capabilities) ==
                                  capability_names(s.registration.capabilities);
                out.pass("reconfigure",
                         same ? ""
                              : "capabilities changed to " + capability_summary(again.capabilities),
                         seconds_since(start));
            }
        } catch (const cpa::call_error& e) {
            dog.disarm();
            out.fail("reconfigure", std::string("answered with an error: ") + e.what(),
                     "wire-contract 3.7", seconds_since(start));
        }
    }

    // concurrency: 8 threads calling, while reconfigure arrives
    if (registered && !passed_probes.empty()) {
        s.learning = false;
        constexpr int threads = 8;
        constexpr int rounds = 12;
        start = std::chrono::steady_clock::now();
        dog.arm("concurrency", 3);
        std::mutex mutex;
        std::vector<std::string> problems;
        std::atomic<int> calls{0};
        std::atomic<bool> done{false};
        {
            std::vector<std::jthread> workers;
            for (int t = 0; t < threads; ++t) {
                workers.emplace_back([&, t] {
                    for (int r = 0; r < rounds; ++r) {
                        const round_context round{"cpa-host-check-" + std::to_string(t + 1) + "-" +
                                                  std::to_string(r)};
                        for (std::size_t i = 0; i < passed_probes.size(); ++i) {
                            const auto o = run_probe(passed_probes[i], s, round);
                            calls.fetch_add(1);
                            if (!o.passed || (answered[i] && !o.answered)) {
                                std::lock_guard lock(mutex);
                                problems.push_back(passed_probes[i].name + ": " + o.detail);
                            }
                        }
                    }
                });
            }
            std::jthread reconfigurer([&] {
                for (int i = 0; i < 50 && !done.load(); ++i) {
                    try {
                        s.call(pm::plugin_reconfigure, s.registration_request);
                    } catch (const cpa::call_error& e) {
                        std::lock_guard lock(mutex);
                        problems.push_back(std::string("plugin.reconfigure: ") + e.what());
                    }
                    std::this_thread::sleep_for(2ms);
                }
            });
            for (auto& w : workers) {
                w.join();
            }
            done.store(true);
        }
        dog.disarm();
        if (problems.empty()) {
            out.pass("concurrency",
                     std::to_string(calls.load()) + " calls from " + std::to_string(threads) +
                         " threads, with plugin.reconfigure in between",
                     seconds_since(start));
        } else {
            out.fail("concurrency",
                     std::to_string(problems.size()) +
                         " call(s) failed that answered before, "
                         "e.g. " +
                         problems.front(),
                     "wire-contract 1.9", seconds_since(start));
        }
    }

    // shutdown
    start = std::chrono::steady_clock::now();
    dog.arm("shutdown");
    s.client->shutdown();
    s.client.reset(); // the library is closed here
    dog.disarm();
    out.pass("shutdown", {}, seconds_since(start));
    return finish();
}

} // namespace cpa_host
