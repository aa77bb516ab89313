// Conformance catalogue: frontend auth, scheduler, translators and normalizers, command line and
// management routes (8.13 OTH-07..16, 18..20) and their fusing cases (8.7 FUSE-04, 05, 08), over
// scripted plugins and `cpa/host/services.hpp`.
#include "support/fake_plugin.hpp"

#include <cpa/host/registry.hpp>
#include <cpa/host/services.hpp>

#include <boost/test/unit_test.hpp>

using namespace cpa_test;
using cpa::payload_response;
using cpa::request_transform_request;
using cpa::response_transform_request;
using cpa::scheduler_pick_request;
using cpa::scheduler_pick_response;

namespace {

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

/// A frontend auth plugin with the given identifier and `Authenticate` handler.
std::shared_ptr<fake_plugin> auth_plugin(
    fake_directory& d, const std::string& id, bool exclusive,
    std::string identifier = "custom-auth",
    std::function<cpa::frontend_auth_response(const cpa::frontend_auth_request&)> auth = nullptr) {
    auto p = d.add(id, registration(id, [exclusive](cpa::capabilities& c) {
                       c.frontend_auth_provider = true;
                       c.frontend_auth_provider_exclusive = exclusive;
                   }));
    p->on(plugin_methods::frontend_auth_identifier,
          [identifier](const cpa::empty_message&) { return cpa::identifier_response{identifier}; });
    if (!auth) {
        auth = [](const cpa::frontend_auth_request&) { return cpa::frontend_auth_response{}; };
    }
    p->on(plugin_methods::frontend_auth_authenticate, std::move(auth));
    return p;
}

std::shared_ptr<fake_plugin> scheduler_plugin(fake_directory& d, const std::string& id) {
    return d.add(id, registration(id, [](cpa::capabilities& c) { c.scheduler = true; }));
}

scheduler_pick_request pick_request() {
    scheduler_pick_request r;
    r.provider = "openai";
    r.providers = {"openai", "codex"};
    r.model = "gpt-5";
    r.stream = true;
    r.options.headers = {{"X-Test", {"one", "two"}}};
    r.options.metadata["keep"] = "value";
    cpa::scheduler_candidate a;
    a.id = "auth-1";
    a.provider = "openai";
    a.priority = 10;
    a.status = cpa::auth_status::active;
    a.attributes = {{"region", "us"}};
    cpa::scheduler_candidate b = a;
    b.id = "auth-high";
    b.provider = "codex";
    b.priority = 20;
    b.attributes = {{"region", "eu"}};
    b.metadata["keep"] = "candidate";
    r.candidates = {a, b};
    return r;
}

/// Appends `suffix` to the body (a normalizer or translator answer).
template <class Req>
auto append(std::string suffix) {
    return [suffix](const Req& r) { return payload_response{cpa::bytes(text(r.body) + suffix)}; };
}

template <class Req>
auto fail() {
    return [](const Req&) -> payload_response { throw cpa::call_error("plugin failed"); };
}

template <class Req>
auto panic() {
    return [](const Req&) -> payload_response { throw std::runtime_error("boom"); };
}

template <class Req>
auto empty_answer() {
    return [](const Req&) { return payload_response{}; };
}

template <class Req>
auto answer(std::string body) {
    return [body](const Req&) { return payload_response{cpa::bytes(body)}; };
}

request_transform_request request_body(std::string body) {
    request_transform_request r;
    r.from_format = "openai";
    r.to_format = "claude";
    r.model = "m";
    r.body = cpa::bytes(std::move(body));
    return r;
}

response_transform_request response_body(std::string body) {
    response_transform_request r;
    r.from_format = "claude";
    r.to_format = "openai";
    r.model = "m";
    r.original_request = cpa::bytes("original");
    r.translated_request = cpa::bytes("translated-request");
    r.body = cpa::bytes(std::move(body));
    return r;
}

/// A token store that writes nothing and answers `<auth dir>/<id>.json`.
class recording_store final : public token_store {
public:
    std::string save(const cpa::auth_data& auth, std::string_view auth_dir) override {
        saved.push_back(auth);
        return std::string(auth_dir) + "/" + auth.id + ".json";
    }
    std::vector<cpa::auth_data> saved;
};

/// A plugin client that carries every call as JSON text through the method codecs, the way
/// the shared-library transport does, with the plugin's side decoding and encoding envelopes.
class json_client final : public plugin_client {
public:
    std::map<method_id, std::function<std::string(std::string_view request)>> handlers;

