// Every example of tests/data/cpa-wire-examples.txt (the exact JSON CPA's Go side produces for
// each message shape) decodes into its C++ type and encodes back to the same bytes: same keys,
// same order, same values, same nulls.
#include <cpa/api.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct example {
    std::string title;
    std::string json; // compact form
};

// Removes insignificant whitespace; independent of the codec under test.
std::string compact(const std::string& pretty) {
    std::string out;
    bool in_string = false;
    for (std::size_t i = 0; i < pretty.size(); ++i) {
        const char c = pretty[i];
        if (in_string) {
            out.push_back(c);
            if (c == '\\' && i + 1 < pretty.size()) {
                out.push_back(pretty[++i]);
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
            out.push_back(c);
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<example> load_examples() {
    std::ifstream in(CPA_TEST_DATA_DIR "/cpa-wire-examples.txt");
    BOOST_TEST_REQUIRE(in.good(), "cannot open the wire examples");
    std::vector<example> examples;
    std::string line;
    std::ostringstream body;
    const auto flush = [&] {
        if (!examples.empty()) {
            examples.back().json = compact(body.str());
        }
        body.str({});
    };
    while (std::getline(in, line)) {
        if (line.rfind("### ", 0) == 0) {
            flush();
            examples.push_back({line.substr(4), {}});
        } else {
            body << line << '\n';
        }
    }
    flush();
    return examples;
}

using round_trip_fn = std::function<void(const std::string&)>;

template <class T>
round_trip_fn round_trip() {
    return [](const std::string& json) {
        const T decoded = cpa::from_json<T>(json);
        BOOST_TEST(cpa::to_json(decoded) == json);

        // The same through the Boost.JSON customisation points.
        const boost::json::value dom = boost::json::parse(json);
        const T via_dom = boost::json::value_to<T>(dom);
        BOOST_TEST(cpa::to_json(via_dom) == json);
        BOOST_TEST(boost::json::value_from(decoded) == dom);
    };
}

const std::map<std::string, round_trip_fn>& types_by_title() {
    static const std::map<std::string, round_trip_fn> table = {
        {"plugin.register request", round_trip<cpa::register_request>()},
        {"registration zero", round_trip<cpa::register_response>()},
        {"model.register request", round_trip<cpa::model_register_request>()},
        {"model.static request", round_trip<cpa::model_static_request>()},
        {"model.for_auth request", round_trip<cpa::model_for_auth_request>()},
        {"ModelResponse", round_trip<cpa::model_response>()},
        {"auth.parse request", round_trip<cpa::auth_parse_request>()},
        {"AuthParseResponse", round_trip<cpa::auth_parse_response>()},
        {"auth.login.start request", round_trip<cpa::auth_login_start_request>()},
        {"AuthLoginStartResponse", round_trip<cpa::auth_login_start_response>()},
        {"auth.login.poll request", round_trip<cpa::auth_login_poll_request>()},
        {"AuthLoginPollResponse", round_trip<cpa::auth_login_poll_response>()},
        {"auth.refresh request", round_trip<cpa::auth_refresh_request>()},
        {"AuthRefreshResponse", round_trip<cpa::auth_refresh_response>()},
        {"frontend_auth.authenticate request", round_trip<cpa::frontend_auth_request>()},
        {"FrontendAuthResponse", round_trip<cpa::frontend_auth_response>()},
        {"scheduler.pick request", round_trip<cpa::scheduler_pick_request>()},
        {"SchedulerPickResponse", round_trip<cpa::scheduler_pick_response>()},
        {"model.route request", round_trip<cpa::model_route_request>()},
        {"ModelRouteResponse", round_trip<cpa::model_route_response>()},
        {"executor.execute request", round_trip<cpa::executor_request>()},
        {"executor.execute_stream request", round_trip<cpa::executor_request>()},
        {"ExecutorResponse", round_trip<cpa::executor_response>()},
        {"rpcExecutorStreamResponse", round_trip<cpa::executor_stream_response>()},
        {"executor.http_request request", round_trip<cpa::executor_http_request>()},
        {"ExecutorHTTPResponse", round_trip<cpa::executor_http_response>()},
        {"request.translate request", round_trip<cpa::request_transform_request>()},
        {"PayloadResponse", round_trip<cpa::payload_response>()},
        {"request.intercept_before request", round_trip<cpa::request_intercept_request>()},
        {"RequestInterceptResponse", round_trip<cpa::request_intercept_response>()},
        {"request.complete request", round_trip<cpa::request_completion>()},
        {"response.translate request", round_trip<cpa::response_transform_request>()},
        {"response.intercept_after request", round_trip<cpa::response_intercept_request>()},
        {"ResponseInterceptResponse", round_trip<cpa::response_intercept_response>()},
        {"stream chunk header-init", round_trip<cpa::stream_chunk_intercept_request>()},
        {"stream chunk payload v3", round_trip<cpa::stream_chunk_intercept_request>()},
        {"StreamChunkInterceptResponse", round_trip<cpa::stream_chunk_intercept_response>()},
        {"thinking.apply request", round_trip<cpa::thinking_apply_request>()},
        {"usage.handle request", round_trip<cpa::usage_record>()},
        {"command_line.register request", round_trip<cpa::command_line_register_request>()},
        {"CommandLineRegistrationResponse", round_trip<cpa::command_line_register_response>()},
        {"command_line.execute request", round_trip<cpa::command_line_execute_request>()},
        {"CommandLineExecutionResponse", round_trip<cpa::command_line_execute_response>()},
        {"management.register request", round_trip<cpa::management_register_request>()},
        {"rpcManagementRegistrationResponse", round_trip<cpa::management_register_response>()},
        {"management.handle request", round_trip<cpa::management_request>()},
        {"ManagementResponse", round_trip<cpa::management_response>()},
        {"identifier request (sent)", round_trip<cpa::empty_message>()},
        {"host.http.do response", round_trip<cpa::http_response>()},
        {"host.http.do_stream response", round_trip<cpa::host_stream_response>()},
        {"host.http.stream_read response", round_trip<cpa::host_http_stream_chunk>()},
        {"host.http.stream_read done", round_trip<cpa::host_http_stream_chunk>()},
        {"host.model.execute request", round_trip<cpa::host_model_request>()},
        {"host.model.execute response", round_trip<cpa::host_model_response>()},
        {"host.model.execute_stream response", round_trip<cpa::host_stream_response>()},
        {"host.model.stream_read response", round_trip<cpa::host_model_stream_chunk>()},
        {"host.model.stream_read done", round_trip<cpa::host_model_stream_chunk>()},
        {"host.auth.list response", round_trip<cpa::host_auth_list_response>()},
        {"host.auth.get_runtime response", round_trip<cpa::host_auth_get_runtime_response>()},
        {"host.auth.get response", round_trip<cpa::host_auth_get_response>()},
        {"host.auth.save request", round_trip<cpa::host_auth_save_request>()},
        {"host.auth.save response", round_trip<cpa::host_auth_save_response>()},
        {"stream emit", round_trip<cpa::host_stream_emit_request>()},
        {"stream close", round_trip<cpa::host_stream_close_request>()},
        {"host.log", round_trip<cpa::host_log_request>()},
        {"AuthData full", round_trip<cpa::auth_data>()},
        {"ModelInfo full", round_trip<cpa::model_info>()},
        {"HostConfigSummary full", round_trip<cpa::host_config_summary>()},
        {"Metadata full", round_trip<cpa::metadata>()},
    };
    return table;
}

std::vector<std::string> example_titles() {
    std::vector<std::string> titles;
    for (const auto& e : load_examples()) {
        titles.push_back(e.title);
    }
    return titles;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_data_file_holds_all_69_examples) {
    BOOST_TEST(load_examples().size() == 69u);
}

BOOST_AUTO_TEST_CASE(every_example_has_a_cpp_type) {
    for (const auto& e : load_examples()) {
        BOOST_TEST_CONTEXT(e.title) {
            BOOST_TEST(types_by_title().count(e.title) == 1u);
        }
    }
}

BOOST_DATA_TEST_CASE(example_round_trips_byte_for_byte,
                     boost::unit_test::data::make(example_titles()), title) {
    for (const auto& e : load_examples()) {
        if (e.title == title) {
            const auto it = types_by_title().find(title);
            BOOST_TEST_REQUIRE((it != types_by_title().end()), "no C++ type for " << title);
            it->second(e.json);
            return;
        }
    }
    BOOST_FAIL("example not found: " << title);
}
