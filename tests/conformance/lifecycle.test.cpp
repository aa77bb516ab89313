// Conformance catalogue: configuration as the host applies it (8.1), registration and schema
// negotiation (8.3), lifecycle, reload and unload (8.4) and ordering (8.6), over scripted plugins.
#include "support/fake_plugin.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

using namespace cpa_test;

namespace {

cpa::register_response router(std::string name, std::uint32_t schema = 3) {
    return registration(
        std::move(name), [](cpa::capabilities& c) { c.model_router = true; }, schema);
}

} // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(CFG_08_globally_disabled_opens_nothing) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    auto config = d.config({{"alpha", 0}});
    config.enabled = false;
    host.apply_config(config);
    BOOST_TEST(alpha->opens() == 0);
    BOOST_TEST(!host.current()->enabled);
    BOOST_TEST(host.current()->records.empty());
}

BOOST_AUTO_TEST_CASE(CFG_09_a_disabled_config_never_resolves_the_directory) {
    fake_directory d;
    d.add("alpha", router("alpha"));
    auto options = d.options();
    options.home = std::nullopt;
    const char* saved = std::getenv("HOME");
    const std::string saved_home = saved != nullptr ? saved : "";
    ::unsetenv("HOME");
    {
        plugin_host host(options);
        host.apply_config(d.config({{"alpha", 0}}));
        BOOST_TEST(host.plugin_registered("alpha"));
        auto config = d.config({{"alpha", 0}});
        config.enabled = false;
        config.dir = "~/.cli-proxy-api/plugins";
        const auto report = host.apply_config(config);
        BOOST_TEST(report.errors.empty());
        BOOST_TEST(!host.plugin_registered("alpha"));
        BOOST_TEST(!host.current()->enabled);
        BOOST_TEST(host.current()->records.empty());
        // Enabled, the same directory cannot be resolved: an error, and nothing changes.
        config.enabled = true;
        const auto enabled = host.apply_config(config);
        BOOST_TEST_REQUIRE(enabled.errors.size() == 1U);
        BOOST_TEST(!enabled.published);
        BOOST_TEST(!host.current()->enabled);
    }
    if (saved != nullptr) {
        ::setenv("HOME", saved_home.c_str(), 1);
    }
}

BOOST_AUTO_TEST_CASE(CFG_10_unconfigured_or_disabled_plugins_are_never_opened) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({})); // (a) no configs.alpha
    BOOST_TEST(alpha->opens() == 0);
    BOOST_TEST(alpha->registers() == 0);
    BOOST_TEST(host.current()->records.empty());
    auto config = d.config({{"alpha", 0}}); // (b) configs.alpha.enabled: false
    config.configs["alpha"].enabled = false;
    host.apply_config(config);
    BOOST_TEST(alpha->opens() == 0);
    BOOST_TEST(alpha->registers() == 0);
    BOOST_TEST(host.current()->records.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(registration_and_schema)

BOOST_AUTO_TEST_CASE(REG_01_register_carries_schema_3_and_the_config_yaml) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    auto config = d.config({{"alpha", 0}});
    config.configs["alpha"].raw_yaml = "mode: test\n";
    config.configs["alpha"].kind = raw_kind::mapping;
    host.apply_config(config);
    const auto requests = alpha->lifecycle_requests();
    BOOST_TEST_REQUIRE(requests.size() == 1U);
    BOOST_TEST(requests[0].schema_version == 3U);
    BOOST_TEST(requests[0].config_yaml.view() == build_config_yaml(config.configs["alpha"]));
    BOOST_TEST(std::string(requests[0].config_yaml.view()).find("mode: test") != std::string::npos);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].schema_version == 3U);
}

BOOST_AUTO_TEST_CASE(REG_02_schema_4_is_refused_without_a_fuse) {
    fake_directory d;
    d.add("alpha", router("alpha", 4));
    plugin_host host(d.options());
    const auto report = host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.current()->records.empty());
    BOOST_TEST(host.fuse_reason("alpha").empty());
    BOOST_TEST_REQUIRE(report.errors.size() == 1U);
    BOOST_TEST(report.errors[0].find("schema version") != std::string::npos, report.errors[0]);
}

