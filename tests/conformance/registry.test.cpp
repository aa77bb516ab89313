// Conformance catalogue: executor registration (8.12) and model registration, auth providers,
// thinking appliers and usage subscribers (8.13), through the registries of <cpa/host/registry.hpp>
// over scripted plugins.
#include "support/fake_plugin.hpp"

#include <cpa/host/registry.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <mutex>

using namespace cpa_test;
using cpa::model_info;
using cpa::model_response;

namespace {

model_info model(std::string id) {
    model_info m;
    m.id = std::move(id);
    return m;
}

model_response models(std::string provider, std::vector<std::string> ids) {
    model_response r;
    r.provider = std::move(provider);
    for (auto& id : ids) {
        r.models.push_back(model(std::move(id)));
    }
    return r;
}

/// An executor (openai/openai) with the given scope, plus whatever `more` sets.
cpa::register_response executor_plugin(
    std::string name,
    const std::function<void(cpa::capabilities&)>& more = [](cpa::capabilities&) {},
    cpa::executor_model_scope scope = cpa::executor_model_scope::both) {
    return registration(std::move(name), [&](cpa::capabilities& c) {
        c.executor = true;
        c.executor_model_scope = scope;
        c.executor_input_formats = {"openai"};
        c.executor_output_formats = {"openai"};
        more(c);
    });
}

void identifier(fake_plugin& p, std::string id) {
    p.on(plugin_methods::executor_identifier,
         [id](const cpa::empty_message&) { return cpa::identifier_response{id}; });
}

void registers(fake_plugin& p, model_response answer) {
    p.on(plugin_methods::model_register,
         [answer](const cpa::model_register_request&) { return answer; });
}

void registrar(cpa::capabilities& c) {
    c.model_registrar = true;
}

std::vector<std::string> ids_of(const std::vector<model_info>& list) {
    std::vector<std::string> out;
    for (const auto& m : list) {
        out.push_back(m.id);
    }
    return out;
}

/// The provider keys served by plugin executors, with their owners.
std::map<std::string, std::string> plugin_executors(const model_registry& r) {
    std::map<std::string, std::string> out;
    for (const auto& [provider, owner] : r.executors) {
        if (!owner.native) {
            out[provider] = owner.plugin_id;
        }
    }
    return out;
}

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

cpa::register_response auth_plugin(std::string name) {
    return registration(std::move(name), [](cpa::capabilities& c) { c.auth_provider = true; });
}

void auth_identifier(fake_plugin& p, std::string id) {
    p.on(plugin_methods::auth_identifier,
         [id](const cpa::empty_message&) { return cpa::identifier_response{id}; });
}

} // namespace

BOOST_AUTO_TEST_SUITE(executors)

