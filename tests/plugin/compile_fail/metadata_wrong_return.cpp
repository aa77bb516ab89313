// metadata returns a name instead of a cpa::metadata.
#include <cpa/plugin.hpp>

#include <string>

struct wrong_metadata {
    static std::string metadata() { return "wrong-metadata"; }
    cpa::model_route_response route_model(const cpa::model_route_request&, cpa::call_context&) {
        return {};
    }
};

CPA_PLUGIN(wrong_metadata)
