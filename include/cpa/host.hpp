// The host library: load CPA plugins (shared libraries in any language, or in-process C++
// objects), order them, run their capability chains, fuse and unload them. Link `cpa::host`.
#ifndef CPA_HOST_HPP
#define CPA_HOST_HPP

#include <cpa/host/callbacks.hpp>
#include <cpa/host/client.hpp>
#include <cpa/host/config.hpp>
#include <cpa/host/discovery.hpp>
#include <cpa/host/guarded_client.hpp>
#include <cpa/host/in_process.hpp>
#include <cpa/host/library.hpp>
#include <cpa/host/pipeline.hpp>
#include <cpa/host/plugin_host.hpp>
#include <cpa/host/registry.hpp>
#include <cpa/host/services.hpp>

#endif // CPA_HOST_HPP
