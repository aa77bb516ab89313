// Conformance catalogue: fusing (8.7) and model routing (8.8), over scripted plugins.
#include "support/fake_plugin.hpp"

#include <boost/test/unit_test.hpp>

using namespace cpa_test;
using cpa::model_route_request;
using cpa::model_route_response;
using cpa::route_target_kind;

namespace {

cpa::register_response router(std::string name) {
    return registration(std::move(name), [](cpa::capabilities& c) { c.model_router = true; });
}

/// A router that is also an executor for openai -> openai with identifier `name`.
cpa::register_response
router_executor(std::string name,
                cpa::executor_model_scope scope = cpa::executor_model_scope::both) {
    return registration(std::move(name), [&](cpa::capabilities& c) {
        c.model_router = true;
        c.executor = true;
        c.executor_model_scope = scope;
        c.executor_input_formats = {"openai"};
        c.executor_output_formats = {"openai"};
    });
}

std::shared_ptr<fake_plugin> with_identifier(std::shared_ptr<fake_plugin> p, std::string id) {
    p->on(plugin_methods::executor_identifier,
          [id](const cpa::empty_message&) { return cpa::identifier_response{id}; });
    return p;
}

model_route_response decide(route_target_kind kind, std::string target = {},
                            std::string reason = {}) {
    model_route_response r;
    r.handled = true;
    r.target_kind = kind;
    r.target = std::move(target);
    r.reason = std::move(reason);
    return r;
}

model_route_request openai_request() {
    model_route_request r;
    r.source_format = "openai";
    r.requested_model = "gpt-x";
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fusing)

BOOST_AUTO_TEST_CASE(FUSE_01_reconfigure_panic_fuses_for_later_applies) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    alpha->panic_on_reconfigure = true;
    host.apply_config(d.config({{"alpha", 0}}));
    alpha->panic_on_reconfigure = false;
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(alpha->registers() == 1);
    BOOST_TEST(alpha->reconfigures() == 1);
    BOOST_TEST(host.current()->records.empty());
    BOOST_TEST(host.fuse_reason("alpha") == "plugin.reconfigure panic: boom");
}

BOOST_AUTO_TEST_CASE(FUSE_09_unload_clears_a_fuse_but_shutdown_all_does_not) {
    // (a) fused while loaded: unload clears the fuse, the next apply registers afresh.
    {
        fake_directory d;
        auto alpha = d.add("alpha", router("alpha"));
        plugin_host host(d.options());
        host.apply_config(d.config({{"alpha", 0}}));
        alpha->panic_on_reconfigure = true;
        host.apply_config(d.config({{"alpha", 0}}));
        alpha->panic_on_reconfigure = false;
        BOOST_TEST(!host.fuse_reason("alpha").empty());
        BOOST_TEST(host.unload_plugin("alpha"));
        BOOST_TEST(host.fuse_reason("alpha").empty());
        host.apply_config(d.config({{"alpha", 0}}));
        BOOST_TEST(alpha->opens() == 2);
        BOOST_TEST(alpha->registers() == 2);
        BOOST_TEST(host.plugin_registered("alpha"));
    }
    // (b) fused, then shutdown_all: fused for good.
    {
        fake_directory d;
        auto alpha = d.add("alpha", router("alpha"));
        plugin_host host(d.options());
        host.apply_config(d.config({{"alpha", 0}}));
        alpha->panic_on_reconfigure = true;
        host.apply_config(d.config({{"alpha", 0}}));
        alpha->panic_on_reconfigure = false;
        host.shutdown_all();
        host.apply_config(d.config({{"alpha", 0}}));
        BOOST_TEST(alpha->opens() == 1);
        BOOST_TEST(!host.plugin_registered("alpha"));
        BOOST_TEST(!host.unload_plugin("alpha"));
        BOOST_TEST(!host.fuse_reason("alpha").empty());
        d.add_file("alpha-v1.0.5.so"); // a new build does not help: nothing loaded to replace
        host.apply_config(d.config({{"alpha", 0}}));
        BOOST_TEST(alpha->opens() == 1);
        BOOST_TEST(!host.plugin_registered("alpha"));
    }
}

