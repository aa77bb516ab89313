// execute returns a string instead of a cpa::executor_response.
#include <cpa/plugin.hpp>

#include <array>
#include <string>

struct wrong_executor {
    static cpa::metadata metadata() {
        return {.name = "wrong-executor", .version = "1", .author = "a", .github_repository = "g"};
    }
    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static std::string executor_identifier() { return "wrong"; }
    std::string execute(const cpa::executor_request& request, cpa::call_context&) {
        return request.model;
    }
};

CPA_PLUGIN(wrong_executor)
