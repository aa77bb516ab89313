// executor_identifier returns an int.
#include <cpa/plugin.hpp>

#include <array>

struct numbered_executor {
    static cpa::metadata metadata() {
        return {.name = "numbered", .version = "1", .author = "a", .github_repository = "g"};
    }
    static constexpr std::array executor_input_formats{"openai"};
    static constexpr std::array executor_output_formats{"openai"};
    static int executor_identifier() { return 42; }
    cpa::executor_response execute(const cpa::executor_request&, cpa::call_context&) { return {}; }
};

CPA_PLUGIN(numbered_executor)
