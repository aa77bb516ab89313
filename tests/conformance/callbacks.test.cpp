// Conformance catalogue: host callbacks (8.14) over scripted plugins: `host.http.*` through the
// host program's transport, `host.model.*` as nested executions through the pipeline that skip
// the caller, model streams bound to callback scopes, and the errors of each.
#include "support/fake_plugin.hpp"

#include <cpa/error.hpp>
#include <cpa/host/callbacks.hpp>
#include <cpa/host/pipeline.hpp>

#include <boost/test/unit_test.hpp>

#include <deque>
#include <set>

using namespace cpa_test;
using cpa::route_target_kind;

namespace {

std::string text(const cpa::bytes& b) {
    return std::string(b.view());
}

/// Runs `f` and returns the text of the `cpa::host_error` it throws ("" if none).
template <class F>
std::string host_error_of(F&& f) {
    try {
        f();
    } catch (const cpa::host_error& e) {
        return e.what();
    }
    return {};
}

/// A stream that hands out scripted chunks and records its cancellation.
class scripted_stream final : public byte_stream {
public:
    explicit scripted_stream(std::deque<chunk> chunks, std::shared_ptr<std::atomic<bool>> cancelled)
        : chunks_(std::move(chunks)), cancelled_(std::move(cancelled)) {}
    std::optional<chunk> next() override {
        if (cancelled_->load() || chunks_.empty()) {
            return std::nullopt;
        }
        chunk c = std::move(chunks_.front());
        chunks_.pop_front();
        return c;
    }
    void cancel() noexcept override { cancelled_->store(true); }

private:
    std::deque<chunk> chunks_;
    std::shared_ptr<std::atomic<bool>> cancelled_;
};

/// An HTTP transport that records what it was asked.
class recording_transport final : public http_transport {
public:
    cpa::http_response execute(const cpa::host_http_request_spec& r,
                               const callback_origin& o) override {
        std::lock_guard lock(mutex);
        requests.push_back(r);
        origins.push_back(o);
        cpa::http_response out;
        out.status_code = 200;
        out.headers = {{"X-Test", {"yes"}}};
        out.body = cpa::bytes("echo:" + text(r.body));
        return out;
    }
    opened_stream open_stream(const cpa::host_http_request_spec& r,
                              const callback_origin& o) override {
        {
            std::lock_guard lock(mutex);
            requests.push_back(r);
            origins.push_back(o);
        }
        return {206,
                {{"X-Stream", {"1"}}},
                std::make_unique<scripted_stream>(
                    std::deque<byte_stream::chunk>{{cpa::bytes("a"), {}}, {cpa::bytes("b"), {}}},
                    cancelled)};
    }
    std::mutex mutex;
    std::vector<cpa::host_http_request_spec> requests;
    std::vector<callback_origin> origins;
    std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
};

/// A model executor whose streams the test scripts.
class scripted_executor final : public model_executor {
public:
    cpa::host_model_response execute(const cpa::host_model_request& r,
                                     const callback_origin& o) override {
        last = r;
        origin = o;
        return {200, {}, r.body};
    }
    opened_stream execute_stream(const cpa::host_model_request& r,
                                 const callback_origin& o) override {
        last = r;
        origin = o;
        if (fail_start) {
            throw cpa::call_error("model execution failed with status 502");
        }
        ++opened;
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        cancels.push_back(cancelled);
        return {
            200,
            {},
            std::make_unique<scripted_stream>(
                std::deque<byte_stream::chunk>{{cpa::bytes("first"), {}}, {{}, "terminal boom"}},
                cancelled)};
    }
    cpa::host_model_request last;
    callback_origin origin;
    bool fail_start = false;
    int opened = 0;
    std::vector<std::shared_ptr<std::atomic<bool>>> cancels;
};

/// A provider that echoes the request body and records the executor request.
class echo_provider final : public provider {
public:
    std::string name() const override { return "echo"; }
    std::vector<std::string> models() const override { return {"inner"}; }
    cpa::executor_response execute(const cpa::executor_request& r) override {
        std::lock_guard lock(mutex);
        seen.push_back(r);
        if (fail_status != 0) {
            throw cpa::call_error("upstream refused", fail_status);
        }
        return {cpa::bytes("echo:" + text(r.payload)), {{"X-Echo", {"1"}}}, {}};
    }
    std::vector<cpa::bytes> execute_stream(const cpa::executor_request& r) override {
        std::lock_guard lock(mutex);
        seen.push_back(r);
        if (fail_status != 0) {
            throw cpa::call_error("upstream refused", fail_status);
        }
        return {cpa::bytes("s1"), cpa::bytes("s2"), cpa::bytes("s3")};
    }
    std::mutex mutex;
    std::vector<cpa::executor_request> seen;
    std::int64_t fail_status = 0;
};

cpa::register_response plain_executor(std::string name) {
    return registration(std::move(name), [](cpa::capabilities& c) {
        c.executor = true;
        c.executor_input_formats = {"openai"};
        c.executor_output_formats = {"openai"};
    });
}

} // namespace

