// route_model takes the request by value and returns bool: not a model_router.
#include <cpa/plugin.hpp>

struct wrong_router {
    static cpa::metadata metadata() {
        return {.name = "wrong-router", .version = "1", .author = "a", .github_repository = "g"};
    }
    bool route_model(cpa::model_route_request request) { return !request.requested_model.empty(); }
};

CPA_PLUGIN(wrong_router)