    void call(method_id id, std::string_view name, const method_codec& codec, const void* rq,
              void* rs) override {
        std::string request;
        codec.encode(rq, request);
        const auto it = handlers.find(id);
        if (it == handlers.end()) {
            throw cpa::call_error("unknown method " + std::string(name));
        }
        const std::string reply = it->second(request);
        codec.decode(name, 0, reply, rs);
    }
    void shutdown() noexcept override {}
};

/// The host program's credential manager slot.
class recording_slot final : public scheduler_slot {
public:
    void set_plugin_scheduler(const scheduler* s) override {
        installed = s;
        ++calls;
    }
    const scheduler* installed = nullptr;
    int calls = 0;
};

std::shared_ptr<fake_plugin> management_plugin(fake_directory& d, const std::string& id,
                                               cpa::management_register_response routes) {
    auto p = d.add(id, registration(id, [](cpa::capabilities& c) { c.management_api = true; }));
    p->on(plugin_methods::management_register,
          [routes](const cpa::management_register_request&) { return routes; });
    return p;
}

inbound_request http(std::string method, std::string path, std::string body = {}) {
    inbound_request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = cpa::bytes(std::move(body));
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(services)

// ---- 7.3 frontend auth ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(OTH_07_frontend_auth_key_registered_then_pruned) {
    fake_directory d;
    auth_plugin(d, "auth-active", false);
    auth_plugin(d, "other", false, "other-auth");
    auth_plugin(d, "blank", false, "   ");
    plugin_host host(d.options());
    frontend_auth access(host);
    host.apply_config(d.config({{"auth-active", 10}, {"other", 5}, {"blank", 1}}));
    access.sync();
    BOOST_TEST(
        (access.registered_providers() ==
         std::vector<std::string>{"plugin:auth-active:custom-auth", "plugin:other:other-auth"}));

    host.apply_config(d.config({{"other", 5}}));
    access.sync();
    BOOST_TEST(
        (access.registered_providers() == std::vector<std::string>{"plugin:other:other-auth"}));
}

BOOST_AUTO_TEST_CASE(OTH_08_exclusive_provider_hides_all_others) {
    fake_directory d;
    auto low = auth_plugin(d, "exclusive-low", true);
    auto high = auth_plugin(d, "exclusive-high", true, "custom-auth",
                            [](const cpa::frontend_auth_request&) {
                                return cpa::frontend_auth_response{true, "user-1", {{"k", "v"}}};
                            });
    auto normal = auth_plugin(d, "normal", false);
    plugin_host host(d.options());
    frontend_auth access(host);
    int builtin_calls = 0;
    access.register_provider("config-api-key", [&](const inbound_request&) {
        ++builtin_calls;
        return frontend_auth_result{auth_outcome::authenticated, "config-api-key", "k", {}, {}};
    });
    host.apply_config(d.config({{"exclusive-low", 1}, {"exclusive-high", 10}, {"normal", 20}}));
    access.sync();
    BOOST_TEST((access.registered_providers() ==
                std::vector<std::string>{"plugin:exclusive-high:custom-auth"}));
    const auto result = access.authenticate(http("POST", "/v1/chat/completions"));
    BOOST_TEST((result.outcome == auth_outcome::authenticated));
    BOOST_TEST(result.provider == "plugin:exclusive-high:custom-auth");
    BOOST_TEST(result.principal == "user-1");
    BOOST_TEST((result.metadata == cpa::string_map{{"k", "v"}}));
    BOOST_TEST(builtin_calls == 0);
    BOOST_TEST(normal->calls(method_id::frontend_auth_authenticate) == 0);
    BOOST_TEST(low->calls(method_id::frontend_auth_authenticate) == 0);

    // A tie in priority goes to the smaller plugin ID.
    fake_directory tie;
    auth_plugin(tie, "beta-auth", true);
    auth_plugin(tie, "alpha-auth", true);
    plugin_host tie_host(tie.options());
    frontend_auth tie_access(tie_host);
    tie_host.apply_config(tie.config({{"beta-auth", 5}, {"alpha-auth", 5}}));
    tie_access.sync();
    BOOST_TEST((tie_access.registered_providers() ==
                std::vector<std::string>{"plugin:alpha-auth:custom-auth"}));
}

BOOST_AUTO_TEST_CASE(OTH_09_exclusive_removed_or_without_capability_is_ignored) {
    fake_directory d;
    auth_plugin(d, "exclusive", true);
    auth_plugin(d, "normal", false);
    // The exclusive modifier without the frontend auth capability.
    d.add("flag-only", registration("flag-only", [](cpa::capabilities& c) {
              c.usage_plugin = true;
              c.frontend_auth_provider_exclusive = true;
          }));
    plugin_host host(d.options());
    frontend_auth access(host);
    host.apply_config(d.config({{"exclusive", 10}, {"normal", 20}, {"flag-only", 30}}));
    access.sync();
    BOOST_TEST((access.registered_providers() ==
                std::vector<std::string>{"plugin:exclusive:custom-auth"}));

    host.apply_config(d.config({{"normal", 20}, {"flag-only", 30}}));
    access.sync();
    BOOST_TEST(
        (access.registered_providers() == std::vector<std::string>{"plugin:normal:custom-auth"}));
}

BOOST_AUTO_TEST_CASE(OTH_10_authenticate_not_handled_read_failure_and_errors) {
    fake_directory d;
    cpa::frontend_auth_request seen;
    auto refusing =
        auth_plugin(d, "refusing", false, "refusing", [&](const cpa::frontend_auth_request& r) {
            seen = r;
            return cpa::frontend_auth_response{false, "nobody", {}};
        });
    auto failing =
        auth_plugin(d, "failing", false, "failing",
                    [](const cpa::frontend_auth_request&) -> cpa::frontend_auth_response {
                        throw cpa::call_error("auth backend down");
                    });
    plugin_host host(d.options());
    frontend_auth access(host);
    host.apply_config(d.config({{"refusing", 20}, {"failing", 10}}));
    access.sync();

    inbound_request request = http("POST", "/v1/messages", R"({"model":"m"})");
    request.headers = {{"Authorization", {"Bearer t"}}};
    request.query = {{"beta", {"true"}}};
    // Authenticated:false and an error are "not handled": nothing authenticates.
    auto result = access.authenticate(request);
    BOOST_TEST((result.outcome == auth_outcome::no_credentials));
    BOOST_TEST(refusing->calls(method_id::frontend_auth_authenticate) == 1);
    BOOST_TEST(failing->calls(method_id::frontend_auth_authenticate) == 1);
    BOOST_TEST(seen.method == "POST");
    BOOST_TEST(seen.path == "/v1/messages");
    BOOST_TEST((seen.headers == request.headers));
    BOOST_TEST((seen.query == request.query));
    BOOST_TEST(text(seen.body) == R"({"model":"m"})");

    // After the plugins, the body is still there for the next provider.
    std::string body_downstream;
    access.register_provider("downstream", [&](const inbound_request& r) {
        body_downstream = text(r.body);
        return frontend_auth_result{auth_outcome::authenticated, "downstream", "p", {}, {}};
    });
    result = access.authenticate(request);
    BOOST_TEST((result.outcome == auth_outcome::authenticated));
    BOOST_TEST(result.provider == "downstream");
    BOOST_TEST(body_downstream == R"({"model":"m"})");
    BOOST_TEST(text(request.body) == R"({"model":"m"})");
    BOOST_TEST(host.fuse_reason("failing").empty());

    // A body the host program could not read: internal error, the plugin is not called.
    inbound_request unreadable = http("POST", "/v1/messages");
    unreadable.body_error = "connection reset";
    result = access.authenticate(unreadable);
    BOOST_TEST((result.outcome == auth_outcome::internal_error));
    BOOST_TEST(result.error.find("connection reset") != std::string::npos);
    BOOST_TEST(refusing->calls(method_id::frontend_auth_authenticate) == 2);
    BOOST_TEST(failing->calls(method_id::frontend_auth_authenticate) == 2);
}

BOOST_AUTO_TEST_CASE(FUSE_08_usage_and_frontend_auth_panics_fuse) {
    fake_directory d;
    auto usage = d.add("usage", registration("usage", [](auto& c) { c.usage_plugin = true; }));
    usage->on(plugin_methods::usage_handle, [](const cpa::usage_record&) -> cpa::empty_message {
        throw std::runtime_error("usage boom");
    });
    auto identifier_panics =
        d.add("identifier-panics",
              registration("identifier-panics", [](auto& c) { c.frontend_auth_provider = true; }));
    identifier_panics->on(plugin_methods::frontend_auth_identifier,
                          [](const cpa::empty_message&) -> cpa::identifier_response {
                              throw std::runtime_error("identifier boom");
                          });
    auth_plugin(d, "authenticate-panics", false, "custom-auth",
                [](const cpa::frontend_auth_request&) -> cpa::frontend_auth_response {
                    throw std::runtime_error("authenticate boom");
                });
    plugin_host host(d.options());
    frontend_auth access(host);
    host.apply_config(
        d.config({{"usage", 30}, {"identifier-panics", 20}, {"authenticate-panics", 10}}));

    host.publish_usage(cpa::usage_record{});
    host.drain_async();
    BOOST_TEST(usage->calls(method_id::usage_handle) == 1);
    BOOST_TEST(!host.fuse_reason("usage").empty());

    access.sync();
    BOOST_TEST(!host.fuse_reason("identifier-panics").empty());
    BOOST_TEST((access.registered_providers() ==
                std::vector<std::string>{"plugin:authenticate-panics:custom-auth"}));

    const auto result = access.authenticate(http("GET", "/v1/models"));
    BOOST_TEST((result.outcome == auth_outcome::no_credentials));
    BOOST_TEST(!host.fuse_reason("authenticate-panics").empty());
    // Fused: not asked again, and gone after the next sync.
    (void)access.authenticate(http("GET", "/v1/models"));
    const auto calls = d.calls();
    BOOST_TEST(std::count(calls.begin(), calls.end(),
                          "authenticate-panics frontend_auth.authenticate") == 1);
    access.sync();
    BOOST_TEST(access.registered_providers().empty());
}

// ---- 7.4 scheduler --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(OTH_11_only_the_highest_priority_scheduler_is_asked) {
    fake_directory d;
    auto low = scheduler_plugin(d, "low");
    auto high = scheduler_plugin(d, "high");
    scheduler_pick_request seen;
    low->on(plugin_methods::scheduler_pick, [](const scheduler_pick_request&) {
        return scheduler_pick_response{"auth-1", {}, true};
    });
    high->on(plugin_methods::scheduler_pick, [&](const scheduler_pick_request& r) {
        seen = r;
        return scheduler_pick_response{"auth-high", {}, true};
    });
    plugin_host host(d.options());
    scheduler picker(host);
    BOOST_TEST(!picker.has_scheduler());
    host.apply_config(d.config({{"low", 1}, {"high", 10}}));
    BOOST_TEST(picker.has_scheduler());
    const auto result = picker.pick(pick_request());
    BOOST_TEST(result.handled);
    BOOST_TEST(result.auth_id == "auth-high");
    BOOST_TEST(!result.error.has_value());
    BOOST_TEST(result.scheduler_id == "high");
    BOOST_TEST(seen.plugin.name == "high");
    BOOST_TEST(high->calls(method_id::scheduler_pick) == 1);
    BOOST_TEST(low->calls(method_id::scheduler_pick) == 0);
}

