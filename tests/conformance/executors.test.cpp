// Conformance catalogue: the executor adapter (8.12): calls, streams, refresh through an auth
// provider plugin, `executor.http_request`, and format selection (6.1), over scripted plugins.
#include "support/fake_plugin.hpp"

#include <cpa/error.hpp>
#include <cpa/host/pipeline.hpp>
#include <cpa/host/registry.hpp>

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace cpa_test;

namespace {

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

cpa::register_response executor(std::string name, std::vector<std::string> inputs,
                                std::vector<std::string> outputs,
                                const std::function<void(cpa::capabilities&)>& more = {}) {
    return registration(std::move(name), [&](cpa::capabilities& c) {
        c.executor = true;
        c.executor_input_formats = inputs;
        c.executor_output_formats = outputs;
        if (more) {
            more(c);
        }
    });
}

/// The error text of `select_executor_formats` ("" when it selected).
std::string selection_error(const plugin_record& r, const format_request& q) {
    try {
        (void)select_executor_formats(r, q);
    } catch (const cpa::call_error& e) {
        return e.what();
    }
    return {};
}

} // namespace

BOOST_AUTO_TEST_CASE(EXE_01_adapter_calls_streams_refresh_and_http_requests) {
    fake_directory d;
    auto alpha = d.add("alpha", executor("alpha", {"openai"}, {"openai"},
                                         [](cpa::capabilities& c) { c.auth_provider = true; }));
    alpha->on(plugin_methods::executor_identifier, [](const cpa::empty_message&) {
        return cpa::identifier_response{" Plugin-Provider "};
    });
    cpa::executor_request seen;
    alpha->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        seen = r;
        cpa::executor_response out;
        out.payload = cpa::bytes("answer:" + text(r.payload));
        out.headers = {{"X-Exec", {"1"}}};
        out.metadata["from"] = "plugin";
        return out;
    });
    alpha->on(plugin_methods::executor_count_tokens, [](const cpa::executor_request&) {
        return cpa::executor_response{.payload = cpa::bytes(R"({"total_tokens":3})")};
    });
    // The stream: one chunk, then an error chunk, then the end, sent from another thread.
    std::thread producer;
    alpha->on(plugin_methods::executor_execute_stream, [&](const cpa::executor_request& r) {
        producer = std::thread([&alpha, id = r.stream_id] {
            alpha->services->stream_emit({id, cpa::bytes("stream-1"), {}});
            alpha->services->stream_close({id, "stream failed"});
        });
        return cpa::executor_stream_response{{{"X-Stream", {"1"}}}, {}};
    });
    cpa::auth_refresh_request refresh_seen;
    alpha->on(plugin_methods::auth_identifier, [](const cpa::empty_message&) {
        return cpa::identifier_response{"plugin-provider"};
    });
    alpha->on(plugin_methods::auth_refresh, [&](const cpa::auth_refresh_request& r) {
        refresh_seen = r;
        cpa::auth_refresh_response out;
        out.auth.metadata["token"] = "new";
        return out;
    });
    cpa::executor_http_request http_seen;
    alpha->on(plugin_methods::executor_http_request, [&](const cpa::executor_http_request& r) {
        http_seen = r;
        cpa::http_response out;
        out.status_code = 202;
        out.headers = {{"X-Raw", {"back"}}};
        out.body = cpa::bytes("accepted");
        return out;
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"alpha", 1}}));
    const auto snap = host.current();
    BOOST_REQUIRE(snap->records.size() == 1U);
    // The adapter's identifier is the provider key: trimmed, lower case.
    BOOST_TEST(host.executor_identifier(snap->records[0]) == "plugin-provider");

    cpa::executor_request request;
    request.auth_id = "auth-1";
    request.auth_provider = "plugin-provider";
    request.model = "m";
    request.payload = cpa::bytes("payload");
    request.headers = {{"X-In", {"1"}}};
    request.metadata["old"] = "value";
    const auto answer = host.execute("alpha", request);
    BOOST_TEST(text(answer.payload) == "answer:payload");
    BOOST_TEST(answer.headers.at("X-Exec").at(0) == "1");
    BOOST_TEST(answer.metadata.at("from").as_string() == "plugin");
    BOOST_TEST(seen.auth_id == "auth-1");
    BOOST_TEST(seen.headers.at("X-In").at(0) == "1");
    BOOST_TEST(seen.metadata.at("old").as_string() == "value");
    BOOST_TEST(!seen.host_callback_id.empty());

    auto reader = host.execute_stream("alpha", request);
    BOOST_TEST(reader->headers().at("X-Stream").at(0) == "1");
    const auto c1 = reader->next();
    BOOST_REQUIRE(c1.has_value());
    BOOST_TEST(text(c1->payload) == "stream-1");
    const auto c2 = reader->next();
    BOOST_REQUIRE(c2.has_value());
    BOOST_TEST(c2->error == "stream failed");
    BOOST_TEST(!reader->next().has_value());
    producer.join();

    BOOST_TEST(text(host.count_tokens("alpha", request).payload) == R"({"total_tokens":3})");

    // Refresh goes to the auth provider plugin of the credential's provider; the answer is a
    // new credential, the old one is untouched.
    auth_providers auths(host);
    auth_record old;
    old.id = "auth-1";
    old.provider = "plugin-provider";
    old.metadata["old"] = "value";
    const auto refreshed = auths.refresh_auth(old);
    BOOST_TEST(refreshed.handled);
    BOOST_REQUIRE(refreshed.value.has_value());
    BOOST_TEST(refreshed.value->metadata.at("token").as_string() == "new");
    BOOST_TEST(old.metadata.if_contains("token") == nullptr);
    BOOST_TEST(refresh_seen.auth_id == "auth-1");
    BOOST_TEST(refresh_seen.auth_provider == "plugin-provider");
    BOOST_TEST(refresh_seen.metadata.at("old").as_string() == "value");
    // "An HTTP client": the plugin's host callbacks, bound to the call by its callback ID.
    BOOST_TEST(!refresh_seen.host_callback_id.empty());

    cpa::executor_http_request hr;
    hr.method = "PATCH";
    hr.url = "https://upstream.test/v1?x=1";
    hr.headers = {{"X-Raw", {"1"}}};
    hr.body = cpa::bytes("body");
    const auto http = host.executor_http("alpha", hr);
    BOOST_TEST(http.response.status_code == 202);
    BOOST_TEST(http.status == "202 Accepted");
    BOOST_TEST(text(http.response.body) == "accepted");
    BOOST_TEST(http.response.headers.at("X-Raw").at(0) == "back");
    BOOST_TEST(http_seen.method == "PATCH");
    BOOST_TEST(http_seen.url == "https://upstream.test/v1?x=1");
    BOOST_TEST(text(http_seen.body) == "body");
    BOOST_TEST(!http_seen.host_callback_id.empty());
    // The caller's request is a value: still readable afterwards. (A nil request, CPA's last
    // case, cannot be expressed in this API.)
    BOOST_TEST(text(hr.body) == "body");
}

