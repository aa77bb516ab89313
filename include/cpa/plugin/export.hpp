// CPA_PLUGIN(T): makes the plugin class T the shared library's plugin.
#ifndef CPA_PLUGIN_EXPORT_HPP
#define CPA_PLUGIN_EXPORT_HPP

#include <cpa/abi.h>
#include <cpa/capabilities.hpp>
#include <cpa/plugin/runtime.hpp>

#include <type_traits>

/// Exports `cliproxy_plugin_init` for the plugin class `Type`, which must be default-constructible,
/// have `static cpa::metadata metadata()` and at least one capability. Write it once, at namespace
/// scope, in one source file of the library:
///
///     CPA_PLUGIN(my_router)
///
/// Wrong member shapes are compile errors that name the capability and the expected signature.
#define CPA_PLUGIN(Type)                                                                           \
    static_assert(::cpa::check_plugin<Type>());                                                    \
    static_assert(::std::is_default_constructible_v<Type>,                                         \
                  "cpa: plugin: the plugin class must be default-constructible");                  \
    CLIPROXY_PLUGIN_EXPORT int cliproxy_plugin_init(const cliproxy_host_api* host,                 \
                                                    cliproxy_plugin_api* plugin) {                 \
        return ::cpa::detail::plugin_runtime<Type>::init(host, plugin);                            \
    }

#endif // CPA_PLUGIN_EXPORT_HPP