BOOST_AUTO_TEST_CASE(OTH_12_error_denies_panic_falls_back_unhandled_does_not_cascade) {
    {
        fake_directory d;
        scheduler_plugin(d, "deny")->on(
            plugin_methods::scheduler_pick,
            [](const scheduler_pick_request&) -> scheduler_pick_response {
                throw cpa::call_error("tenant quota exhausted");
            });
        plugin_host host(d.options());
        host.apply_config(d.config({{"deny", 1}}));
        const auto result = scheduler(host).pick(pick_request());
        BOOST_TEST(result.handled);
        BOOST_TEST(result.error.value_or("").find("tenant quota exhausted") != std::string::npos);
        BOOST_TEST(host.fuse_reason("deny").empty());
    }
    {
        fake_directory d;
        scheduler_plugin(d, "panic")
            ->on(plugin_methods::scheduler_pick,
                 [](const scheduler_pick_request&) -> scheduler_pick_response {
                     throw std::runtime_error("boom");
                 });
        plugin_host host(d.options());
        host.apply_config(d.config({{"panic", 1}}));
        scheduler picker(host);
        const auto result = picker.pick(pick_request());
        BOOST_TEST(!result.handled);
        BOOST_TEST(!result.error.has_value());
        BOOST_TEST(!host.fuse_reason("panic").empty());
        BOOST_TEST(!picker.has_scheduler());
    }
    {
        fake_directory d;
        auto high = scheduler_plugin(d, "high");
        auto low = scheduler_plugin(d, "low");
        high->on(plugin_methods::scheduler_pick,
                 [](const scheduler_pick_request&) { return scheduler_pick_response{}; });
        low->on(plugin_methods::scheduler_pick, [](const scheduler_pick_request&) {
            return scheduler_pick_response{"auth-1", {}, true};
        });
        plugin_host host(d.options());
        host.apply_config(d.config({{"high", 10}, {"low", 1}}));
        const auto result = scheduler(host).pick(pick_request());
        BOOST_TEST(!result.handled);
        BOOST_TEST(!result.error.has_value());
        BOOST_TEST(high->calls(method_id::scheduler_pick) == 1);
        BOOST_TEST(low->calls(method_id::scheduler_pick) == 0);
    }
}