BOOST_AUTO_TEST_CASE(EXE_05_format_selection_errors_and_aliases) {
    plugin_record r;
    r.id = "alpha";
    format_request q;
    q.source_format = "openai";
    BOOST_TEST(selection_error(r, q) == "plugin executor alpha declares no input formats");
    r.capabilities.executor_input_formats = {"openai"};
    BOOST_TEST(selection_error(r, q) == "plugin executor alpha declares no output formats");

    // Aliases on both sides, trimmed, case-insensitive; other names keep their case.
    r.capabilities.executor_input_formats = {" Chat-Completions ", "", "none", "openai"};
    r.capabilities.executor_output_formats = {"responses"};
    q.source_format = "openai_chat_completions";
    q.response_format = "OpenAI-Responses";
    auto f = select_executor_formats(r, q);
    BOOST_TEST(f.input == "openai");
    BOOST_TEST(f.output == "openai-response");
    r.capabilities.executor_input_formats = {"anthropic"};
    r.capabilities.executor_output_formats = {"claude"};
    q = {"claude", "", "", false};
    f = select_executor_formats(r, q);
    BOOST_TEST(f.input == "claude");
    BOOST_TEST(f.output == "claude");
    BOOST_TEST(normalize_format("Claude") == "Claude");

    // Unsupported formats name the requested one; with no native translators this host cannot
    // feed another declared input.
    q = {"gemini", "", "", false};
    BOOST_TEST(selection_error(r, q) ==
               R"(plugin executor alpha does not support input format "gemini")");
    // Defaults: no source -> the request's Format -> openai.
    r.capabilities.executor_input_formats = {"openai"};
    r.capabilities.executor_output_formats = {"openai"};
    q = {"", "", "", false};
    BOOST_TEST(select_executor_formats(r, q).input == "openai");
    q = {"", "", "codex", false};
    BOOST_TEST(selection_error(r, q) ==
               R"(plugin executor alpha does not support input format "codex")");

    // Output: the requested one if declared; else, with a response translator plugin active,
    // the input format when it is also an output, else the first declared output.
    r.capabilities.executor_output_formats = {"plugin-custom-output"};
    q = {"openai", "", "", false};
    BOOST_TEST(selection_error(r, q) ==
               R"(plugin executor alpha does not support output format "openai")");
    q.response_translator_active = true;
    BOOST_TEST(select_executor_formats(r, q).output == "plugin-custom-output");
    r.capabilities.executor_output_formats = {"plugin-custom-output", "openai-response", "openai"};
    q = {"openai", "claude", "", true};
    BOOST_TEST(select_executor_formats(r, q).output == "openai");
}

