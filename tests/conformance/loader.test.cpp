// Conformance catalogue: loading real libraries (REG-10) and reading plugin answers (EXE-12),
// through the shared-library transport.
#include <cpa/host.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <dlfcn.h>
#include <unistd.h>

using namespace cpa::host;
namespace fs = std::filesystem;

namespace {

/// A plugin directory holding copies of real libraries under chosen file names.
struct library_dir {
    fs::path root;
    library_dir() {
        static std::atomic<int> serial{0};
        root = fs::temp_directory_path() / ("cpa-loader-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(serial.fetch_add(1)));
        fs::create_directories(root);
    }
    ~library_dir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    library_dir(const library_dir&) = delete;
    library_dir& operator=(const library_dir&) = delete;
    void copy(const fs::path& from, const std::string& as) {
        fs::copy_file(from, root / as, fs::copy_options::overwrite_existing);
    }
};

plugin_settings enabled(std::string id) {
    return {.id = std::move(id), .enabled = true, .priority = 0};
}

} // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(REG_10_failed_inits_are_load_errors_and_others_still_load) {
    library_dir dir;
    const fs::path fixtures(CPA_FIXTURES_DIR);
    for (const char* name : {"init-fails", "abi-two", "null-call", "no-symbol"}) {
        dir.copy(fixtures / (std::string(name) + ".so"), std::string(name) + ".so");
    }
    dir.copy(fs::path(CPA_SAMPLES_DIR) / "echo-executor.so", "echo-executor.so");
    host_options options;
    options.delete_stale_files = false;
    options.log = [](const log_event&) {};
    plugin_host host(options);
    plugins_config config{.enabled = true, .dir = dir.root.string(), .configs = {}};
    for (const char* id : {"init-fails", "abi-two", "null-call", "no-symbol", "echo-executor"}) {
        config.configs[id] = enabled(id);
    }
    const auto report = host.apply_config(config);
    BOOST_TEST(host.plugin_registered("echo-executor"));
    BOOST_TEST(host.current()->records.size() == 1U);
    const std::pair<std::string, std::string> expected[] = {
        {"init-fails", "cliproxy_plugin_init returned 3"},
        {"abi-two", "plugin ABI version 2 is not supported"},
        {"null-call", "plugin function table is incomplete"},
        {"no-symbol", "symbol cliproxy_plugin_init not found"},
    };
    for (const auto& entry : expected) {
        const std::string& id = entry.first;
        const std::string& text = entry.second;
        BOOST_TEST(!host.plugin_loaded(id), id);
        BOOST_TEST(host.fuse_reason(id).empty(), id);
        const bool reported =
            std::any_of(report.errors.begin(), report.errors.end(), [&](const auto& e) {
                return e.starts_with(id + ": load ") && e.find(text) != std::string::npos &&
                       e.find((dir.root / (id + ".so")).string()) != std::string::npos;
            });
        BOOST_TEST(reported, id << " not reported with \"" << text << "\"");
    }
    BOOST_TEST(report.errors.size() == 4U);
    // The failed libraries were closed: nothing keeps them mapped.
    for (const auto& [id, text] : expected) {
        const auto path = (dir.root / (id + ".so")).string();
        void* still = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        BOOST_TEST(still == nullptr, id << " is still loaded");
        if (still != nullptr) {
            ::dlclose(still);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_missing_or_foreign_file_is_a_load_error_naming_it) {
    const auto services = std::shared_ptr<cpa::host_services>();
    const auto missing = open_library("/nonexistent/plugin.so", services);
    BOOST_TEST(!missing);
    BOOST_TEST(missing.failure.message.find("/nonexistent/plugin.so") != std::string::npos,
               missing.failure.message);
    library_dir dir;
    { std::ofstream(dir.root / "text.so") << "not a library\n"; }
    const auto foreign = open_library(dir.root / "text.so", services);
    BOOST_TEST(!foreign);
    BOOST_TEST(foreign.failure.message.find("text.so") != std::string::npos,
               foreign.failure.message);
}

BOOST_AUTO_TEST_CASE(EXE_12_error_envelopes_carry_message_and_status) {
    const auto& codec = plugin_methods::executor_execute.codec();
    const auto decode = [&](int rc, std::string_view answer) -> cpa::call_error {
        cpa::executor_response out;
        try {
            codec.decode("executor.execute", rc, answer, &out);
        } catch (const cpa::call_error& e) {
            return e;
        }
        BOOST_FAIL("the answer decoded: " << answer);
        return cpa::call_error();
    };
    const std::string_view license =
        R"({"ok":false,"error":{"message":"license required","http_status":403}})";
    const auto e0 = decode(0, license);
    BOOST_TEST(std::string(e0.what()) == "license required");
    BOOST_TEST(e0.http_status() == 403);
    const auto e1 = decode(1, license); // rc != 0 with an error envelope: the envelope counts
    BOOST_TEST(std::string(e1.what()) == "license required");
    BOOST_TEST(e1.http_status() == 403);
    const auto e2 = decode(1, "garbage"); // not an envelope: the rc and the bytes
    BOOST_TEST(std::string(e2.what()) == "plugin call executor.execute returned 1: garbage");
    BOOST_TEST(e2.http_status() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// Host callbacks that are never expected to be reached.
class unused_services final : public cpa::host_services {
public:
    [[noreturn]] static void no() { throw cpa::host_error("not served by this test"); }
    void log(const cpa::host_log_request&) override { no(); }
    cpa::http_response http_do(const cpa::host_http_request&) override { no(); }
    cpa::host_stream_response http_do_stream(const cpa::host_http_request&) override { no(); }
    cpa::host_http_stream_chunk http_stream_read(const cpa::host_stream_request&) override { no(); }
    void http_stream_close(const cpa::host_stream_request&) override { no(); }
    cpa::host_model_response model_execute(const cpa::host_model_request&) override { no(); }
    cpa::host_stream_response model_execute_stream(const cpa::host_model_request&) override {
        no();
    }
    cpa::host_model_stream_chunk model_stream_read(const cpa::host_stream_request&) override {
        no();
    }
    void model_stream_close(const cpa::host_stream_request&) override { no(); }
    void stream_emit(const cpa::host_stream_emit_request&) override { no(); }
    void stream_close(const cpa::host_stream_close_request&) override { no(); }
    cpa::host_auth_list_response auth_list() override { no(); }
    cpa::host_auth_get_response auth_get(const cpa::host_auth_index_request&) override { no(); }
    cpa::host_auth_get_runtime_response
    auth_get_runtime(const cpa::host_auth_index_request&) override {
        no();
    }
    cpa::host_auth_save_response auth_save(const cpa::host_auth_save_request&) override { no(); }
};

} // namespace

BOOST_AUTO_TEST_CASE(HCB_05_unknown_host_method_and_forged_context) {
    // The fixture calls `host.no_such_method` with its own context and `host.log` with a
    // context the host never handed out, and reports both return codes and the envelope.
    auto opened = open_library(fs::path(CPA_FIXTURES_DIR) / "host-probe.so",
                               std::make_shared<unused_services>());
    BOOST_REQUIRE_MESSAGE(opened, opened.failure.message);
    try {
        (void)invoke(*opened.client, plugin_methods::executor_execute, cpa::executor_request{});
        BOOST_FAIL("the probe answered ok");
    } catch (const cpa::call_error& e) {
        BOOST_TEST(std::string(e.what()) == "unknown_rc=0 unknown_envelope=1 forged_rc=1");
    }
}