BOOST_AUTO_TEST_CASE(HCB_01_http_do_goes_through_the_host_programs_transport) {
    fake_directory d;
    auto p = d.add("caller", registration("caller", [](auto& c) { c.request_interceptor = true; }));
    cpa::http_response answer;
    std::string streamed;
    std::string stream_errors;
    p->on(plugin_methods::request_intercept_before, [&](const cpa::request_intercept_request& r) {
        cpa::host_http_request h;
        h.host_callback_id = r.host_callback_id;
        h.method = "POST";
        h.url = "http://upstream.test/v1/x";
        h.headers = {{"X-Test", {"in"}}};
        h.body = cpa::bytes("ping");
        answer = p->services->http_do(h);

        // The nested `request` form wins over the top-level fields; GET by default.
        cpa::host_http_request s;
        s.url = "ignored";
        s.request = cpa::host_http_request_spec{{}, "https://upstream.test/stream", {}, {}};
        const auto opened = p->services->http_do_stream(s);
        streamed += std::to_string(opened.status_code) + ":";
        for (int i = 0; i < 4; ++i) {
            try {
                const auto c = p->services->http_stream_read({opened.stream_id});
                streamed += text(c.payload) + (c.done ? "|done" : "") + ",";
            } catch (const cpa::host_error& e) {
                stream_errors += std::string(e.what()) + ";";
            }
        }
        return cpa::request_intercept_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 1}}));

    // No transport: a clear error naming the callback.
    cpa::host_http_request bare;
    bare.url = "http://upstream.test/";
    BOOST_TEST(host_error_of([&] { (void)p->services->http_do(bare); }) ==
               "host.http.do: the host program supplies no HTTP transport for it");

    auto transport = std::make_shared<recording_transport>();
    host.set_http_transport(transport);
    cpa::request_intercept_request req;
    req.request_id = "req-7";
    req.headers = {{"X-Inbound", {"1"}}};
    (void)host.intercept_request_before(req);

    BOOST_TEST(answer.status_code == 200);
    BOOST_TEST(text(answer.body) == "echo:ping");
    BOOST_TEST(answer.headers.at("X-Test").at(0) == "yes");
    BOOST_REQUIRE(transport->requests.size() == 2U);
    BOOST_TEST(transport->requests[0].method == "POST");
    BOOST_TEST(transport->requests[0].headers.at("X-Test").at(0) == "in");
    BOOST_TEST(transport->requests[1].method == "GET");
    BOOST_TEST(transport->requests[1].url == "https://upstream.test/stream");
    // Bound to the interceptor call: the transport can log it under that request.
    BOOST_TEST(transport->origins[0].plugin_id == "caller");
    BOOST_TEST(!transport->origins[0].callback_id.empty());
    BOOST_TEST(transport->origins[0].request_id == "req-7");
    BOOST_TEST(transport->origins[0].headers.at("X-Inbound").at(0) == "1");
    // a, b, end; then the stream is gone.
    BOOST_TEST(streamed == "206:a,b,|done,");
    BOOST_TEST(stream_errors.find("is not open") != std::string::npos);

    // A callback ID that is not open gives a background origin, not an error.
    cpa::host_http_request stale = bare;
    stale.host_callback_id = "999999";
    (void)p->services->http_do(stale);
    BOOST_TEST(transport->origins.back().callback_id.empty());
    BOOST_TEST(transport->origins.back().request_id.empty());

    // Relative URLs and empty stream IDs are refused before the transport is asked.
    cpa::host_http_request relative;
    relative.url = "/v1/x";
    BOOST_TEST(host_error_of([&] {
                   (void)p->services->http_do(relative);
               }).find("url must be absolute") != std::string::npos);
    BOOST_TEST(host_error_of([&] { (void)p->services->http_stream_read({""}); }) ==
               "http stream id is required");
    // Closing an unknown stream is fine.
    p->services->http_stream_close({"12345"});
}