BOOST_AUTO_TEST_CASE(REG_03_schema_1_may_declare_a_model_router) {
    fake_directory d;
    d.add("alpha", router("alpha", 1));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].capabilities.model_router);
    BOOST_TEST(host.current()->records[0].schema_version == 1U);
}

BOOST_AUTO_TEST_CASE(REG_04_missing_schema_version_is_1) {
    fake_directory d;
    d.add("alpha", router("alpha", 0));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].schema_version == 1U);
}

BOOST_AUTO_TEST_CASE(REG_05_blank_metadata_gives_no_record) {
    for (int field = 0; field < 4; ++field) {
        fake_directory d;
        auto answer = router("alpha");
        std::string* blanked[] = {&answer.metadata.name, &answer.metadata.version,
                                  &answer.metadata.author, &answer.metadata.github_repository};
        *blanked[field] = field == 0 ? "" : " \t";
        d.add("alpha", answer);
        plugin_host host(d.options());
        host.apply_config(d.config({{"alpha", 0}}));
        BOOST_TEST(host.current()->records.empty(), "field " << field);
        BOOST_TEST(d.count_logs("pluginhost: plugin loaded") == 1);
        BOOST_TEST(d.count_logs("pluginhost: plugin registered") == 0);
        BOOST_TEST(host.fuse_reason("alpha").empty());
    }
}

BOOST_AUTO_TEST_CASE(REG_06_no_capability_gives_no_record) {
    fake_directory d;
    d.add("alpha", registration("alpha", [](cpa::capabilities& c) {
              c.frontend_auth_provider_exclusive = true; // a modifier is not a capability
              c.executor_input_formats = {"openai"};
          }));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.current()->records.empty());
}

BOOST_AUTO_TEST_CASE(REG_07_a_request_interceptor_alone_is_a_plugin) {
    fake_directory d;
    d.add("alpha",
          registration("alpha", [](cpa::capabilities& c) { c.request_interceptor = true; }));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.current()->records.size() == 1U);
}

BOOST_AUTO_TEST_CASE(REG_09_exclusive_without_frontend_auth_is_dropped) {
    fake_directory d;
    d.add("alpha", registration("alpha", [](cpa::capabilities& c) {
              c.model_router = true;
              c.frontend_auth_provider_exclusive = true;
          }));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(!host.current()->records[0].capabilities.frontend_auth_provider_exclusive);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(LIFE_01_same_config_twice_registers_then_reconfigures) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(alpha->opens() == 1);
    BOOST_TEST(alpha->registers() == 1);
    BOOST_TEST(alpha->reconfigures() == 1);
    BOOST_TEST(host.current()->records.size() == 1U);
}

BOOST_AUTO_TEST_CASE(LIFE_02_loaded_and_registered_are_logged_once) {
    fake_directory d;
    d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(d.count_logs("pluginhost: plugin loaded") == 1);
    BOOST_TEST(d.count_logs("pluginhost: plugin registered") == 1);
    for (const auto& e : d.logs()) {
        if (e.message == "pluginhost: plugin registered") {
            BOOST_TEST(e.plugin_id == "alpha");
            BOOST_TEST((e.fields == std::vector<std::pair<std::string, std::string>>{
                                        {"plugin_name", "alpha"}}));
        }
        if (e.message == "pluginhost: plugin loaded") {
            const bool has_path = std::any_of(e.fields.begin(), e.fields.end(),
                                              [](const auto& f) { return f.first == "path"; });
            BOOST_TEST(has_path);
        }
    }
}

BOOST_AUTO_TEST_CASE(LIFE_03_disabled_plugin_stays_loaded_until_shutdown_all) {
    fake_directory d;
    d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    auto config = d.config({{"alpha", 0}});
    config.configs["alpha"].enabled = false;
    host.apply_config(config);
    BOOST_TEST(host.registered_plugins().empty());
    BOOST_TEST(!host.plugin_registered("alpha"));
    BOOST_TEST(host.plugin_loaded("alpha"));
    host.shutdown_all();
    BOOST_TEST(!host.plugin_loaded("alpha"));
}

