// Conformance catalogue: concurrency of the lifecycle (8.5), over scripted plugins that block.
#include "support/fake_plugin.hpp"

#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

using namespace cpa_test;
using namespace std::chrono_literals;

namespace {

cpa::register_response router(std::string name) {
    return registration(std::move(name), [](cpa::capabilities& c) { c.model_router = true; });
}

} // namespace

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(CONC_01_host_state_is_readable_while_register_blocks) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on_register = [&] { release.wait(); };
    plugin_host host(d.options());
    auto apply = std::async(std::launch::async, [&] {
        host.apply_config(d.config({{"alpha", 0}}));
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    // Calls that need the host's lock complete while a plugin is inside register.
    BOOST_TEST(host.plugin_busy("alpha"));
    BOOST_TEST(host.available_providers().empty());
    BOOST_TEST(host.registered_plugins().empty());
    release.open();
    apply.get();
    BOOST_TEST(host.plugin_registered("alpha"));
}

BOOST_AUTO_TEST_CASE(CONC_02_lifecycle_calls_never_overlap) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> calls{0};
    alpha->on_register = [&] {
        if (inside.fetch_add(1) != 0) {
            overlaps.fetch_add(1);
        }
        if (calls.fetch_add(1) == 0) {
            release.wait();
        }
        inside.fetch_sub(1);
    };
    plugin_host host(d.options());
    auto first = std::async(std::launch::async, [&] {
        host.apply_config(d.config({{"alpha", 0}}));
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    auto second = std::async(std::launch::async, [&] {
        host.apply_config(d.config({{"alpha", 0}}));
    });
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(calls.load() == 1); // the second apply has not reached its lifecycle call
    release.open();
    first.get();
    second.get();
    BOOST_TEST(calls.load() == 2);
    BOOST_TEST(overlaps.load() == 0);
}

BOOST_AUTO_TEST_CASE(CONC_03_busy_while_opening) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on_open = [&] { release.wait(); };
    plugin_host host(d.options());
    auto apply = std::async(std::launch::async, [&] {
        host.apply_config(d.config({{"alpha", 0}}));
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    BOOST_TEST(!host.plugin_loaded("alpha"));
    BOOST_TEST(host.plugin_busy("alpha"));
    release.open();
    apply.get();
    BOOST_TEST(host.plugin_loaded("alpha"));
    BOOST_TEST(host.plugin_busy("alpha"));
}

BOOST_AUTO_TEST_CASE(CONC_04_cancelled_register_is_cleaned_up_late) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on_register = [&] { release.wait(); };
    plugin_host host(d.options());
    std::stop_source cancel;
    auto apply = std::async(std::launch::async, [&] {
        return host.apply_config(d.config({{"alpha", 0}}), cancel.get_token());
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    cancel.request_stop();
    const auto report = apply.get(); // returns at once, register still blocked
    BOOST_TEST(!report.published);
    BOOST_TEST(host.plugin_busy("alpha"));
    BOOST_TEST(!host.plugin_loaded("alpha"));
    release.open();
    for (int i = 0; i < 500 && host.plugin_busy("alpha"); ++i) {
        std::this_thread::sleep_for(10ms);
    }
    BOOST_TEST(alpha->shutdowns() == 1);
    BOOST_TEST(!host.plugin_busy("alpha"));
    BOOST_TEST(!host.plugin_loaded("alpha"));
}

BOOST_AUTO_TEST_CASE(CONC_05_one_loader_per_plugin) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on_open = [&] { release.wait(); };
    plugin_host host(d.options());
    std::stop_source cancel;
    auto apply = std::async(std::launch::async, [&] {
        return host.apply_config(d.config({{"alpha", 0}}), cancel.get_token());
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    cancel.request_stop();
    apply.get();
    for (int i = 0; i < 8; ++i) {
        host.apply_config(d.config({{"alpha", 0}}));
    }
    BOOST_TEST(alpha->opens() == 1);
    release.open();
    for (int i = 0; i < 500 && host.plugin_busy("alpha"); ++i) {
        std::this_thread::sleep_for(10ms);
    }
    BOOST_TEST(alpha->shutdowns() == 1);
    BOOST_TEST(!host.plugin_busy("alpha"));
    BOOST_TEST(!host.plugin_registered("alpha"));
}

BOOST_AUTO_TEST_CASE(CONC_06_unload_waits_for_a_running_apply) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on_open = [&] { release.wait(); };
    plugin_host host(d.options());
    auto apply = std::async(std::launch::async, [&] {
        host.apply_config(d.config({{"alpha", 0}}));
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    auto unload = std::async(std::launch::async, [&] { return host.unload_plugin("alpha"); });
    BOOST_TEST((unload.wait_for(200ms) == std::future_status::timeout));
    release.open();
    apply.get();
    BOOST_TEST(unload.get());
    BOOST_TEST(!host.plugin_busy("alpha"));
}

BOOST_AUTO_TEST_CASE(CONC_07_unload_with_a_call_in_flight_detaches_at_once) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    gate release;
    alpha->on(plugin_methods::model_route, [&](const cpa::model_route_request&) {
        release.wait();
        return cpa::model_route_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    auto routing = std::async(std::launch::async, [&] { return host.route_model({}); });
    BOOST_TEST_REQUIRE(release.wait_entered());
    std::stop_source cancelled;
    cancelled.request_stop();
    BOOST_TEST(host.unload_plugin("alpha", cancelled.get_token()));
    BOOST_TEST(!host.plugin_busy("alpha"));
    BOOST_TEST(alpha->shutdowns() == 0); // the call is still running in the library
    release.open();
    routing.get();
    BOOST_TEST(alpha->shutdowns() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
