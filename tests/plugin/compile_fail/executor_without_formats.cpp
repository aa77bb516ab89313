// An executor that declares no executor_input_formats / executor_output_formats.
#include <cpa/plugin.hpp>

#include <string>

struct formatless_executor {
    static cpa::metadata metadata() {
        return {.name = "formatless", .version = "1", .author = "a", .github_repository = "g"};
    }
    static std::string executor_identifier() { return "formatless"; }
    cpa::executor_response execute(const cpa::executor_request&, cpa::call_context&) { return {}; }
};

CPA_PLUGIN(formatless_executor)
