// Positive control: the same shapes done right compile, so a failure of the other cases comes from
// their one mistake and not from the test setup (include paths, flags).
#include <cpa/plugin.hpp>

#include <array>
#include <string>

struct valid_plugin {
    static cpa::metadata metadata() {
        return {.name = "valid", .version = "1", .author = "a", .github_repository = "g"};
    }
    cpa::model_route_response route_model(const cpa::model_route_request& request) {
        return {.handled = request.requested_model.empty()};
    }
    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static std::string executor_identifier() { return "valid"; }
    cpa::executor_response execute(const cpa::executor_request&, cpa::call_context&) { return {}; }
};

CPA_PLUGIN(valid_plugin)
