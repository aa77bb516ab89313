// A complete plugin in about fifteen lines, built with cpa_add_plugin() from the package.
#include <cpa/plugin.hpp>

struct tiny_router {
    static cpa::metadata metadata() {
        return {.name = "tiny-router",
                .version = "1.0.0",
                .author = "consumer",
                .github_repository = "https://example.invalid/tiny",
                .logo = {},
                .config_fields = {}};
    }
    cpa::model_route_response route_model(const cpa::model_route_request& request) {
        const bool mine = request.requested_model.starts_with("tiny-");
        return {.handled = mine,
                .target_kind = cpa::route_target_kind::self,
                .target = {},
                .target_model = {},
                .reason = mine ? "tiny model" : "not mine"};
    }
};
CPA_PLUGIN(tiny_router)