BOOST_AUTO_TEST_CASE(LIFE_04_unload_one_plugin_and_reload_it) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    auto bravo = d.add("bravo", router("bravo"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}, {"bravo", 0}}));
    BOOST_TEST(host.unload_plugin("alpha"));
    BOOST_TEST(!host.plugin_loaded("alpha"));
    BOOST_TEST(host.plugin_loaded("bravo"));
    BOOST_TEST(alpha->shutdowns() == 1);
    BOOST_TEST(bravo->shutdowns() == 0);
    BOOST_TEST((ids(*host.current()) == std::vector<std::string>{"bravo"}));
    host.apply_config(d.config({{"alpha", 0}, {"bravo", 0}}));
    BOOST_TEST(alpha->opens() + bravo->opens() == 3);
    BOOST_TEST(alpha->registers() == 2);
    BOOST_TEST(bravo->registers() == 1);
    BOOST_TEST(bravo->reconfigures() == 1);
}

BOOST_AUTO_TEST_CASE(LIFE_05_unloading_nothing_is_false) {
    fake_directory d;
    d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(!host.unload_plugin(""));
    BOOST_TEST(!host.unload_plugin("  "));
    BOOST_TEST(!host.unload_plugin("never-loaded"));
    BOOST_TEST(host.plugin_registered("alpha"));
}

BOOST_AUTO_TEST_CASE(LIFE_06_pin_change_hot_reloads_to_the_other_build) {
    fake_directory d;
    d.add("alpha", router("alpha"), false);
    d.add_file("alpha-v1.0.4.so");
    plugin_host host(d.options());
    auto config = d.config({{"alpha", 0}});
    config.configs["alpha"].pinned_version = "1.0.4";
    host.apply_config(config);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    const auto old_record = host.current()->records[0];
    BOOST_TEST(old_record.version == "1.0.4");
    d.add_file("alpha-v1.0.3.so");
    config.configs["alpha"].pinned_version = "1.0.3";
    host.apply_config(config);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].version == "1.0.3");
    BOOST_TEST(!old_record.usable()); // the 1.0.4 identity is no longer current
    BOOST_TEST(d.count_logs("pluginhost: plugin hot reloaded") == 1);
    for (const auto& e : d.logs()) {
        if (e.message == "pluginhost: plugin hot reloaded") {
            const std::map<std::string, std::string> f(e.fields.begin(), e.fields.end());
            BOOST_TEST(f.at("active_version") == "1.0.3");
            BOOST_TEST(f.at("retired_version") == "1.0.4");
            BOOST_TEST(f.at("active_path") == (d.platform_dir() / "alpha-v1.0.3.so").string());
            BOOST_TEST(f.at("retired_path") == (d.platform_dir() / "alpha-v1.0.4.so").string());
        }
    }
}

BOOST_AUTO_TEST_CASE(LIFE_07_missing_pinned_build_keeps_the_loaded_one) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"), false);
    d.add_file("alpha-v1.0.4.so");
    plugin_host host(d.options());
    auto config = d.config({{"alpha", 0}});
    config.configs["alpha"].pinned_version = "1.0.4";
    host.apply_config(config);
    config.configs["alpha"].pinned_version = "1.0.5";
    host.apply_config(config);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].version == "1.0.4");
    BOOST_TEST(alpha->opens() == 1);
    BOOST_TEST(alpha->registers() == 1);
    BOOST_TEST(alpha->reconfigures() == 1);
    d.add_file("alpha-v1.0.5.so");
    host.apply_config(config);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].version == "1.0.5");
    BOOST_TEST(alpha->opens() == 2);
}

