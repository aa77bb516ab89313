// The runtime constructs the plugin object itself: a constructor with parameters cannot work.
#include <cpa/plugin.hpp>

#include <string>
#include <utility>

class configured_router {
public:
    explicit configured_router(std::string target) : target_(std::move(target)) {}
    static cpa::metadata metadata() {
        return {.name = "configured", .version = "1", .author = "a", .github_repository = "g"};
    }
    cpa::model_route_response route_model(const cpa::model_route_request&, cpa::call_context&) {
        return {.handled = !target_.empty()};
    }

private:
    std::string target_;
};

CPA_PLUGIN(configured_router)