BOOST_AUTO_TEST_CASE(OTH_13_invalid_answers_fall_back_valid_ones_pass) {
    fake_directory d;
    auto p = scheduler_plugin(d, "sched");
    scheduler_pick_response next;
    p->on(plugin_methods::scheduler_pick, [&](const scheduler_pick_request&) { return next; });
    plugin_host host(d.options());
    host.apply_config(d.config({{"sched", 1}}));
    scheduler picker(host);

    next = {"no-such-auth", {}, true};
    BOOST_TEST(!picker.pick(pick_request()).handled);
    next = {{}, "random", true};
    BOOST_TEST(!picker.pick(pick_request()).handled);
    next = {{}, {}, true};
    BOOST_TEST(!picker.pick(pick_request()).handled);
    next = {"auth-1", {}, false};
    BOOST_TEST(!picker.pick(pick_request()).handled);

    next = {" auth-1 ", "garbage", true};
    auto result = picker.pick(pick_request());
    BOOST_TEST(result.handled);
    BOOST_TEST(result.auth_id == "auth-1");

    for (const std::string delegate : {"round-robin", "fill-first"}) {
        next = {{}, delegate, true};
        result = picker.pick(pick_request());
        BOOST_TEST(result.handled);
        BOOST_TEST(result.auth_id.empty());
        BOOST_TEST(result.delegate_builtin == delegate);
    }
    BOOST_TEST(p->calls(method_id::scheduler_pick) == 7);
}

BOOST_AUTO_TEST_CASE(OTH_14_scheduler_rpc_round_trip_and_service_sync) {
    // The round trip through the JSON codecs (the encoding every transport but the in-process
    // one uses).
    scheduler_pick_request seen;
    fake_directory d;
    plugin_host host(d.options());
    host.add_in_process("json-scheduler", [&seen](std::shared_ptr<cpa::host_services>) {
        auto client = std::make_shared<json_client>();
        client->handlers[method_id::plugin_register] = [](std::string_view) {
            std::string out;
            cpa::encode_success(
                registration("json-scheduler", [](cpa::capabilities& c) { c.scheduler = true; }),
                out);
            return out;
        };
        client->handlers[method_id::scheduler_pick] = [&seen](std::string_view request) {
            seen = cpa::from_json<scheduler_pick_request>(request);
            std::string out;
            cpa::encode_success(scheduler_pick_response{"auth-high", {}, true}, out);
            return out;
        };
        return client;
    });
    host.apply_config(d.config({{"json-scheduler", 1}}));
    service_set services(host);
    const auto request = pick_request();
    const auto result = services.picker.pick(request);
    BOOST_TEST(result.handled);
    BOOST_TEST(result.auth_id == "auth-high");
    BOOST_TEST(seen.plugin.name == "json-scheduler");
    BOOST_TEST(seen.provider == request.provider);
    BOOST_TEST((seen.providers == request.providers));
    BOOST_TEST(seen.model == request.model);
    BOOST_TEST(seen.stream == request.stream);
    BOOST_TEST((seen.options.headers == request.options.headers));
    // Metadata is a JSON object here, so values JSON cannot carry (Go's channels) cannot even
    // be put in; what JSON can carry survives.
    BOOST_TEST((seen.options.metadata == request.options.metadata));
    BOOST_TEST_REQUIRE(seen.candidates.size() == request.candidates.size());
    for (std::size_t i = 0; i < request.candidates.size(); ++i) {
        BOOST_TEST(seen.candidates[i].id == request.candidates[i].id);
        BOOST_TEST(seen.candidates[i].provider == request.candidates[i].provider);
        BOOST_TEST(seen.candidates[i].priority == request.candidates[i].priority);
        BOOST_TEST((seen.candidates[i].status == request.candidates[i].status));
        BOOST_TEST((seen.candidates[i].attributes == request.candidates[i].attributes));
        BOOST_TEST((seen.candidates[i].metadata == request.candidates[i].metadata));
    }

    // The service sync installs the scheduler into the credential manager's slot, and clears
    // the slot when there is no plugin host.
    recording_slot slot;
    BOOST_TEST(sync_services(&services, slot));
    BOOST_TEST(slot.installed == &services.picker);
    BOOST_TEST(!sync_services(nullptr, slot));
    BOOST_TEST(slot.installed == nullptr);
    BOOST_TEST(slot.calls == 2);
}

// ---- 7.7 translators and normalizers --------------------------------------------------------