namespace {

/// An executor (input openai, output `plugin-custom-output`) that routes every request to
/// itself, and a response translator plugin that records what it was asked.
struct custom_output_setup {
    fake_directory d;
    std::shared_ptr<fake_plugin> exec =
        d.add("exec", executor("exec", {"openai"}, {"plugin-custom-output"},
                               [](cpa::capabilities& c) { c.model_router = true; }));
    std::shared_ptr<fake_plugin> translator = d.add(
        "translator",
        registration("translator", [](cpa::capabilities& c) { c.response_translator = true; }));
    std::mutex mutex;
    std::vector<cpa::response_transform_request> translations;
    cpa::executor_request executed;

    explicit custom_output_setup(std::string translated) {
        exec->on(plugin_methods::executor_identifier,
                 [](const cpa::empty_message&) { return cpa::identifier_response{"exec"}; });
        exec->on(plugin_methods::model_route, [](const cpa::model_route_request&) {
            cpa::model_route_response r;
            r.handled = true;
            r.target_kind = cpa::route_target_kind::self;
            return r;
        });
        exec->on(plugin_methods::executor_execute, [this](const cpa::executor_request& r) {
            executed = r;
            return cpa::executor_response{.payload = cpa::bytes("raw-output")};
        });
        exec->on(plugin_methods::executor_execute_stream, [this](const cpa::executor_request& r) {
            executed = r;
            cpa::executor_stream_response out;
            out.chunks = {{cpa::bytes("raw-frame")}};
            return out;
        });
        translator->on(plugin_methods::response_translate,
                       [this, translated](const cpa::response_transform_request& r) {
                           std::lock_guard lock(mutex);
                           translations.push_back(r);
                           return cpa::payload_response{cpa::bytes(translated)};
                       });
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(EXE_03_custom_output_is_translated_by_the_translator_plugin) {
    custom_output_setup s("translated");
    plugin_host host(s.d.options());
    host.apply_config(s.d.config({{"exec", 10}, {"translator", 1}}));
    pipeline p(host);
    client_request c;
    c.model = "m";
    c.body = cpa::bytes("{}");
    const auto r = p.execute(c);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(s.executed.format == "plugin-custom-output");
    BOOST_TEST(s.executed.source_format == "openai");
    BOOST_TEST(text(r.body) == "translated");
    BOOST_REQUIRE(s.translations.size() == 1U);
    BOOST_TEST(s.translations[0].from_format == "plugin-custom-output");
    BOOST_TEST(s.translations[0].to_format == "openai");
    BOOST_TEST(!s.translations[0].stream);
    BOOST_TEST(text(s.translations[0].body) == "raw-output");

    // Without an active translator plugin the output cannot reach an openai client: the
    // executor is not ready, the router's decision falls through, and no one serves the model.
    host.unload_plugin("translator");
    BOOST_TEST(!host.executor_ready("exec", "openai"));
    const auto refused = p.execute(c);
    BOOST_TEST(refused.status == 400, refused.error);
    BOOST_TEST(s.exec->calls(method_id::executor_execute) == 1);
}

BOOST_AUTO_TEST_CASE(EXE_04_an_empty_translation_keeps_the_raw_stream_frame) {
    custom_output_setup s("");
    plugin_host host(s.d.options());
    host.apply_config(s.d.config({{"exec", 10}, {"translator", 1}}));
    pipeline p(host);
    client_request c;
    c.model = "m";
    c.stream = true;
    c.body = cpa::bytes("{}");
    std::vector<std::string> frames;
    const auto r = p.execute_stream(c, [&](std::string_view f) { frames.emplace_back(f); });
    BOOST_TEST(r.status == 200);
    BOOST_TEST(frames == std::vector<std::string>{"raw-frame"}, boost::test_tools::per_element());
    BOOST_REQUIRE(s.translations.size() == 1U);
    BOOST_TEST(s.translations[0].stream);
}
