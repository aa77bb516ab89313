// <cpa/api.hpp>: every CPA message as a C++ type with its JSON codec, the envelope and the
// method names. Include this, or only the capability headers under <cpa/api/> you need.
#ifndef CPA_API_HPP
#define CPA_API_HPP

#include <cpa/abi.h>
#include <cpa/api/auth.hpp>
#include <cpa/api/command_line.hpp>
#include <cpa/api/common.hpp>
#include <cpa/api/envelope.hpp>
#include <cpa/api/executor.hpp>
#include <cpa/api/frontend_auth.hpp>
#include <cpa/api/host_callbacks.hpp>
#include <cpa/api/interception.hpp>
#include <cpa/api/json.hpp>
#include <cpa/api/lifecycle.hpp>
#include <cpa/api/management.hpp>
#include <cpa/api/methods.hpp>
#include <cpa/api/models.hpp>
#include <cpa/api/registration.hpp>
#include <cpa/api/routing.hpp>
#include <cpa/api/scheduler.hpp>
#include <cpa/api/thinking.hpp>
#include <cpa/api/translation.hpp>
#include <cpa/api/types.hpp>
#include <cpa/api/usage.hpp>

#endif // CPA_API_HPP
