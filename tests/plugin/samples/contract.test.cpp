// The ABI contract every sample plugin keeps, whatever its capabilities: unknown and NULL methods,
// undecodable, empty and mistyped requests, re-registration, and concurrent calls. Data-driven over
// the list of samples below; each probe compares the whole answer (rc and bytes).
#include "plugin_harness.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>

#include <atomic>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using cpa_test::plugin_harness;
using reply = plugin_harness::reply;

constexpr const char* unknown_method = "cpa.test.no_such_method";
constexpr const char* garbage = "{not json";
constexpr const char* mistyped = R"({"schema_version":"3"})";

/// The exact answers of one sample to the generic probes. `registration` stands for the answer
/// the sample gives to `plugin.register` with the body "{}" (computed at run time).
struct sample_contract {
    std::string name;
    reply unknown;  // `cpa.test.no_such_method` with "{}"
    reply garbage;  // `plugin.register` with "{not json"
    reply mistyped; // `plugin.register` with {"schema_version":"3"}
};

std::ostream& operator<<(std::ostream& os, const sample_contract& s) {
    return os << s.name;
}

const reply null_method_answer{
    1, R"({"ok":false,"error":{"code":"invalid_method","message":"method is NULL"}})"};
const std::string registration = "<the sample's answer to plugin.register with {}>";

/// A sample built with the SDK (CPA_PLUGIN): its answers follow the SDK's conventions.
sample_contract sdk_sample(std::string name) {
    return {
        std::move(name),
        {0, R"({"ok":false,"error":{"code":"unknown_method","message":"unknown method )" +
                std::string(unknown_method) + R"("}})"},
        {0, R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
            R"(register_request: invalid JSON at offset 1: syntax error"}})"},
        {0, R"({"ok":false,"error":{"code":"invalid_request","message":"plugin.register: )"
            R"(register_request: field schema_version: expected an integer, got a string"}})"},
    };
}

/// raw-c reads no request body: every registration request gets its registration.
sample_contract raw_c_sample() {
    return {
        "raw-c",
        {0, R"({"ok":false,"error":{"code":"unknown_method","message":"unknown method"}})"},
        {0, registration},
        {0, registration},
    };
}

// =================================================================================================
// THE SAMPLES UNDER CONTRACT TEST - one line per sample plugin (file name without ".so").
const std::vector<sample_contract> samples = {
    sdk_sample("echo-executor"),   sdk_sample("model-router"), sdk_sample("request-guard"),
    sdk_sample("stream-rewriter"), sdk_sample("usage-logger"), raw_c_sample(),
};
// =================================================================================================

/// `expected`, with the `registration` placeholder replaced by the sample's registration answer.
reply resolve(const reply& expected, const reply& registered) {
    return expected.json == registration ? reply{expected.rc, registered.json} : expected;
}

void check_reply(const reply& actual, const reply& expected) {
    BOOST_TEST(actual.rc == expected.rc);
    BOOST_TEST(actual.json == expected.json);
}

reply register_with(plugin_harness& h, std::string_view body) {
    return h.call(CLIPROXY_METHOD_PLUGIN_REGISTER, body);
}

} // namespace

BOOST_AUTO_TEST_SUITE(contract)

BOOST_DATA_TEST_CASE(registers_with_an_empty_configuration, boost::unit_test::data::make(samples),
                     sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    const reply r = register_with(h, "{}");
    BOOST_TEST(r.rc == 0);
    BOOST_TEST(r.json.starts_with(R"({"ok":true,"result":{"schema_version":)"), r.json);
    // The same registration for a base64 YAML that says nothing, and on reconfigure.
    check_reply(register_with(h, R"({"config_yaml":"","schema_version":3})"), r);
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, "{}"), r);
}

BOOST_DATA_TEST_CASE(unknown_method_is_an_error_envelope, boost::unit_test::data::make(samples),
                     sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    check_reply(h.call(unknown_method, "{}"), sample.unknown);
    check_reply(h.call(unknown_method, ""), sample.unknown);
}

BOOST_DATA_TEST_CASE(null_method_is_rc_1, boost::unit_test::data::make(samples), sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    check_reply(h.call(nullptr, "{}"), null_method_answer);
    check_reply(h.call(nullptr, ""), null_method_answer);
}

BOOST_DATA_TEST_CASE(garbage_body, boost::unit_test::data::make(samples), sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    const reply registered = register_with(h, "{}");
    check_reply(register_with(h, garbage), resolve(sample.garbage, registered));
    // The plugin is still usable afterwards.
    check_reply(register_with(h, "{}"), registered);
}

BOOST_DATA_TEST_CASE(empty_body_reads_as_empty_object, boost::unit_test::data::make(samples),
                     sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    const reply with_object = register_with(h, "{}");
    check_reply(register_with(h, ""), with_object);
    check_reply(h.call(CLIPROXY_METHOD_PLUGIN_RECONFIGURE, ""), with_object);
}

