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

namespace {

/// A client whose `model.route` blocks on a gate; counts its shutdowns.
class blocking_client final : public plugin_client {
public:
    explicit blocking_client(gate& g) : gate_(g) {}
    void call(method_id, std::string_view, const method_codec&, const void*, void* rs) override {
        gate_.wait();
        static_cast<cpa::model_route_response*>(rs)->handled = true;
    }
    void shutdown() noexcept override { shutdowns.fetch_add(1); }
    std::atomic<int> shutdowns{0};

private:
    gate& gate_;
};

} // namespace

BOOST_AUTO_TEST_CASE(CONC_09_guarded_client_close_and_abandoned_calls) {
    gate release;
    auto inner = std::make_shared<blocking_client>(release);
    auto client = std::make_shared<guarded_client>(inner);
    std::stop_source give_up;
    auto waiting = std::async(std::launch::async, [&]() -> std::string {
        try {
            (void)client->call_until(give_up.get_token(), plugin_methods::model_route,
                                     cpa::model_route_request{});
            return "answered";
        } catch (const cpa::call_error& e) {
            return e.what();
        }
    });
    BOOST_TEST_REQUIRE(release.wait_entered());
    // The caller gives up: it returns at once while the plugin's call is still running.
    give_up.request_stop();
    BOOST_TEST(waiting.get() == "plugin call cancelled");
    BOOST_TEST(client->in_flight() == 1U);
    // Closing with a cancelled context returns at once; the plugin is not shut down yet.
    std::stop_source cancelled;
    cancelled.request_stop();
    BOOST_TEST(!client->close(cancelled.get_token()));
    BOOST_TEST(inner->shutdowns.load() == 0);
    // New calls are refused.
    try {
        (void)invoke(*client, plugin_methods::model_route, cpa::model_route_request{});
        BOOST_FAIL("a closed client took a call");
    } catch (const cpa::call_error& e) {
        BOOST_TEST(std::string(e.what()) == "plugin client is closed");
    }
    // When the call ends, the plugin is shut down exactly once.
    release.open();
    BOOST_TEST(client->close());
    BOOST_TEST(inner->shutdowns.load() == 1);

    // A call that is not abandoned answers normally.
    gate open_gate;
    open_gate.open();
    auto second = std::make_shared<guarded_client>(std::make_shared<blocking_client>(open_gate));
    BOOST_TEST(
        second
            ->call_until(std::stop_token{}, plugin_methods::model_route, cpa::model_route_request{})
            .handled);
}

BOOST_AUTO_TEST_SUITE_END()