BOOST_AUTO_TEST_CASE(OTH_15_request_normalizers_pipeline_translators_first_success) {
    {
        fake_directory d;
        for (const std::string id : {"high", "low"}) {
            d.add(id, registration(id, [](auto& c) { c.request_normalizer = true; }))
                ->on(plugin_methods::request_normalize,
                     append<request_transform_request>("|" + id));
        }
        plugin_host host(d.options());
        host.apply_config(d.config({{"high", 20}, {"low", 10}}));
        const auto out = translators(host).transform_request(request_body("start"));
        BOOST_TEST(text(out.body) == "start|high|low");
        BOOST_TEST(!out.translated);
    }
    {
        fake_directory d;
        request_transform_request seen;
        auto high =
            d.add("high", registration("high", [](auto& c) { c.request_translator = true; }));
        auto low = d.add("low", registration("low", [](auto& c) { c.request_translator = true; }));
        high->on(plugin_methods::request_translate, [&seen](const request_transform_request& r) {
            seen = r;
            return payload_response{cpa::bytes("translated-high")};
        });
        low->on(plugin_methods::request_translate,
                answer<request_transform_request>("translated-low"));
        plugin_host host(d.options());
        host.apply_config(d.config({{"high", 20}, {"low", 10}}));
        const auto out = translators(host).transform_request(request_body("start"));
        BOOST_TEST(text(out.body) == "translated-high");
        BOOST_TEST(out.translated);
        BOOST_TEST(out.translated_by == "high");
        BOOST_TEST(low->calls(method_id::request_translate) == 0);
        BOOST_TEST(seen.from_format == "openai");
        BOOST_TEST(seen.to_format == "claude");
        BOOST_TEST(seen.model == "m");
    }
    {
        fake_directory d;
        const std::vector<std::pair<std::string, std::int64_t>> plugins = {
            {"error", 30}, {"empty", 20}, {"success", 10}};
        for (const auto& entry : plugins) {
            const std::string& id = entry.first;
            auto p = d.add(id, registration(id, [](auto& c) {
                               c.request_normalizer = true;
                               c.request_translator = true;
                           }));
            if (id == "error") {
                p->on(plugin_methods::request_normalize, fail<request_transform_request>());
                p->on(plugin_methods::request_translate, fail<request_transform_request>());
            } else if (id == "empty") {
                p->on(plugin_methods::request_normalize, empty_answer<request_transform_request>());
                p->on(plugin_methods::request_translate, empty_answer<request_transform_request>());
            } else {
                p->on(plugin_methods::request_normalize,
                      append<request_transform_request>("-then-success"));
                p->on(plugin_methods::request_translate,
                      answer<request_transform_request>("translated"));
            }
        }
        plugin_host host(d.options());
        host.apply_config(d.config({{"error", 30}, {"empty", 20}, {"success", 10}}));
        const translators chains(host);
        BOOST_TEST(text(chains.normalize_request(request_body("kept"))) == "kept-then-success");
        const auto out = chains.transform_request(request_body("kept"));
        BOOST_TEST(text(out.body) == "translated");
        BOOST_TEST(out.translated_by == "success");
        BOOST_TEST(host.fuse_reason("error").empty());
    }
}

BOOST_AUTO_TEST_CASE(OTH_16_response_normalizers_and_translators) {
    fake_directory d;
    for (const std::string id : {"high", "low"}) {
        auto p = d.add(id, registration(id, [](auto& c) {
                           c.response_before_translator = true;
                           c.response_after_translator = true;
                       }));
        p->on(plugin_methods::response_normalize_before,
              append<response_transform_request>("|before-" + id));
        p->on(plugin_methods::response_normalize_after,
              append<response_transform_request>("|after-" + id));
    }
    const std::vector<std::pair<std::string, std::int64_t>> translator_plugins = {
        {"t-error", 30}, {"t-empty", 25}, {"t-first", 15}, {"t-second", 5}};
    for (const auto& entry : translator_plugins) {
        const std::string& id = entry.first;
        auto p = d.add(id, registration(id, [](auto& c) { c.response_translator = true; }));
        if (id == "t-error") {
            p->on(plugin_methods::response_translate, fail<response_transform_request>());
        } else if (id == "t-empty") {
            p->on(plugin_methods::response_translate, empty_answer<response_transform_request>());
        } else {
            p->on(plugin_methods::response_translate, [id](const response_transform_request& r) {
                return payload_response{cpa::bytes(text(r.body) + "|" + id)};
            });
        }
    }
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20},
                                {"low", 10},
                                {"t-error", 30},
                                {"t-empty", 25},
                                {"t-first", 15},
                                {"t-second", 5}}));
    const translators chains(host);
    BOOST_TEST(text(chains.normalize_response_before(response_body("body"))) ==
               "body|before-high|before-low");
    BOOST_TEST(text(chains.normalize_response_after(response_body("body"))) ==
               "body|after-high|after-low");
    BOOST_TEST(text(chains.translate_response(response_body("body")).value_or(cpa::bytes())) ==
               "body|t-first");
    BOOST_TEST(text(chains.transform_response(response_body("body"))) ==
               "body|before-high|before-low|t-first|after-high|after-low");
}

BOOST_AUTO_TEST_CASE(FUSE_04_translator_and_normalizer_panics_keep_the_body) {
    fake_directory d;
    d.add("request-translator",
          registration("request-translator", [](auto& c) { c.request_translator = true; }))
        ->on(plugin_methods::request_translate, panic<request_transform_request>());
    d.add("response-before",
          registration("response-before", [](auto& c) { c.response_before_translator = true; }))
        ->on(plugin_methods::response_normalize_before, panic<response_transform_request>());
    d.add("response-translator",
          registration("response-translator", [](auto& c) { c.response_translator = true; }))
        ->on(plugin_methods::response_translate, panic<response_transform_request>());
    d.add("response-after",
          registration("response-after", [](auto& c) { c.response_after_translator = true; }))
        ->on(plugin_methods::response_normalize_after, panic<response_transform_request>());
    plugin_host host(d.options());
    host.apply_config(d.config({{"request-translator", 4},
                                {"response-before", 3},
                                {"response-translator", 2},
                                {"response-after", 1}}));
    const translators chains(host);
    const auto request = chains.transform_request(request_body("body"));
    BOOST_TEST(text(request.body) == "body");
    BOOST_TEST(!request.translated);
    BOOST_TEST(text(chains.transform_response(response_body("body"))) == "body");
    for (const char* id :
         {"request-translator", "response-before", "response-translator", "response-after"}) {
        BOOST_TEST(!host.fuse_reason(id).empty(), id);
    }
}