BOOST_AUTO_TEST_CASE(HCB_02_model_execute_is_a_nested_execution_that_skips_the_caller) {
    fake_directory d;
    // origin-plugin: a router (routes "outer" to itself), an interceptor and a lifecycle plugin,
    // and the executor that makes the nested call. other: an interceptor and lifecycle plugin.
    auto origin = d.add("origin-plugin", registration("origin-plugin", [](cpa::capabilities& c) {
                            c.model_router = true;
                            c.request_interceptor = true;
                            c.request_lifecycle_plugin = true;
                            c.executor = true;
                            c.executor_input_formats = {"openai"};
                            c.executor_output_formats = {"openai"};
                        }));
    auto other = d.add("other", registration("other", [](cpa::capabilities& c) {
                           c.request_interceptor = true;
                           c.request_lifecycle_plugin = true;
                       }));
    origin->on(plugin_methods::executor_identifier,
               [](const cpa::empty_message&) { return cpa::identifier_response{"origin"}; });
    origin->on(plugin_methods::model_route, [](const cpa::model_route_request& r) {
        cpa::model_route_response out;
        out.handled = r.requested_model == "outer";
        out.target_kind = route_target_kind::self;
        return out;
    });
    const auto append = [](std::string tag) {
        return [tag](const cpa::request_intercept_request& r) {
            cpa::request_intercept_response out;
            out.body = cpa::bytes(text(r.body) + "|" + tag);
            return out;
        };
    };
    origin->on(plugin_methods::request_intercept_before, append("origin"));
    other->on(plugin_methods::request_intercept_before, append("other"));
    std::mutex completions_mutex;
    std::vector<std::string> completions;
    const auto record = [&](std::string who) {
        return [&, who](const cpa::request_completion& c) {
            std::lock_guard lock(completions_mutex);
            const auto* src = c.metadata.if_contains("source");
            completions.push_back(who + (src != nullptr ? ":nested" : ":outer"));
            return cpa::empty_message{};
        };
    };
    origin->on(plugin_methods::request_complete, record("origin"));
    other->on(plugin_methods::request_complete, record("other"));

    cpa::host_model_response nested;
    cpa::host_model_response inherited;
    origin->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        cpa::host_model_request m;
        m.host_callback_id = r.host_callback_id;
        m.entry_protocol = "openai";
        m.model = "inner";
        m.body = cpa::bytes("nested");
        m.headers = {{"X-Nested", {"1"}}};
        m.query = {{"session", {"abc"}}};
        nested = origin->services->model_execute(m);
        // Without headers of its own the nested request inherits the caller's.
        m.headers = {};
        m.query = {};
        inherited = origin->services->model_execute(m);
        return cpa::executor_response{.payload = nested.body};
    });

    plugin_host host(d.options());
    host.apply_config(d.config({{"origin-plugin", 20}, {"other", 10}}));
    pipeline p(host);
    auto echo = std::make_shared<echo_provider>();
    p.add_provider(echo);
    host.set_model_executor(pipeline_model_executor(p));

    client_request outer;
    outer.model = "outer";
    outer.body = cpa::bytes("client");
    outer.headers = {{"X-Outer", {"1"}}};
    const auto res = p.execute(outer);
    host.drain_async();

    BOOST_TEST(res.status == 200);
    BOOST_TEST(nested.status_code == 200);
    // Only the other plugin's interceptor rewrote the nested request.
    BOOST_TEST(text(nested.body) == "echo:nested|other");
    BOOST_TEST(nested.headers.at("X-Echo").at(0) == "1");
    BOOST_TEST(text(res.body) == "echo:nested|other");
    // The router of the caller was asked once (the outer request), never for the nested one.
    BOOST_TEST(origin->calls(method_id::model_route) == 1);
    // origin's interceptor ran for the outer request only; other's for all three.
    BOOST_TEST(origin->calls(method_id::request_intercept_before) == 1);
    BOOST_TEST(other->calls(method_id::request_intercept_before) == 3);
    BOOST_REQUIRE(echo->seen.size() == 2U);
    const auto& first = echo->seen[0];
    BOOST_TEST(first.model == "inner");
    BOOST_TEST(first.headers.at("X-Nested").at(0) == "1");
    BOOST_TEST(first.query.at("session").at(0) == "abc");
    BOOST_TEST(first.metadata.at("source").as_string() == "plugin_host_model_callback");
    BOOST_TEST(echo->seen[1].headers.at("X-Outer").at(0) == "1");
    BOOST_TEST(text(inherited.body) == "echo:nested|other");
    // The caller gets no completion for its nested requests; the other plugin gets all three.
    std::lock_guard lock(completions_mutex);
    std::multiset<std::string> seen(completions.begin(), completions.end());
    BOOST_TEST(seen.count("origin:outer") == 1U);
    BOOST_TEST(seen.count("origin:nested") == 0U);
    BOOST_TEST(seen.count("other:outer") == 1U);
    BOOST_TEST(seen.count("other:nested") == 2U);
}

BOOST_AUTO_TEST_CASE(HCB_03_model_execute_checks_stream_and_needs_an_executor) {
    fake_directory d;
    auto p = d.add("caller", plain_executor("caller"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 1}}));
    cpa::host_model_request r;
    r.model = "m";
    BOOST_TEST(host_error_of([&] { (void)p->services->model_execute(r); }) ==
               "host model executor is unavailable");
    host.set_model_executor(std::make_shared<scripted_executor>());
    r.stream = true;
    BOOST_TEST(host_error_of([&] { (void)p->services->model_execute(r); }) ==
               "host.model.execute requires stream=false");
    r.stream = false;
    BOOST_TEST(host_error_of([&] { (void)p->services->model_execute_stream(r); }) ==
               "host.model.execute_stream requires stream=true");
    BOOST_TEST(host_error_of([&] { (void)p->services->model_execute(r); }).empty());
}