BOOST_DATA_TEST_CASE(mistyped_field, boost::unit_test::data::make(samples), sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    const reply registered = register_with(h, "{}");
    check_reply(register_with(h, mistyped), resolve(sample.mistyped, registered));
}

BOOST_DATA_TEST_CASE(eight_threads_get_exact_answers, boost::unit_test::data::make(samples),
                     sample) {
    plugin_harness h(cpa_test::sample_path(sample.name));
    const reply registered = register_with(h, "{}");
    struct probe {
        const char* method;
        std::string body;
        reply expected;
    };
    const std::vector<probe> probes = {
        {CLIPROXY_METHOD_PLUGIN_REGISTER, "{}", registered},
        {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, "", registered},
        {unknown_method, "{}", sample.unknown},
        {nullptr, "{}", null_method_answer},
        {CLIPROXY_METHOD_PLUGIN_REGISTER, garbage, resolve(sample.garbage, registered)},
        {CLIPROXY_METHOD_PLUGIN_REGISTER, mistyped, resolve(sample.mistyped, registered)},
    };
    constexpr int threads = 8;
    constexpr int calls_per_thread = 200;
    std::atomic<int> wrong{0};
    std::atomic<int> done{0};
    std::vector<std::string> first_wrong(threads);
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < calls_per_thread; ++i) {
                    const auto& p = probes[static_cast<std::size_t>(t + i) % probes.size()];
                    const reply r = h.call(p.method, p.body);
                    if (r.rc != p.expected.rc || r.json != p.expected.json) {
                        if (wrong.fetch_add(1) == 0) {
                            first_wrong[static_cast<std::size_t>(t)] =
                                std::string(p.method != nullptr ? p.method : "<NULL>") + " " +
                                p.body + " -> rc " + std::to_string(r.rc) + " " + r.json;
                        }
                    }
                    done.fetch_add(1);
                }
            });
        }
    }
    BOOST_TEST(done.load() == threads * calls_per_thread);
    BOOST_TEST(wrong.load() == 0);
    for (const auto& w : first_wrong) {
        BOOST_TEST(w.empty(), "first wrong answer: " << w);
    }
}

BOOST_DATA_TEST_CASE(host_buffers_are_released, boost::unit_test::data::make(samples), sample) {
    const std::size_t before = plugin_harness::outstanding_host_buffers();
    {
        plugin_harness h(cpa_test::sample_path(sample.name));
        register_with(h, "{}");
        h.call(unknown_method, "{}");
        h.shutdown();
        h.shutdown(); // idempotent
    }
    BOOST_TEST(plugin_harness::outstanding_host_buffers() == before);
}

BOOST_DATA_TEST_CASE(library_unloads_after_shutdown, boost::unit_test::data::make(samples),
                     sample) {
    const std::string path = cpa_test::sample_path(sample.name);
    {
        plugin_harness h(path);
        register_with(h, "{}");
    }
    // Nothing (e.g. an STB_GNU_UNIQUE symbol) pins the library: dlclose really unloaded it.
    void* still_loaded = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    BOOST_TEST(still_loaded == nullptr, path << " stayed loaded after shutdown and dlclose");
    if (still_loaded != nullptr) {
        dlclose(still_loaded);
    }
    // And it loads and initialises again.
    plugin_harness again(path);
    BOOST_TEST(register_with(again, "{}").rc == 0);
}

BOOST_AUTO_TEST_CASE(missing_library_names_the_path) {
    const std::string path = cpa_test::sample_path("no-such-sample");
    try {
        plugin_harness h(path);
        BOOST_FAIL("loading a missing library succeeded");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string_view(e.what()).find(path) != std::string_view::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(samples_loaded_together_keep_their_host_callbacks_apart) {
    plugin_harness echo(cpa_test::sample_path("echo-executor"));
    plugin_harness raw(cpa_test::sample_path("raw-c"));
    BOOST_TEST(echo.register_plugin("stream_mode: inline\n").rc == 0);
    BOOST_TEST(raw.register_plugin("").rc == 0);
    BOOST_TEST(raw.call(CLIPROXY_METHOD_MODEL_ROUTE, "{}").rc == 0);
    BOOST_TEST(echo.call(CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, R"({"stream_id":"e1"})").rc == 0);
    const auto raw_calls = raw.host_calls();
    const auto echo_calls = echo.host_calls();
    BOOST_TEST_REQUIRE(raw_calls.size() == 1U);
    BOOST_TEST(raw_calls[0].method == CLIPROXY_HOST_LOG);
    BOOST_TEST_REQUIRE(echo_calls.size() == 1U);
    BOOST_TEST(echo_calls[0].method == CLIPROXY_HOST_STREAM_CLOSE);
    BOOST_TEST(echo_calls[0].request == R"({"stream_id":"e1"})");
}

BOOST_AUTO_TEST_SUITE_END()
