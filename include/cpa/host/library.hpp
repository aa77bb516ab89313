// Loading a CPA plugin library: dlopen (RTLD_NOW | RTLD_LOCAL) through Boost.DLL, the
// `cliproxy_plugin_init` handshake and its validation, and the host API table the plugin calls
// back through. The result is a `plugin_client` that speaks JSON over the C ABI.
#ifndef CPA_HOST_LIBRARY_HPP
#define CPA_HOST_LIBRARY_HPP

#include <cpa/context.hpp>
#include <cpa/host/client.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace cpa::host {

/// Why a library could not become a client; `message` names the file and the problem.
struct load_failure {
    std::string message;
};

/// The outcome of `open_library`: a client, or why there is none.
struct load_result {
    std::shared_ptr<plugin_client> client;
    load_failure failure;
    explicit operator bool() const noexcept { return static_cast<bool>(client); }
};

/// Loads the library at `path` and initialises it. `services` answers the plugin's host
/// callbacks (`host.log`, `host.model.*`, ...) until the client's `shutdown`; afterwards the
/// plugin's callbacks fail with return code 1. The library stays mapped until the last copy of
/// the client is gone. On failure nothing stays loaded: a plugin whose init failed after it
/// filled in `shutdown` has been shut down.
[[nodiscard]] load_result open_library(const std::filesystem::path& path,
                                       std::shared_ptr<host_services> services);

} // namespace cpa::host

#endif // CPA_HOST_LIBRARY_HPP