BOOST_AUTO_TEST_CASE(HCB_04_model_streams_are_bound_to_the_callback_scope) {
    fake_directory d;
    auto p = d.add("caller", plain_executor("caller"));
    auto exec = std::make_shared<scripted_executor>();
    std::string scoped_id;
    p->on(plugin_methods::executor_execute, [&](const cpa::executor_request& r) {
        cpa::host_model_request m;
        m.stream = true;
        m.host_callback_id = r.host_callback_id;
        scoped_id = p->services->model_execute_stream(m).stream_id;
        return cpa::executor_response{};
    });
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 1}}));
    host.set_model_executor(exec);

    // Bound to the executor call's scope: cancelled when that call returns.
    (void)host.execute("caller", {});
    BOOST_REQUIRE(exec->cancels.size() == 1U);
    BOOST_TEST(exec->cancels[0]->load());
    BOOST_TEST(exec->origin.plugin_id == "caller");
    BOOST_TEST(!exec->origin.callback_id.empty());
    const auto after_scope = p->services->model_stream_read({scoped_id});
    BOOST_TEST(after_scope.done);
    BOOST_TEST(after_scope.error.empty());

    // Without a scope (this host has no request contexts to cancel, so nothing else ends it):
    // first, then the terminal error, then the end with no error.
    cpa::host_model_request m;
    m.stream = true;
    const auto opened = p->services->model_execute_stream(m);
    BOOST_TEST(opened.status_code == 200);
    BOOST_TEST(!exec->cancels[1]->load());
    const auto c1 = p->services->model_stream_read({opened.stream_id});
    BOOST_TEST(text(c1.payload) == "first");
    BOOST_TEST(!c1.done);
    const auto c2 = p->services->model_stream_read({opened.stream_id});
    BOOST_TEST(c2.done);
    BOOST_TEST(c2.error == "terminal boom");
    const auto c3 = p->services->model_stream_read({opened.stream_id});
    BOOST_TEST(c3.done);
    BOOST_TEST(c3.error.empty());

    // Explicit close, twice, and a close with no ID are fine; a read with no ID is not.
    const auto third = p->services->model_execute_stream(m);
    p->services->model_stream_close({third.stream_id});
    p->services->model_stream_close({third.stream_id});
    p->services->model_stream_close({""});
    BOOST_TEST(exec->cancels[2]->load());
    BOOST_TEST(host_error_of([&] { (void)p->services->model_stream_read({""}); }) ==
               "model stream id is required");

    // A startup error: the error names the status and no stream is left open.
    exec->fail_start = true;
    const int opened_before = exec->opened;
    BOOST_TEST(host_error_of([&] {
                   (void)p->services->model_execute_stream(m);
               }).find("status 502") != std::string::npos);
    BOOST_TEST(exec->opened == opened_before);
}

BOOST_AUTO_TEST_CASE(HCB_04b_nested_streams_through_the_pipeline) {
    fake_directory d;
    auto p = d.add("caller", plain_executor("caller"));
    plugin_host host(d.options());
    host.apply_config(d.config({{"caller", 1}}));
    pipeline pl(host);
    auto echo = std::make_shared<echo_provider>();
    pl.add_provider(echo);
    host.set_model_executor(pipeline_model_executor(pl));

    cpa::host_model_request m;
    m.stream = true;
    m.model = "inner";
    m.body = cpa::bytes("x");
    const auto opened = p->services->model_execute_stream(m);
    std::string got;
    for (int i = 0; i < 10; ++i) {
        const auto c = p->services->model_stream_read({opened.stream_id});
        if (c.done) {
            BOOST_TEST(c.error.empty());
            break;
        }
        got += text(c.payload) + ",";
    }
    BOOST_TEST(got == "s1,s2,s3,");
    BOOST_REQUIRE(echo->seen.size() == 1U);
    BOOST_TEST(echo->seen[0].metadata.at("source").as_string() == "plugin_host_model_callback");

    // An upstream failure before the first chunk fails the call with its status.
    echo->fail_status = 502;
    const auto e = host_error_of([&] { (void)p->services->model_execute_stream(m); });
    BOOST_TEST(e.find("status 502") != std::string::npos);
    BOOST_TEST(e.find("upstream refused") != std::string::npos);
    m.stream = false;
    BOOST_TEST(host_error_of([&] { (void)p->services->model_execute(m); }) == "upstream refused");
}