BOOST_AUTO_TEST_CASE(LIFE_08_retired_handles_are_shut_down_by_unload) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"), false);
    d.add_file("alpha-v1.0.4.so");
    auto options = d.options();
    options.delete_stale_files = false;
    plugin_host host(options);
    auto config = d.config({{"alpha", 0}});
    host.apply_config(config);
    d.add_file("alpha-v1.0.5.so");
    host.apply_config(config); // hot reload to 1.0.5; 1.0.4 retired
    BOOST_TEST(alpha->shutdowns() == 0);
    BOOST_TEST(host.unload_plugin("alpha"));
    BOOST_TEST(alpha->shutdowns() == 2);
}

BOOST_AUTO_TEST_CASE(LIFE_09_registered_plugins_describe_each_plugin) {
    fake_directory d;
    auto answer = registration("alpha", [](auto& c) { c.auth_provider = true; });
    answer.metadata.logo = "https://example.invalid/logo.png";
    answer.metadata.config_fields = {{"mode", "enum", {"a", "b"}, "how"}};
    auto alpha = d.add("alpha", answer);
    alpha->on(plugin_methods::auth_identifier,
              [](const cpa::empty_message&) { return cpa::identifier_response{" Alpha "}; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 7}}));
    auto plugins = host.registered_plugins();
    BOOST_TEST_REQUIRE(plugins.size() == 1U);
    BOOST_TEST(plugins[0].id == "alpha");
    BOOST_TEST(plugins[0].priority == 7);
    BOOST_TEST(plugins[0].metadata.logo == "https://example.invalid/logo.png");
    BOOST_TEST_REQUIRE(plugins[0].metadata.config_fields.size() == 1U);
    BOOST_TEST(plugins[0].metadata.config_fields[0].enum_values.size() == 2U);
    BOOST_TEST(plugins[0].supports_oauth);
    BOOST_TEST(plugins[0].oauth_provider == "alpha");
    plugins[0].metadata.config_fields.clear(); // a copy: the snapshot keeps its own
    BOOST_TEST(host.current()->records[0].metadata.config_fields.size() == 1U);
}

BOOST_AUTO_TEST_CASE(LIFE_10_failed_first_register_is_retried_as_reconfigure) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    bool fail = true;
    alpha->on(plugin_methods::plugin_register, [&](const cpa::register_request&) {
        if (fail) {
            throw cpa::call_error("not ready");
        }
        return router("alpha");
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.plugin_loaded("alpha"));
    BOOST_TEST(host.current()->records.empty());
    fail = false;
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(alpha->registers() == 1);
    BOOST_TEST(alpha->reconfigures() == 1);
    BOOST_TEST(host.current()->records.size() == 1U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ordering)

BOOST_AUTO_TEST_CASE(ORD_01_priority_descending_then_id) {
    fake_directory d;
    d.add("charlie", router("charlie"));
    d.add("bravo", router("bravo"));
    d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"charlie", 1}, {"bravo", 2}, {"alpha", 2}}));
    BOOST_TEST((ids(*host.current()) == std::vector<std::string>{"alpha", "bravo", "charlie"}));
}

BOOST_AUTO_TEST_CASE(ORD_02_negative_priorities_and_byte_order) {
    fake_directory d;
    d.add("low", router("low"));
    d.add("zero", router("zero"));
    d.add("B", router("B"));
    d.add("a", router("a"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"low", -5}, {"zero", 0}, {"B", 3}, {"a", 3}}));
    BOOST_TEST((ids(*host.current()) == std::vector<std::string>{"B", "a", "zero", "low"}));
}

BOOST_AUTO_TEST_CASE(ORD_03_lifecycle_in_discovery_order_chains_in_priority_order) {
    fake_directory d;
    d.add("zeta", router("zeta"));
    d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"zeta", 100}, {"alpha", 1}}));
    BOOST_TEST(
        (d.calls() == std::vector<std::string>{"alpha plugin.register", "zeta plugin.register"}));
    BOOST_TEST((ids(*host.current()) == std::vector<std::string>{"zeta", "alpha"}));
}

BOOST_AUTO_TEST_SUITE_END()