BOOST_AUTO_TEST_CASE(FUSE_05_normalizer_panic_fuses_and_the_pipeline_goes_on) {
    fake_directory d;
    auto high = d.add("high", registration("high", [](auto& c) { c.request_normalizer = true; }));
    high->on(plugin_methods::request_normalize, panic<request_transform_request>());
    d.add("low", registration("low", [](auto& c) { c.request_normalizer = true; }))
        ->on(plugin_methods::request_normalize, append<request_transform_request>("|next"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    const translators chains(host);
    BOOST_TEST(text(chains.normalize_request(request_body("original"))) == "original|next");
    BOOST_TEST(!host.fuse_reason("high").empty());
    BOOST_TEST(text(chains.normalize_request(request_body("original"))) == "original|next");
    BOOST_TEST(high->calls(method_id::request_normalize) == 1);
}

// ---- 7.8 command line -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(OTH_18_native_flags_win_then_higher_priority) {
    fake_directory d;
    const auto flags_of = [](std::vector<cpa::command_line_flag> flags) {
        return [flags](const cpa::command_line_register_request&) {
            return cpa::command_line_register_response{flags};
        };
    };
    auto high = d.add("high", registration("high", [](auto& c) { c.command_line_plugin = true; }));
    high->on(plugin_methods::command_line_register,
             flags_of({{"native", "high native", "bool", ""},
                       {"help", "", "bool", ""},
                       {"h", "", "bool", ""},
                       {" shared ", "high shared", "string", "from-high"},
                       {"-dash", "", "bool", ""},
                       {"with space", "", "bool", ""},
                       {"a=b", "", "bool", ""},
                       {"bad-type", "", "complex128", ""},
                       {"bad-default", "", "int", "twelve"},
                       {"wait", "", "DURATION", "90s"}}));
    auto low = d.add("low", registration("low", [](auto& c) { c.command_line_plugin = true; }));
    low->on(plugin_methods::command_line_register,
            flags_of({{"shared", "low shared", "string", "from-low"},
                      {"low-only", "low flag", "", ""}}));
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}}));
    command_line cli(host);
    BOOST_TEST(cli.add_native_flag("native", "string", "x", "the host's own"));
    cli.register_flags();

    BOOST_TEST(cli.lookup("native").value().owner.empty());
    BOOST_TEST(cli.lookup("native").value().usage == "the host's own");
    BOOST_TEST(!cli.lookup("help").has_value());
    BOOST_TEST(!cli.lookup("h").has_value());
    BOOST_TEST(cli.lookup("shared").value().owner == "high");
    BOOST_TEST(cli.value("shared").value() == "from-high");
    BOOST_TEST(cli.lookup("low-only").value().owner == "low");
    BOOST_TEST(cli.lookup("low-only").value().type == "bool");
    BOOST_TEST(cli.value("low-only").value() == "false");
    BOOST_TEST(cli.lookup("wait").value().type == "duration");
    BOOST_TEST(cli.value("wait").value() == "1m30s");
    for (const char* skipped :
         {"-dash", "dash", "with space", "a=b", "a", "bad-type", "bad-default"}) {
        BOOST_TEST(!cli.lookup(skipped).has_value(), skipped);
    }
    BOOST_TEST(cli.flags().size() == 4U);

    // The value spellings of Go's strconv and time packages.
    BOOST_TEST(normalize_flag_value("bool", "T").value() == "true");
    BOOST_TEST(!normalize_flag_value("bool", "yes").has_value());
    BOOST_TEST(normalize_flag_value("int", "+042").value() == "42");
    BOOST_TEST(normalize_flag_value("float64", "1e6").value() == "1e+06");
    BOOST_TEST(normalize_flag_value("float64", "0.5").value() == "0.5");
    BOOST_TEST(normalize_flag_value("duration", "1.5h").value() == "1h30m0s");
    BOOST_TEST(normalize_flag_value("duration", "1500us").value() == "1.5ms");
    BOOST_TEST(!normalize_flag_value("duration", "10").has_value());
}

