// Encodes and decodes one message through the public API; exits 0 only if the round trip holds.
#include <cpa/abi.h>
#include <cpa/api.hpp>

#include <iostream>
#include <string>

int main() {
    cpa::model_route_response r;
    r.handled = true;
    r.target_kind = cpa::route_target_kind::executor;
    r.target = "echo";

    std::string s = cpa::to_json(r);
    std::cout << "abi " << CLIPROXY_ABI_VERSION << ", schema " << CLIPROXY_SCHEMA_VERSION << ": "
              << s << '\n';

    auto back = cpa::from_json<cpa::model_route_response>(s);
    const bool ok = back.target == "echo" && back.handled &&
                    s.find("\"TargetKind\":\"executor\"") != std::string::npos;
    if (!ok) {
        std::cerr << "consumer: round trip failed\n";
        return 1;
    }
    return 0;
}
