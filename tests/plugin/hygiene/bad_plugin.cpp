// Negative control for the hygiene check: a library that breaks both rules (an extra exported
// symbol, and a run-time dependency on a Boost shared library). Never loaded.
#include <cpa/abi.h>

#include <boost/json.hpp>

CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api*, cliproxy_plugin_api*) {
    return 1;
}

extern "C" __attribute__((visibility("default"))) int cpa_hygiene_leaked_symbol() {
    return static_cast<int>(boost::json::value(1).as_int64());
}
