// The calls `cpa-host check` makes to the capabilities a plugin declares: one probe per method,
// each with a representative request, the contract section it checks, and whether the contract
// needs an answer from it.
#ifndef CPA_REFERENCE_HOST_CHECK_PROBES_HPP
#define CPA_REFERENCE_HOST_CHECK_PROBES_HPP

#include "check_services.hpp"

#include <cpa/api.hpp>
#include <cpa/host/client.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

/// The plugin under check and what the probes share: its registration, and what earlier probes
/// learnt from it (a model it serves, its provider keys). Probes only read it while they run
/// concurrently (`learning` is false then).
struct subject {
    std::string id;
    std::shared_ptr<cpa::host::plugin_client> client;
    std::shared_ptr<check_services> services;
    cpa::register_request registration_request;
    cpa::register_response registration;
    std::chrono::milliseconds stream_wait{5000}; ///< how long a stream may take to close
    bool learning = true;
    std::string model = "check-model";
    std::string provider = "check";      ///< the model registration's or executor's provider key
    std::string auth_provider = "check"; ///< `auth.identifier`

    template <class Req, class Resp>
    Resp call(const cpa::host::plugin_method<Req, Resp>& method, const Req& request) {
        return cpa::host::invoke(*client, method, request);
    }
};

/// The calls of one round share a request ID, so that a lifecycle plugin sees its requests
/// completed.
struct round_context {
    std::string request_id;
};

/// One check of one capability method.
struct probe {
    std::string name; ///< the method, e.g. `model.route`
    std::string spec; ///< the section of the wire contract, e.g. `wire-contract 4.11`
    bool must_answer = false;
    std::string on_error; ///< what the host does with an error answer, for the note
    /// Makes the call(s): "" when the answer is acceptable (with `note` describing it), else
    /// why not. Throws `cpa::call_error` when the plugin answered with an error, or an answer
    /// that does not decode.
    std::function<std::string(subject&, const round_context&, std::string& note)> run;
};

struct probe_outcome {
    bool passed = true;
    bool answered = true; ///< false when the plugin answered with an error (allowed or not)
    std::string detail;   ///< the note when passed, else the reason
};

/// Runs one probe. An error answer fails it only when `must_answer`.
[[nodiscard]] probe_outcome run_probe(const probe& p, subject& s, const round_context& round);

/// The probes of every capability in `caps`, in the order the host makes such calls:
/// identifiers and models first, then the request path, usage and completion last.
[[nodiscard]] std::vector<probe> probes_for(const cpa::capabilities& caps);

/// The format a probe uses of those an executor declares (normalised): `openai` when declared,
/// else the first one; "" when none is.
[[nodiscard]] std::string pick_format(const std::vector<std::string>& declared);

/// Go's `strings.TrimSpace`.
[[nodiscard]] std::string trim(std::string_view s);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_CHECK_PROBES_HPP