BOOST_AUTO_TEST_CASE(FUSE_10_a_new_build_clears_the_fuse) {
    fake_directory d;
    auto alpha = d.add("alpha", router("alpha"), false);
    d.add_file("alpha-v1.0.4.so");
    auto options = d.options();
    options.delete_stale_files = false;
    plugin_host host(options);
    host.apply_config(d.config({{"alpha", 0}}));
    alpha->panic_on_reconfigure = true;
    host.apply_config(d.config({{"alpha", 0}}));
    alpha->panic_on_reconfigure = false;
    BOOST_TEST(!host.fuse_reason("alpha").empty());
    d.add_file("alpha-v1.0.5.so");
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.fuse_reason("alpha").empty());
    BOOST_TEST(alpha->opens() == 2);
    BOOST_TEST(alpha->registers() == 2);
    BOOST_TEST_REQUIRE(host.current()->records.size() == 1U);
    BOOST_TEST(host.current()->records[0].version == "1.0.5");
}

BOOST_AUTO_TEST_CASE(FUSE_06_executor_panic_fuses_and_later_calls_are_unavailable) {
    fake_directory d;
    auto exec = d.add("alpha", registration("alpha", [](auto& c) {
                          c.executor = true;
                          c.executor_input_formats = {"openai"};
                          c.executor_output_formats = {"openai"};
                      }));
    exec->on(plugin_methods::executor_execute,
             [](const cpa::executor_request&) -> cpa::executor_response {
                 throw std::runtime_error("executor exploded");
             });
    exec->on(plugin_methods::executor_count_tokens,
             [](const cpa::executor_request&) { return cpa::executor_response{}; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    try {
        (void)host.execute("alpha", {});
        BOOST_FAIL("a panicking executor answered");
    } catch (const cpa::call_error& e) {
        BOOST_TEST(std::string(e.what()).find("panic") != std::string::npos, e.what());
    }
    BOOST_TEST(host.fuse_reason("alpha") == "executor.execute panic: executor exploded");
    try {
        (void)host.count_tokens("alpha", {});
        BOOST_FAIL("a fused executor was called");
    } catch (const cpa::call_error& e) {
        BOOST_TEST(std::string(e.what()) == "plugin executor alpha is unavailable");
    }
    BOOST_TEST(exec->calls(method_id::executor_execute) == 1);
    BOOST_TEST(exec->calls(method_id::executor_count_tokens) == 0);
}

BOOST_AUTO_TEST_CASE(FUSE_07_fused_interceptors_stop_counting) {
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", [](auto& c) {
                           c.request_interceptor = true;
                           c.stream_chunk_interceptor = true;
                       }));
    alpha->on(plugin_methods::request_intercept_before,
              [](const cpa::request_intercept_request&) -> cpa::request_intercept_response {
                  throw std::runtime_error("interceptor exploded");
              });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    BOOST_TEST(host.has_request_interceptors());
    BOOST_TEST(host.has_stream_interceptors());
    cpa::request_intercept_request request;
    request.body = cpa::bytes("original");
    const auto result = host.intercept_request_before(request);
    BOOST_TEST(!result.terminated);
    BOOST_TEST(result.body.view() == "original");
    BOOST_TEST(!host.has_request_interceptors());
    BOOST_TEST(!host.has_stream_interceptors());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model_routing)

BOOST_AUTO_TEST_CASE(RT_01_highest_priority_router_wins) {
    fake_directory d;
    auto low = with_identifier(d.add("low", router_executor("low")), "low");
    auto high_answer = router_executor("high");
    high_answer.metadata.name = "High Router";
    auto high = with_identifier(d.add("high", high_answer), "high");
    std::string seen_name;
    low->on(plugin_methods::model_route,
            [](const model_route_request&) { return decide(route_target_kind::self); });
    high->on(plugin_methods::model_route, [&](const model_route_request& r) {
        seen_name = r.plugin.name;
        return decide(route_target_kind::self, {}, "match");
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"low", 1}, {"high", 10}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "high");
    BOOST_TEST(result.decision->reason == "match");
    BOOST_TEST(low->calls(method_id::model_route) == 0);
    BOOST_TEST(seen_name == "High Router");
}

