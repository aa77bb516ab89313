// Metadata and nothing else.
#include <cpa/plugin.hpp>

struct idle_plugin {
    static cpa::metadata metadata() {
        return {.name = "idle", .version = "1", .author = "a", .github_repository = "g"};
    }
    void helper() {}
};

CPA_PLUGIN(idle_plugin)