BOOST_AUTO_TEST_CASE(OTH_19_execute_runs_triggered_plugins_and_saves_auths) {
    fake_directory d;
    cpa::command_line_execute_request seen;
    auto tail = d.add("tail", registration("tail", [](auto& c) { c.command_line_plugin = true; }));
    tail->on(plugin_methods::command_line_register, [](const cpa::command_line_register_request&) {
        return cpa::command_line_register_response{{{"plugin-command", "run the plugin", "", ""}}};
    });
    tail->on(plugin_methods::command_line_execute,
             [&seen](const cpa::command_line_execute_request& r) {
                 seen = r;
                 cpa::command_line_execute_response out;
                 out.stdout_data = cpa::bytes("logged in");
                 cpa::auth_data auth;
                 auth.provider = " Plugin-Provider ";
                 auth.id = "plugin-auth";
                 out.auths = {auth};
                 return out;
             });
    auto idle = d.add("idle", registration("idle", [](auto& c) { c.command_line_plugin = true; }));
    idle->on(plugin_methods::command_line_register, [](const cpa::command_line_register_request&) {
        return cpa::command_line_register_response{{{"idle-flag", "", "string", ""}}};
    });
    auto failing =
        d.add("failing", registration("failing", [](auto& c) { c.command_line_plugin = true; }));
    failing->on(plugin_methods::command_line_register,
                [](const cpa::command_line_register_request&) {
                    return cpa::command_line_register_response{{{"fail-now", "", "bool", ""}}};
                });
    failing->on(plugin_methods::command_line_execute,
                [](const cpa::command_line_execute_request&) -> cpa::command_line_execute_response {
                    throw cpa::call_error("cannot run");
                });
    plugin_host host(d.options());
    host.apply_config(d.config({{"tail", 20}, {"idle", 10}, {"failing", 5}}));
    command_line cli(host);
    BOOST_TEST(cli.add_native_flag("config", "string", "config.yaml"));
    cli.register_flags();
    BOOST_TEST(!cli.has_triggered_flags());

    const std::vector<std::string> args = {"-plugin-command", "tail"};
    const auto parsed = cli.parse(args);
    BOOST_TEST(parsed.error.empty());
    BOOST_TEST((parsed.positional == std::vector<std::string>{"tail"}));
    BOOST_TEST(cli.has_triggered_flags());

    cpa::host_config_summary summary;
    summary.auth_dir = "/auths";
    recording_store store;
    const auto run = cli.execute("cli-proxy-api", args, "/etc/cpa/config.yaml", summary, &store);
    BOOST_TEST(run.handled);
    BOOST_TEST(run.exit_code == 0);
    BOOST_TEST(seen.program == "cli-proxy-api");
    BOOST_TEST(seen.config_path == "/etc/cpa/config.yaml");
    BOOST_TEST(seen.host.auth_dir == "/auths");
    BOOST_TEST(seen.plugin.name == "tail");
    BOOST_TEST((seen.args == args));
    BOOST_TEST_REQUIRE(seen.triggered_flags.size() == 1U);
    const auto& triggered = seen.triggered_flags.at("plugin-command");
    BOOST_TEST(triggered.set);
    BOOST_TEST(triggered.value == "true");
    BOOST_TEST(triggered.type == "bool");
    BOOST_TEST(seen.flags.size() == 4U);
    BOOST_TEST(seen.flags.at("idle-flag").set == false);
    BOOST_TEST(seen.flags.at("config").value == "config.yaml");
    BOOST_TEST(idle->calls(method_id::command_line_execute) == 0);
    BOOST_TEST(failing->calls(method_id::command_line_execute) == 0);
    BOOST_TEST_REQUIRE(store.saved.size() == 1U);
    BOOST_TEST(store.saved[0].provider == "plugin-provider");
    BOOST_TEST(run.stdout_text == "logged in\nAuthentication saved to /auths/plugin-auth.json\n");

    // A plugin error is exit code 1; without a token store the save fails the same way.
    BOOST_TEST(cli.parse({"-fail-now"}).error.empty());
    const auto failed = cli.execute("cli-proxy-api", {"-fail-now"}, "", summary, nullptr);
    BOOST_TEST(failed.handled);
    BOOST_TEST(failed.exit_code == 1);
    BOOST_TEST(failing->calls(method_id::command_line_execute) == 1);
    BOOST_TEST(failed.stderr_text.find("token store unavailable") != std::string::npos);

    BOOST_TEST(cli.parse({"-unknown"}).error == "flag provided but not defined: -unknown");
    BOOST_TEST(cli.parse({"-idle-flag"}).error == "flag needs an argument: -idle-flag");
}

