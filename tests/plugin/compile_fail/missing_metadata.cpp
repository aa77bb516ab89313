// A router without metadata.
#include <cpa/plugin.hpp>

struct anonymous_router {
    cpa::model_route_response route_model(const cpa::model_route_request&, cpa::call_context&) {
        return {};
    }
};

CPA_PLUGIN(anonymous_router)