BOOST_AUTO_TEST_CASE(RT_02_declined_falls_through) {
    fake_directory d;
    auto high = with_identifier(d.add("high", router_executor("high")), "high");
    auto low = with_identifier(d.add("low", router_executor("low")), "low");
    high->on(plugin_methods::model_route,
             [](const model_route_request&) { return model_route_response{}; });
    low->on(plugin_methods::model_route,
            [](const model_route_request&) { return decide(route_target_kind::self); });
    plugin_host host(d.options());
    host.apply_config(d.config({{"low", 1}, {"high", 10}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "low");
    BOOST_TEST(low->calls(method_id::model_route) == 1);
}

BOOST_AUTO_TEST_CASE(RT_03_executor_target_on_another_plugin) {
    fake_directory d;
    auto r = d.add("router", router("router"));
    auto exec =
        with_identifier(d.add("executor", registration("executor",
                                                       [](auto& c) {
                                                           c.executor = true;
                                                           c.executor_input_formats = {"openai"};
                                                           c.executor_output_formats = {"openai"};
                                                       })),
                        "executor");
    std::string seen_id;
    r->on(plugin_methods::model_route, [&](const model_route_request& q) {
        seen_id = q.plugin_id;
        return decide(route_target_kind::executor, "executor");
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"router", 10}, {"executor", 0}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "executor");
    BOOST_TEST(seen_id == "router");
}

BOOST_AUTO_TEST_CASE(RT_04_unready_targets_fall_through) {
    fake_directory d;
    auto missing = d.add("missing-target", router("missing-target"));
    auto no_exec = d.add("no-executor", router("no-executor"));
    auto fallback = with_identifier(d.add("fallback", router_executor("fallback")), "fallback");
    missing->on(plugin_methods::model_route, [](const model_route_request&) {
        return decide(route_target_kind::executor, "missing");
    });
    no_exec->on(plugin_methods::model_route,
                [](const model_route_request&) { return decide(route_target_kind::self); });
    fallback->on(plugin_methods::model_route,
                 [](const model_route_request&) { return decide(route_target_kind::self); });
    plugin_host host(d.options());
    host.apply_config(d.config({{"missing-target", 20}, {"no-executor", 10}, {"fallback", 1}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "fallback");
    BOOST_TEST(missing->calls(method_id::model_route) == 1);
    BOOST_TEST(no_exec->calls(method_id::model_route) == 1);
    BOOST_TEST(fallback->calls(method_id::model_route) == 1);
    BOOST_TEST(result.trail.size() == 3U);
}

BOOST_AUTO_TEST_CASE(RT_05_panic_and_error_fall_through_and_panic_fuses) {
    fake_directory d;
    auto panic = d.add("panic", router("panic"));
    auto error = d.add("error", router("error"));
    auto fallback = with_identifier(d.add("fallback", router_executor("fallback")), "fallback");
    panic->on(plugin_methods::model_route, [](const model_route_request&) -> model_route_response {
        throw std::runtime_error("router exploded");
    });
    error->on(plugin_methods::model_route, [](const model_route_request&) -> model_route_response {
        throw cpa::call_error("router failed");
    });
    fallback->on(plugin_methods::model_route,
                 [](const model_route_request&) { return decide(route_target_kind::self); });
    plugin_host host(d.options());
    host.apply_config(d.config({{"panic", 20}, {"error", 10}, {"fallback", 1}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "fallback");
    BOOST_TEST(host.fuse_reason("panic") == "model.route panic: router exploded");
    BOOST_TEST(host.fuse_reason("error").empty());
    host.route_model(openai_request());
    BOOST_TEST(panic->calls(method_id::model_route) == 1); // fused: not asked again
    BOOST_TEST(error->calls(method_id::model_route) == 2);
}

BOOST_AUTO_TEST_CASE(RT_06_has_model_routers_except) {
    fake_directory d;
    d.add("router", router("router"));
    d.add("other", registration("other", [](auto& c) { c.request_interceptor = true; }));
    plugin_host host(d.options());
    host.apply_config(d.config({{"router", 0}, {"other", 0}}));
    BOOST_TEST(host.has_model_routers());
    BOOST_TEST(!host.has_model_routers("router"));
}

BOOST_AUTO_TEST_CASE(RT_07_routers_get_a_copy_of_the_metadata) {
    fake_directory d;
    auto answer = router_executor("alpha");
    answer.metadata.config_fields = {{"mode", "enum", {"a", "b"}, "how"}};
    auto alpha = with_identifier(d.add("alpha", answer), "alpha");
    alpha->on(plugin_methods::model_route, [](const model_route_request& r) {
        auto copy = r; // a plugin can only ever change its own copy
        copy.plugin.config_fields[0].name = "changed";
        copy.plugin.config_fields[0].enum_values.push_back("c");
        return decide(route_target_kind::self);
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    host.route_model(openai_request());
    const auto& fields = host.current()->records[0].metadata.config_fields;
    BOOST_TEST_REQUIRE(fields.size() == 1U);
    BOOST_TEST(fields[0].name == "mode");
    BOOST_TEST(fields[0].enum_values.size() == 2U);
}

BOOST_AUTO_TEST_CASE(RT_08_route_except_skips_the_origin) {
    fake_directory d;
    auto origin = with_identifier(d.add("origin", router_executor("origin")), "origin");
    auto other = with_identifier(d.add("other", router_executor("other")), "other");
    origin->on(plugin_methods::model_route,
               [](const model_route_request&) { return decide(route_target_kind::self); });
    other->on(plugin_methods::model_route,
              [](const model_route_request&) { return decide(route_target_kind::self); });
    plugin_host host(d.options());
    host.apply_config(d.config({{"origin", 10}, {"other", 1}}));
    const auto result = host.route_model(openai_request(), "origin");
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "other");
    BOOST_TEST(origin->calls(method_id::model_route) == 0);
}

BOOST_AUTO_TEST_CASE(RT_09_provider_target_with_credentials) {
    fake_directory d;
    auto r = d.add("router", router("router"));
    r->on(plugin_methods::model_route, [](const model_route_request&) {
        auto decision = decide(route_target_kind::provider, "claude");
        decision.target_model = "claude-sonnet-4";
        return decision;
    });
    plugin_host host(d.options());
    host.set_available_providers({"claude"});
    host.apply_config(d.config({{"router", 0}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST((result.decision->target_kind == route_target_kind::provider));
    BOOST_TEST(result.decision->target == "claude");
    BOOST_TEST(result.decision->target_model == "claude-sonnet-4");
}

BOOST_AUTO_TEST_CASE(RT_10_RT_11_unknown_provider_and_invalid_kinds_fall_through) {
    fake_directory d;
    auto provider = d.add("provider", router("provider"));
    auto both = d.add("both", router("both"));
    auto empty = d.add("empty", router("empty"));
    auto fallback = with_identifier(d.add("fallback", router_executor("fallback")), "fallback");
    provider->on(plugin_methods::model_route, [](const model_route_request&) {
        return decide(route_target_kind::provider, "unknown-provider");
    });
    both->on(plugin_methods::model_route,
             [](const model_route_request&) { return decide(route_target_kind::invalid, "x"); });
    empty->on(plugin_methods::model_route,
              [](const model_route_request&) { return decide(route_target_kind::unset); });
    fallback->on(plugin_methods::model_route,
                 [](const model_route_request&) { return decide(route_target_kind::self); });
    plugin_host host(d.options());
    host.apply_config(d.config({{"provider", 30}, {"both", 20}, {"empty", 10}, {"fallback", 1}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "fallback");
    BOOST_TEST(result.trail.size() == 4U);
}

BOOST_AUTO_TEST_CASE(RT_12_available_providers_are_sorted_unique_lower_case) {
    fake_directory d;
    auto r = d.add("router", router("router"));
    std::vector<std::string> seen;
    r->on(plugin_methods::model_route, [&](const model_route_request& q) {
        seen = q.available_providers;
        return model_route_response{};
    });
    plugin_host host(d.options());
    host.set_available_providers({"gemini", "claude"});
    host.apply_config(d.config({{"router", 0}}));
    host.route_model(openai_request());
    BOOST_TEST((seen == std::vector<std::string>{"claude", "gemini"}));
    host.set_available_providers({"Claude", "codex", "claude"});
    BOOST_TEST((host.available_providers() == std::vector<std::string>{"claude", "codex"}));
}

BOOST_AUTO_TEST_CASE(RT_13_unready_self_executors_are_skipped) {
    fake_directory d;
    auto no_id = with_identifier(d.add("no-id", router_executor("no-id")), "  ");
    auto no_formats_answer = router_executor("no-formats");
    no_formats_answer.capabilities.executor_input_formats.clear();
    no_formats_answer.capabilities.executor_output_formats.clear();
    auto no_formats = with_identifier(d.add("no-formats", no_formats_answer), "no-formats");
    auto oauth = with_identifier(
        d.add("oauth", router_executor("oauth", cpa::executor_model_scope::oauth)), "oauth");
    auto fallback = with_identifier(d.add("fallback", router_executor("fallback")), "fallback");
    for (const auto& p : {no_id, no_formats, oauth, fallback}) {
        p->on(plugin_methods::model_route,
              [](const model_route_request&) { return decide(route_target_kind::self); });
    }
    plugin_host host(d.options());
    host.apply_config(
        d.config({{"no-id", 40}, {"no-formats", 30}, {"oauth", 20}, {"fallback", 1}}));
    const auto result = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(result.decision.has_value());
    BOOST_TEST(result.decision->target == "fallback");
    BOOST_TEST(no_id->calls(method_id::model_route) == 1);
    BOOST_TEST(no_formats->calls(method_id::model_route) == 1);
    BOOST_TEST(oauth->calls(method_id::model_route) == 1);
}

BOOST_AUTO_TEST_CASE(RT_14_targets_are_normalised) {
    fake_directory d;
    auto self = with_identifier(d.add("self", router_executor("self")), "self");
    self->on(plugin_methods::model_route, [](const model_route_request&) {
        return decide(route_target_kind::self, "someone-else");
    });
    auto provider = d.add("provider", router("provider"));
    provider->on(plugin_methods::model_route, [](const model_route_request&) {
        return decide(route_target_kind::provider, " CLAUDE ");
    });
    auto exec = d.add("exec-router", router("exec-router"));
    exec->on(plugin_methods::model_route, [](const model_route_request&) {
        return decide(route_target_kind::executor, " Exec ");
    });
    with_identifier(d.add("Exec", registration("Exec",
                                               [](auto& c) {
                                                   c.executor = true;
                                                   c.executor_input_formats = {"openai"};
                                                   c.executor_output_formats = {"openai"};
                                               })),
                    "exec");
    plugin_host host(d.options());
    host.set_available_providers({"claude"});

    host.apply_config(d.config({{"self", 0}}));
    auto r = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(r.decision.has_value());
    BOOST_TEST(r.decision->target == "self");

    host.apply_config(d.config({{"provider", 0}}));
    r = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(r.decision.has_value());
    BOOST_TEST(r.decision->target == "claude");

    host.apply_config(d.config({{"exec-router", 0}, {"Exec", 0}}));
    r = host.route_model(openai_request());
    BOOST_TEST_REQUIRE(r.decision.has_value());
    BOOST_TEST(r.decision->target == "Exec");
}

BOOST_AUTO_TEST_SUITE_END()