// ---- 7.9 management -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(OTH_20_management_routes_resources_escaping_and_panics) {
    fake_directory d;
    cpa::management_register_response high_routes;
    high_routes.routes = {{"GET", "/config", "", "", {}},
                          {"get", "/plugins/shared/status/", "", "", {}}};
    auto high = management_plugin(d, "high", high_routes);
    high->on(plugin_methods::management_handle, [](const cpa::management_request& r) {
        cpa::management_response out;
        out.headers = {{"Content-Type", {"application/json"}}};
        out.body = cpa::bytes(R"({"owner":"high","path":")" + r.path +
                              R"(","html":"<b>&'\"","n":12.50,"list":["<i>",1e3,true,null]})");
        return out;
    });
    cpa::management_register_response low_routes;
    low_routes.routes = {{"GET", "/plugins/shared/status", "", "", {}},
                         {"POST", "plugins/low/run", "", "", {}},
                         {"POST", "/v0/management/plugins/low/panic", "", "", {}},
                         {"GET", "/bad:path", "", "", {}},
                         {"GET", "/", "", "", {}}};
    auto low = management_plugin(d, "low", low_routes);
    cpa::management_request low_seen;
    low->on(plugin_methods::management_handle, [&low_seen](const cpa::management_request& r) {
        low_seen = r;
        if (r.path == "/v0/management/plugins/low/panic") {
            throw std::runtime_error("handler boom");
        }
        cpa::management_response out;
        out.status_code = 202;
        out.body = cpa::bytes("low-only");
        return out;
    });
    cpa::management_register_response menu_routes;
    menu_routes.routes = {{"GET", "/status", "Status", "desc", {}}};
    menu_routes.resources = {{"/plugins/menu/raw", "", "", {}}, {"../escape", "", "", {}}};
    auto menu = management_plugin(d, "menu", menu_routes);
    cpa::management_request menu_seen;
    menu->on(plugin_methods::management_handle, [&menu_seen](const cpa::management_request& r) {
        menu_seen = r;
        cpa::management_response out;
        out.headers = {{"Content-Type", {"text/html; charset=utf-8"}}};
        out.body = cpa::bytes(R"({"raw":"<b>not escaped</b>"})");
        return out;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"high", 20}, {"low", 10}, {"menu", 5}}));
    management routes(host);
    routes.register_routes({"GET /v0/management/config"});

    BOOST_TEST(
        (routes.routes() == std::vector<std::string>{"GET /v0/management/plugins/shared/status",
                                                     "POST /v0/management/plugins/low/panic",
                                                     "POST /v0/management/plugins/low/run"}));
    BOOST_TEST(
        (routes.resources() == std::vector<std::string>{"/v0/resource/plugins/menu/raw",
                                                        "/v0/resource/plugins/menu/status"}));
    BOOST_TEST(
        (routes.menus("menu") ==
         std::vector<management_menu>{{"/v0/resource/plugins/menu/status", "Status", "desc"}}));

    // The shared route belongs to high; string values of its JSON are HTML-escaped.
    auto answer = routes.serve_management(http("GET", "/v0/management/plugins/shared/status"));
    BOOST_TEST(answer.handled);
    BOOST_TEST(answer.status == 200);
    BOOST_TEST(text(answer.body) ==
               R"({"html":"&lt;b&gt;&amp;&#39;&#34;","list":["&lt;i&gt;",1e3,true,null],)"
               R"("n":12.50,"owner":"high","path":"/v0/management/plugins/shared/status"})");
    BOOST_TEST((answer.headers == cpa::headers{{"Content-Type", {"application/json"}}}));

    answer = routes.serve_management(http("POST", "/v0/management/plugins/low/run", "payload"));
    BOOST_TEST(answer.handled);
    BOOST_TEST(answer.status == 202);
    BOOST_TEST(text(answer.body) == "low-only");
    BOOST_TEST(text(low_seen.body) == "payload");
    BOOST_TEST(low_seen.method == "POST");

    BOOST_TEST(!routes.serve_management(http("GET", "/v0/management/config")).handled);
    BOOST_TEST(!routes.serve_management(http("GET", "/v0/management/status")).handled);
    BOOST_TEST(high->calls(method_id::management_handle) == 1);

    // An unreadable body is 400 and the plugin is not called.
    inbound_request unreadable = http("POST", "/v0/management/plugins/low/run");
    unreadable.body_error = "reset";
    BOOST_TEST(routes.serve_management(unreadable).status == 400);
    BOOST_TEST(low->calls(method_id::management_handle) == 1);

    // Resources: GET only, full path in the request, no body, headers kept, no escaping.
    answer = routes.serve_resource(http("GET", "/v0/resource/plugins/menu/status", "ignored"));
    BOOST_TEST(answer.handled);
    BOOST_TEST(answer.status == 200);
    BOOST_TEST(menu_seen.path == "/v0/resource/plugins/menu/status");
    BOOST_TEST(menu_seen.method == "GET");
    BOOST_TEST(menu_seen.body.empty());
    BOOST_TEST((answer.headers == cpa::headers{{"Content-Type", {"text/html; charset=utf-8"}}}));
    BOOST_TEST(text(answer.body) == R"({"raw":"<b>not escaped</b>"})");
    BOOST_TEST(!routes.serve_resource(http("POST", "/v0/resource/plugins/menu/status")).handled);
    BOOST_TEST(routes.serve_resource(http("GET", "/v0/resource/plugins/menu/raw")).handled);

    // A handler panic: 502, fused, and the plugin's routes fall through afterwards.
    answer = routes.serve_management(http("POST", "/v0/management/plugins/low/panic"));
    BOOST_TEST(answer.handled);
    BOOST_TEST(answer.status == 502);
    BOOST_TEST(text(answer.body) == "plugin management handler failed\n");
    BOOST_TEST(!host.fuse_reason("low").empty());
    BOOST_TEST(!routes.serve_management(http("POST", "/v0/management/plugins/low/run")).handled);

    routes.remove_plugin("menu");
    BOOST_TEST(routes.resources().empty());
    routes.clear();
    BOOST_TEST(routes.routes().empty());
}

BOOST_AUTO_TEST_CASE(management_json_escaping_rules) {
    BOOST_TEST(html_escape_json_body(R"( ["a<b"] )", "").value() == R"(["a&lt;b"])");
    BOOST_TEST(html_escape_json_body(R"("<x>")", "application/problem+json").value() ==
               R"("&lt;x&gt;")");
    BOOST_TEST(!html_escape_json_body(R"("<x>")", "text/plain").has_value());
    BOOST_TEST(!html_escape_json_body(R"({"a":1} {"b":2})", "application/json").has_value());
    BOOST_TEST(!html_escape_json_body("{broken", "").has_value());
    BOOST_TEST(html_escape_json_body(R"({"b":"\u003c","a":"x","a":"y"})", "").value() ==
               R"({"a":"y","b":"&lt;"})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(LIFE_11_disabled_path_clears_routes_and_thinking_providers) {
    fake_directory d;
    auto alpha = d.add("alpha", registration("alpha", [](cpa::capabilities& c) {
                           c.management_api = true;
                           c.thinking_applier = true;
                       }));
    cpa::management_register_response answer;
    answer.routes = {{"POST", "/plugins/alpha/run", "", "", {}}};
    answer.resources = {{"/status", "", "", {}}};
    alpha->on(plugin_methods::management_register,
              [answer](const cpa::management_register_request&) { return answer; });
    alpha->on(plugin_methods::thinking_identifier,
              [](const cpa::empty_message&) { return cpa::identifier_response{"alpha-think"}; });
    plugin_host host(d.options());
    service_set services(host);
    thinking_registry thinking(host);
    struct no_slot final : scheduler_slot {
        void set_plugin_scheduler(const scheduler*) override {}
    } slot;
    const auto sync = [&] {
        sync_services(&services, slot);
        thinking.sync();
    };

    host.apply_config(d.config({{"alpha", 1}}));
    sync();
    BOOST_TEST(services.routes.routes().size() == 1U);
    BOOST_TEST(services.routes.resources().size() == 1U);
    BOOST_TEST(thinking.has("alpha-think"));

    // The whole plugins section off: tables and providers go, the library stays loaded.
    auto off = d.config({{"alpha", 1}});
    off.enabled = false;
    host.apply_config(off);
    sync();
    BOOST_TEST(services.routes.routes().empty());
    BOOST_TEST(services.routes.resources().empty());
    BOOST_TEST(!thinking.has("alpha-think"));
    BOOST_TEST(host.plugin_loaded("alpha"));
}

BOOST_AUTO_TEST_SUITE_END()