BOOST_AUTO_TEST_CASE(EXE_06_native_executor_is_kept_and_extended) {
    fake_directory d;
    auto alpha = d.add("alpha", executor_plugin("alpha", registrar));
    identifier(*alpha, "provider");
    registers(*alpha, models("provider", {"plugin-model"}));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.models.add_native_executor("provider", {model("native-model")});
    reg.sync();

    const auto r = reg.models.registry();
    BOOST_TEST_REQUIRE(r.executors.count("provider") == 1U);
    BOOST_TEST(r.executors.at("provider").native);
    BOOST_TEST(plugin_executors(r).empty());
    BOOST_TEST(!r.clients.contains("plugin:alpha:provider:executor"));
    BOOST_TEST(ids_of(reg.models.models_for_provider("provider")) ==
                   std::vector<std::string>{"plugin-model"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(EXE_07_one_executor_per_provider_key_highest_priority_wins) {
    fake_directory d;
    auto low = d.add("low", executor_plugin("low"));
    auto high = d.add("high", executor_plugin("high"));
    identifier(*low, "shared");
    identifier(*high, "shared");
    plugin_host host(d.options());
    host.apply_config(d.config({{"low", 10}, {"high", 20}}));
    plugin_registries reg(host);
    reg.sync();

    const auto owners = plugin_executors(reg.models.registry());
    BOOST_TEST(owners.size() == 1U);
    BOOST_TEST(owners.at("shared") == "high");
}

BOOST_AUTO_TEST_CASE(EXE_08_models_go_to_the_highest_priority_claimant) {
    fake_directory d;
    auto low = d.add("low", executor_plugin("low", registrar));
    auto high = d.add("high", executor_plugin("high", registrar));
    identifier(*low, "low-provider");
    identifier(*high, "high-provider");
    registers(*low, models("low-provider", {"shared-model"}));
    registers(*high, models("high-provider", {"shared-model"}));
    // A model a native provider serves is not taken by a plugin executor.
    auto gamma = d.add("gamma", executor_plugin("gamma", registrar));
    identifier(*gamma, "gamma-provider");
    registers(*gamma, models("gamma-provider", {"native-model"}));
    plugin_host host(d.options());
    host.apply_config(d.config({{"low", 10}, {"high", 20}, {"gamma", 5}}));
    plugin_registries reg(host);
    reg.models.add_native_executor("native", {model("native-model")});
    reg.sync();

    const auto r = reg.models.registry();
    const auto owners = plugin_executors(r);
    BOOST_TEST(owners.size() == 1U);
    BOOST_TEST(owners.count("high-provider") == 1U);
    BOOST_TEST(owners.count("low-provider") == 0U);
    BOOST_TEST(owners.count("gamma-provider") == 0U);
    BOOST_TEST(reg.models.models_for_provider("low-provider").empty());
    BOOST_TEST(ids_of(reg.models.models_for_provider("high-provider")) ==
                   std::vector<std::string>{"shared-model"},
               boost::test_tools::per_element());
    BOOST_TEST(reg.models.models_for_provider("gamma-provider").empty());
    BOOST_TEST(r.clients.contains("plugin:high:high-provider:executor"));
    BOOST_TEST(!r.clients.contains("plugin:low:low-provider:executor"));
}

BOOST_AUTO_TEST_CASE(EXE_09_registered_provider_overrides_the_identifier) {
    fake_directory d;
    auto alpha = d.add("alpha", executor_plugin("alpha", registrar));
    identifier(*alpha, "fallback-provider");
    registers(*alpha, models("plugin-provider", {"plugin-model"}));
    auto beta = d.add("beta", executor_plugin("beta"));
    identifier(*beta, "  FallbackProvider  ");
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}, {"beta", 0}}));
    plugin_registries reg(host);
    reg.sync();

    const auto r = reg.models.registry();
    const auto owners = plugin_executors(r);
    BOOST_TEST(owners.size() == 2U);
    BOOST_TEST(owners.at("plugin-provider") == "alpha");
    BOOST_TEST(owners.count("fallback-provider") == 0U);
    BOOST_TEST(owners.at("fallbackprovider") == "beta");
    BOOST_TEST(reg.models.model_provider("alpha") == "plugin-provider");
    BOOST_TEST_REQUIRE(r.clients.count("plugin:alpha:plugin-provider:executor") == 1U);
    BOOST_TEST(r.clients.at("plugin:alpha:plugin-provider:executor").provider == "plugin-provider");
    BOOST_TEST(r.providers_for_model("plugin-model") == std::vector<std::string>{"plugin-provider"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(EXE_10_model_scope_static_oauth_both) {
    fake_directory d;
    const auto provider_plugin = [&](const std::string& id, const std::string& provider,
                                     cpa::executor_model_scope scope) {
        auto p = d.add(id, executor_plugin(
                               id, [](cpa::capabilities& c) { c.model_provider = true; }, scope));
        identifier(*p, provider);
        p->on(plugin_methods::model_static, [provider](const cpa::model_static_request&) {
            return models(provider, {provider + "-static"});
        });
        p->on(plugin_methods::model_for_auth, [provider](const cpa::model_for_auth_request&) {
            return models(provider, {provider + "-oauth"});
        });
        return p;
    };
    auto oauth = provider_plugin("o", "oauth-prov", cpa::executor_model_scope::oauth);
    auto stat = provider_plugin("s", "static-prov", cpa::executor_model_scope::static_only);
    auto both = provider_plugin("b", "both-prov", cpa::executor_model_scope::both);
    plugin_host host(d.options());
    host.apply_config(d.config({{"o", 0}, {"s", 0}, {"b", 0}}));
    plugin_registries reg(host);
    reg.sync();
    const auto r = reg.models.registry();
    const auto owners = plugin_executors(r);
    const auto auth_of = [](std::string provider) {
        auth_record a;
        a.id = "auth-1";
        a.provider = std::move(provider);
        return a;
    };

    // oauth: never asked for static models, executor registered, no static client.
    BOOST_TEST(oauth->calls(method_id::model_static) == 0);
    BOOST_TEST(owners.at("oauth-prov") == "o");
    BOOST_TEST(!r.clients.contains("plugin:o:oauth-prov:executor"));
    BOOST_TEST(!r.clients.contains("plugin:o:oauth-prov"));
    const auto o = reg.models.models_for_auth(auth_of("oauth-prov"));
    BOOST_TEST(o.handled);
    BOOST_TEST(!o.error);
    BOOST_TEST(o.provider == "oauth-prov");
    BOOST_TEST(ids_of(o.models) == std::vector<std::string>{"oauth-prov-oauth"},
               boost::test_tools::per_element());

    // static: a static client; per-auth models are not asked for.
    BOOST_TEST(r.clients.contains("plugin:s:static-prov:executor"));
    BOOST_TEST(owners.at("static-prov") == "s");
    const auto s = reg.models.models_for_auth(auth_of("static-prov"));
    BOOST_TEST(!s.handled);
    BOOST_TEST(stat->calls(method_id::model_for_auth) == 0);

    // both: both.
    BOOST_TEST(both->calls(method_id::model_static) == 1);
    BOOST_TEST(r.clients.contains("plugin:b:both-prov:executor"));
    const auto b = reg.models.models_for_auth(auth_of(" Both-Prov "));
    BOOST_TEST(b.handled);
    BOOST_TEST(ids_of(b.models) == std::vector<std::string>{"both-prov-oauth"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(EXE_11_provider_moves_foreign_owner_and_snapshot_change) {
    fake_directory d;
    auto provider = std::make_shared<std::string>("provider-a");
    auto alpha = d.add("alpha", executor_plugin("alpha", registrar));
    alpha->on(plugin_methods::executor_identifier, [provider](const cpa::empty_message&) {
        return cpa::identifier_response{*provider};
    });
    alpha->on(plugin_methods::model_register, [provider](const cpa::model_register_request&) {
        return models(*provider, {"m-" + *provider});
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.sync();
    auto r = reg.models.registry();
    BOOST_TEST(plugin_executors(r).at("provider-a") == "alpha");
    BOOST_TEST(r.clients.contains("plugin:alpha:provider-a:executor"));

    // A -> B: A's executor and client go, B's come.
    *provider = "provider-b";
    host.apply_config(d.config({{"alpha", 0}}));
    reg.sync();
    r = reg.models.registry();
    BOOST_TEST(r.executors.count("provider-a") == 0U);
    BOOST_TEST(!r.clients.contains("plugin:alpha:provider-a:executor"));
    BOOST_TEST(plugin_executors(r).at("provider-b") == "alpha");
    BOOST_TEST(r.clients.contains("plugin:alpha:provider-b:executor"));

    // B now belongs to a foreign (native) executor: moving on to C leaves it alone.
    reg.models.add_native_executor("provider-b");
    *provider = "provider-c";
    host.apply_config(d.config({{"alpha", 0}}));
    reg.sync();
    r = reg.models.registry();
    BOOST_TEST_REQUIRE(r.executors.count("provider-b") == 1U);
    BOOST_TEST(r.executors.at("provider-b").native);
    BOOST_TEST(plugin_executors(r).at("provider-c") == "alpha");

    // The snapshot changes during the identifier call: nothing is committed.
    fake_directory d2;
    auto beta = d2.add("beta", executor_plugin("beta"));
    auto beta_id = std::make_shared<std::string>("provider-w");
    auto swap = std::make_shared<std::function<void()>>();
    beta->on(plugin_methods::executor_identifier, [beta_id, swap](const cpa::empty_message&) {
        if (*swap) {
            auto f = std::move(*swap);
            *swap = nullptr;
            f();
        }
        return cpa::identifier_response{*beta_id};
    });
    plugin_host host2(d2.options());
    host2.apply_config(d2.config({{"beta", 0}}));
    plugin_registries reg2(host2);
    reg2.sync();
    BOOST_TEST(plugin_executors(reg2.models.registry()).at("provider-w") == "beta");
    *beta_id = "provider-x";
    *swap = [&] { BOOST_TEST(host2.apply_config(d2.config({{"beta", 0}})).published); };
    BOOST_TEST(!reg2.models.register_executors());
    const auto owners = plugin_executors(reg2.models.registry());
    BOOST_TEST(owners.size() == 1U);
    BOOST_TEST(owners.at("provider-w") == "beta");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(other_capabilities)

BOOST_AUTO_TEST_CASE(OTH_01_registrar_models_are_normalised_and_copied) {
    fake_directory d;
    auto alpha = d.add(
        "alpha", registration("alpha", [](cpa::capabilities& c) { c.model_registrar = true; }));
    model_info full;
    full.id = " model-1 ";
    full.object = "model";
    full.created = 1700000000;
    full.owned_by = "tests";
    full.type = "chat";
    full.display_name = "Model One";
    full.name = "models/model-1";
    full.version = "001";
    full.description = "the first model";
    full.input_token_limit = 1000;
    full.output_token_limit = 2000;
    full.supported_generation_methods = {"generateContent"};
    full.context_length = 3000;
    full.max_completion_tokens = 4000;
    full.supported_parameters = {"temperature"};
    full.supported_input_modalities = {"text"};
    full.supported_output_modalities = {"text", "image"};
    full.thinking = cpa::thinking_support{1, 2, true, true, {"low", "high"}};
    full.user_defined = true;
    std::string seen_plugin;
    alpha->on(plugin_methods::model_register, [&](const cpa::model_register_request& rq) {
        seen_plugin = rq.plugin.name + "/" + rq.plugin.version;
        model_response r;
        r.provider = "  MixedProvider  ";
        r.models = {full};
        return r;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.sync();

    BOOST_TEST(seen_plugin == "alpha/1.0.0");
    const auto r = reg.models.registry();
    BOOST_TEST(r.clients.size() == 1U);
    BOOST_TEST_REQUIRE(r.clients.count("plugin:alpha:mixedprovider") == 1U);
    const auto& client = r.clients.at("plugin:alpha:mixedprovider");
    BOOST_TEST(client.provider == "mixedprovider");
    BOOST_TEST_REQUIRE(client.models.size() == 1U);
    const model_info& m = client.models[0];
    BOOST_TEST(m.id == "model-1");
    model_info expected = full;
    expected.id = "model-1";
    BOOST_TEST(cpa::to_json(m) == cpa::to_json(expected));
    BOOST_TEST(reg.models.model_provider("alpha") == "mixedprovider");
}

BOOST_AUTO_TEST_CASE(OTH_02_model_provider_wins_over_registrar) {
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", [](cpa::capabilities& c) {
                           c.model_registrar = true;
                           c.model_provider = true;
                       }));
    cpa::host_config_summary seen;
    alpha->on(plugin_methods::model_static, [&](const cpa::model_static_request& rq) {
        seen = rq.host;
        return models("plugin-provider", {"static-model"});
    });
    registers(*alpha, models("legacy-provider", {"legacy-model"}));
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    cpa::host_config_summary summary;
    summary.auth_dir = "/auths";
    summary.proxy_url = "http://proxy.invalid:8080";
    summary.force_model_prefix = true;
    summary.oauth_model_alias["gemini"] = {{"gemini-pro", "gp"}};
    summary.excluded_models["claude"] = {"claude-old"};
    reg.set_host_summary(summary);
    reg.sync();

    BOOST_TEST(alpha->calls(method_id::model_static) == 1);
    BOOST_TEST(alpha->calls(method_id::model_register) == 0);
    BOOST_TEST(cpa::to_json(seen) == cpa::to_json(summary));
    const auto r = reg.models.registry();
    BOOST_TEST(r.clients.contains("plugin:alpha:plugin-provider"));
    BOOST_TEST(!r.clients.contains("plugin:alpha:legacy-provider"));
    BOOST_TEST(r.clients.size() == 1U);
}

BOOST_AUTO_TEST_CASE(OTH_03_skipped_answers_stale_clients_and_snapshot_change) {
    {
        fake_directory d;
        const auto add = [&](const std::string& id,
                             std::function<model_response(const cpa::model_register_request&)> f) {
            auto p =
                d.add(id, registration(id, [](cpa::capabilities& c) { c.model_registrar = true; }));
            p->on(plugin_methods::model_register, std::move(f));
        };
        add("failing", [](const cpa::model_register_request&) -> model_response {
            throw cpa::call_error("registrar failed");
        });
        add("blank", [](const cpa::model_register_request&) { return models("   ", {"m"}); });
        add("empty", [](const cpa::model_register_request&) { return models("p", {}); });
        add("blank-ids", [](const cpa::model_register_request&) { return models("p", {" ", ""}); });
        plugin_host host(d.options());
        host.apply_config(d.config({{"failing", 0}, {"blank", 0}, {"empty", 0}, {"blank-ids", 0}}));
        plugin_registries reg(host);
        reg.sync();
        BOOST_TEST(reg.models.registry().clients.empty());
        BOOST_TEST(reg.models.model_provider("blank-ids").empty());
    }
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", registrar));
    registers(*alpha, models("alpha-provider", {"a"}));
    auto bravo = d.add("bravo", registration("bravo", registrar));
    auto swap = std::make_shared<std::function<void()>>();
    bravo->on(plugin_methods::model_register, [swap](const cpa::model_register_request&) {
        if (*swap) {
            auto f = std::move(*swap);
            *swap = nullptr;
            f();
        }
        return models("bravo-provider", {"b"});
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.sync();
    BOOST_TEST(reg.models.registry().clients.contains("plugin:alpha:alpha-provider"));

    // Snapshot replaced by one with bravo only: alpha's client goes, bravo's comes.
    host.apply_config(d.config({{"bravo", 0}}));
    reg.sync();
    auto r = reg.models.registry();
    BOOST_TEST(!r.clients.contains("plugin:alpha:alpha-provider"));
    BOOST_TEST(r.clients.contains("plugin:bravo:bravo-provider"));
    BOOST_TEST(reg.models.model_provider("alpha").empty());

    // The snapshot changes during the registrar call: nothing registered or unregistered.
    *swap = [&] { host.apply_config(d.config({{"alpha", 0}})); };
    BOOST_TEST(!reg.models.register_models());
    r = reg.models.registry();
    BOOST_TEST(r.clients.size() == 1U);
    BOOST_TEST(r.clients.contains("plugin:bravo:bravo-provider"));
    BOOST_TEST(reg.models.model_provider("bravo") == "bravo-provider");
    BOOST_TEST(reg.models.model_provider("alpha").empty());
}

BOOST_AUTO_TEST_CASE(OTH_04_auth_identifiers_in_chain_order) {
    fake_directory d;
    auto high = d.add("high", auth_plugin("high"));
    auto low = d.add("low", auth_plugin("low"));
    auth_identifier(*high, " High-Provider ");
    auth_identifier(*low, "low-provider");
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    auth_providers auths(host);
    BOOST_TEST(auths.identifiers() == (std::vector<std::string>{"high-provider", "low-provider"}),
               boost::test_tools::per_element());
    BOOST_TEST(auths.has(" HIGH-PROVIDER "));
    BOOST_TEST(auths.plugin_for("low-provider") == "low");
    BOOST_TEST(!auths.has("other"));
}

BOOST_AUTO_TEST_CASE(OTH_05_parse_auth_fills_the_provider) {
    fake_directory d;
    auto p = d.add("alpha", auth_plugin("alpha"));
    auth_identifier(*p, "Plugin-Provider");
    std::vector<cpa::auth_parse_request> seen;
    std::mutex m;
    p->on(plugin_methods::auth_parse, [&](const cpa::auth_parse_request& rq) {
        {
            std::lock_guard lock(m);
            seen.push_back(rq);
        }
        cpa::auth_parse_response r;
        r.handled = true;
        r.auth.storage_json = R"({"token":"t"})";
        if (rq.file_name == "two.json") {
            cpa::auth_data a;
            a.id = "first";
            cpa::auth_data b;
            b.id = "second";
            b.provider = "Other-Provider";
            r.auths = {a, b};
        }
        return r;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    auth_providers auths(host);
    cpa::host_config_summary summary;
    summary.auth_dir = "/auths";
    auths.set_host_summary(summary);

    cpa::auth_parse_request rq;
    rq.provider = "plugin-provider";
    rq.path = "/auths/sub/one.json";
    rq.file_name = "one.json";
    const auto one = auths.parse_auth(rq);
    BOOST_TEST(one.handled);
    BOOST_TEST(!one.error);
    BOOST_TEST_REQUIRE(one.value.has_value());
    BOOST_TEST(one.value->provider == "plugin-provider");
    BOOST_TEST(one.value->metadata.at("type").as_string() == "plugin-provider");
    BOOST_TEST(one.value->id == "sub/one.json");
    BOOST_TEST(one.value->attributes.at("path") == "/auths/sub/one.json");
    BOOST_TEST(one.value->attributes.at("source_backend") == "file");
    BOOST_TEST(one.value->active);
    const auto storage = boost::json::parse(storage_json(*one.value).view()).as_object();
    BOOST_TEST(storage.at("token").as_string() == "t");
    BOOST_TEST(storage.at("type").as_string() == "plugin-provider");
    BOOST_TEST_REQUIRE(seen.size() == 1U);
    BOOST_TEST(seen[0].host.auth_dir == "/auths"); // filled in: the request had none

    // No provider in the request: the plugin sees its own identifier, lowercased.
    cpa::auth_parse_request anon;
    anon.file_name = "two.json";
    const auto two = auths.parse_auths(anon);
    BOOST_TEST_REQUIRE(seen.size() == 2U);
    BOOST_TEST(seen[1].provider == "plugin-provider");
    BOOST_TEST(two.handled);
    BOOST_TEST_REQUIRE(two.value.size() == 2U);
    BOOST_TEST(two.value[0].id == "first");
    BOOST_TEST(two.value[0].provider == "plugin-provider");
    BOOST_TEST(two.value[1].id == "second");
    BOOST_TEST(two.value[1].provider == "other-provider");
    BOOST_TEST(two.value[1].attributes.at("source") == "two.json");
}

BOOST_AUTO_TEST_CASE(OTH_06_login_start_poll_and_refresh) {
    fake_directory d;
    auto p = d.add("alpha", auth_plugin("alpha"));
    auth_identifier(*p, "plugin-provider");
    cpa::auth_login_start_request start_seen;
    cpa::auth_login_poll_request poll_seen;
    cpa::auth_refresh_request refresh_seen;
    p->on(plugin_methods::auth_login_start, [&](const cpa::auth_login_start_request& rq) {
        start_seen = rq;
        cpa::auth_login_start_response r;
        r.url = "https://login.invalid/authorize";
        r.state = "state-1";
        return r;
    });
    p->on(plugin_methods::auth_login_poll, [&](const cpa::auth_login_poll_request& rq) {
        poll_seen = rq;
        cpa::auth_login_poll_response r;
        r.status = cpa::login_status::success;
        r.auth.id = "logged-in";
        return r;
    });
    p->on(plugin_methods::auth_refresh, [&](const cpa::auth_refresh_request& rq) {
        refresh_seen = rq;
        cpa::auth_refresh_response r;
        r.auth.metadata["token"] = "new";
        return r;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    auth_providers auths(host);
    cpa::host_config_summary summary;
    summary.auth_dir = "/auths";
    auths.set_host_summary(summary);

    const auto start = auths.start_login(" Plugin-Provider ", " https://base.invalid ");
    BOOST_TEST(start.handled);
    BOOST_TEST(!start.error);
    BOOST_TEST(start_seen.provider == "plugin-provider");
    BOOST_TEST(start_seen.base_url == "https://base.invalid");
    BOOST_TEST(start_seen.host.auth_dir == "/auths");
    BOOST_TEST(start.value.url == "https://login.invalid/authorize");
    BOOST_TEST(start.value.state == "state-1");
    // The plugin's HTTP client is the host's `host.http.do` callback.
    BOOST_TEST(p->services != nullptr);

    cpa::json_object meta;
    meta["verifier"] = "v";
    const auto poll = auths.poll_login("PLUGIN-PROVIDER", " state-1 ", meta);
    BOOST_TEST(poll.handled);
    BOOST_TEST(poll_seen.provider == "plugin-provider");
    BOOST_TEST(poll_seen.state == "state-1");
    BOOST_TEST(poll_seen.metadata.at("verifier").as_string() == "v");
    BOOST_TEST(poll_seen.host.auth_dir == "/auths");
    BOOST_TEST(poll.value.auth.id == "logged-in");

    BOOST_TEST(!auths.start_login("nobody", "").handled);

    auth_record old;
    old.id = "auth-1";
    old.provider = "plugin-provider";
    old.label = "label";
    old.index = "7";
    old.metadata["old"] = "value";
    old.created_at = cpa::timestamp::from_sys(std::chrono::sys_seconds{std::chrono::seconds{1000}});
    old.updated_at = cpa::timestamp::from_sys(std::chrono::sys_seconds{std::chrono::seconds{2000}});
    const auto refreshed = auths.refresh_auth(old);
    BOOST_TEST(refreshed.handled);
    BOOST_TEST(!refreshed.error);
    BOOST_TEST(refresh_seen.auth_id == "auth-1");
    BOOST_TEST(refresh_seen.metadata.at("old").as_string() == "value");
    BOOST_TEST_REQUIRE(refreshed.value.has_value());
    BOOST_TEST(refreshed.value->index == "7");
    BOOST_TEST(refreshed.value->id == "auth-1");
    BOOST_TEST(refreshed.value->label == "label");
    BOOST_TEST(refreshed.value->metadata.at("token").as_string() == "new");
    BOOST_TEST(refreshed.value->created_at.unix_seconds == old.created_at.unix_seconds);
    BOOST_TEST(refreshed.value->updated_at.unix_seconds == old.updated_at.unix_seconds);
}

BOOST_AUTO_TEST_CASE(OTH_17_usage_subscribers_and_thinking_applier) {
    fake_directory d;
    auto usage =
        d.add("usage", registration("usage", [](auto& c) { c.usage_plugin = true; }), false);
    d.add_file("usage-v1.0.0.so");
    std::mutex m;
    std::vector<bool> generates;
    usage->on(plugin_methods::usage_handle, [&](const cpa::usage_record& r) {
        std::lock_guard lock(m);
        generates.push_back(r.generate);
        return cpa::empty_message{};
    });
    auto thinker =
        d.add("thinker", registration("thinker", [](auto& c) { c.thinking_applier = true; }));
    thinker->on(plugin_methods::thinking_identifier, [](const cpa::empty_message&) {
        return cpa::identifier_response{" Plugin-Thinking "};
    });
    thinker->on(plugin_methods::thinking_apply, [](const cpa::thinking_apply_request& rq) {
        // `<model>(<budget>)`: the budget from the suffix goes into the body.
        const auto open = rq.model.id.rfind('(');
        cpa::payload_response r;
        if (open != std::string::npos && rq.model.id.back() == ')') {
            r.body = R"({"thinking_budget":)" +
                     rq.model.id.substr(open + 1, rq.model.id.size() - open - 2) + "}";
        }
        return r;
    });
    auto native =
        d.add("native", registration("native", [](auto& c) { c.thinking_applier = true; }));
    native->on(plugin_methods::thinking_identifier,
               [](const cpa::empty_message&) { return cpa::identifier_response{"Claude"}; });
    auto options = d.options();
    options.delete_stale_files = false;
    plugin_host host(options);
    host.apply_config(d.config({{"usage", 0}, {"thinker", 0}, {"native", 0}}));
    plugin_registries reg(host, {"claude"});
    reg.sync();
    BOOST_TEST(reg.usage.names() == std::vector<std::string>{"plugin:usage"},
               boost::test_tools::per_element());

    // Generate: unknown -> true, explicit false stays.
    usage_event unknown;
    usage_event explicit_false;
    explicit_false.generate = false;
    reg.usage.publish(unknown);
    reg.usage.publish(explicit_false);
    reg.usage.drain();
    {
        std::lock_guard lock(m);
        BOOST_TEST(generates == (std::vector<bool>{true, false}), boost::test_tools::per_element());
    }

    // A new build of the plugin: the subscriber reaches the new record.
    d.add_file("usage-v2.0.0.so");
    host.apply_config(d.config({{"usage", 0}, {"thinker", 0}, {"native", 0}}));
    BOOST_TEST_REQUIRE(host.current()->records.size() == 3U);
    BOOST_TEST(host.find(*host.current(), "usage")->version == "2.0.0");
    reg.usage.publish(unknown);
    reg.usage.drain();
    {
        std::lock_guard lock(m);
        BOOST_TEST(generates.size() == 3U);
    }
    // The capability removed: the subscriber stays and calls nothing.
    host.apply_config(d.config({{"thinker", 0}, {"native", 0}}));
    reg.sync();
    reg.usage.publish(unknown);
    reg.usage.drain();
    {
        std::lock_guard lock(m);
        BOOST_TEST(generates.size() == 3U);
    }
    BOOST_TEST(reg.usage.names() == std::vector<std::string>{"plugin:usage"},
               boost::test_tools::per_element());

    // The same name twice: one dispatch, to the second subscriber.
    int first = 0;
    int second = 0;
    reg.usage.subscribe("twice", [&](const cpa::usage_record&) { ++first; });
    reg.usage.subscribe("twice", [&](const cpa::usage_record&) { ++second; });
    reg.usage.publish(unknown);
    reg.usage.drain();
    BOOST_TEST(first == 0);
    BOOST_TEST(second == 1);

    // Thinking: the applier rewrites the body; a native name is not taken.
    const auto providers = reg.thinking.providers();
    BOOST_TEST(providers.size() == 1U);
    BOOST_TEST(providers.at("plugin-thinking").plugin_id == "thinker");
    BOOST_TEST(!reg.thinking.has("claude"));
    cpa::thinking_apply_request rq;
    rq.provider = "plugin-thinking";
    rq.model.id = "model(10240)";
    rq.config.mode = cpa::thinking_mode::budget;
    rq.config.budget = 10240;
    rq.body = R"({"model":"model"})";
    const auto body = boost::json::parse(reg.thinking.apply(rq).view()).as_object();
    BOOST_TEST(body.at("thinking_budget").as_int64() == 10240);
    // An empty answer keeps the original body.
    rq.model.id = "model";
    BOOST_TEST(text(reg.thinking.apply(rq)) == R"({"model":"model"})");
    // A panic keeps it too, fuses the applier and drops its provider.
    thinker->on(plugin_methods::thinking_apply,
                [](const cpa::thinking_apply_request&) -> cpa::payload_response {
                    throw std::runtime_error("thinking boom");
                });
    BOOST_TEST(text(reg.thinking.apply(rq)) == R"({"model":"model"})");
    BOOST_TEST(!host.fuse_reason("thinker").empty());
    BOOST_TEST(!reg.thinking.has("plugin-thinking"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(FUSE_02_a_panicking_model_registrar_is_fused_and_registers_nothing) {
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", registrar));
    alpha->on(plugin_methods::model_register,
              [](const cpa::model_register_request&) -> model_response {
                  throw std::runtime_error("registrar exploded");
              });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.models.register_models();
    reg.models.register_models();
    BOOST_TEST(alpha->calls(method_id::model_register) == 1);
    BOOST_TEST(host.fuse_reason("alpha").find("registrar exploded") != std::string::npos);
    BOOST_TEST(reg.models.registry().clients.empty());
}

BOOST_AUTO_TEST_CASE(FUSE_03_a_panicking_executor_identifier_is_fused_and_not_registered) {
    fake_directory d;
    auto alpha = d.add("alpha", executor_plugin("alpha"));
    alpha->on(plugin_methods::executor_identifier,
              [](const cpa::empty_message&) -> cpa::identifier_response {
                  throw std::runtime_error("identifier exploded");
              });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 0}}));
    plugin_registries reg(host);
    reg.sync();
    BOOST_TEST(!host.fuse_reason("alpha").empty());
    BOOST_TEST(reg.models.registry().executors.empty());
}
