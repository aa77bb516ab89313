// The exceptions of capability code: `plugin_error`, which a capability function throws to answer
// with a specific error, and `host_error`, which a host service throws when it fails.
#ifndef CPA_ERROR_HPP
#define CPA_ERROR_HPP

#include <cpa/api/envelope.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace cpa {

/// Throw from a capability function to answer the host with this error envelope (rc 0):
/// `{"ok":false,"error":{"code":...,"message":...,"retryable":...,"http_status":...}}`.
/// `http_status > 0` becomes the client's HTTP status where the host has one to give (executors,
/// schedulers). Any other exception is answered as `plugin_error` with rc 1.
class plugin_error : public std::runtime_error {
public:
    explicit plugin_error(const std::string& message, std::int64_t http_status = 0,
                          std::string code = std::string(error_codes::plugin_error),
                          bool retryable = false)
        : std::runtime_error(message), code_(std::move(code)), http_status_(http_status),
          retryable_(retryable) {}

    [[nodiscard]] const std::string& code() const noexcept { return code_; }
    [[nodiscard]] std::int64_t http_status() const noexcept { return http_status_; }
    [[nodiscard]] bool retryable() const noexcept { return retryable_; }

    /// The envelope's `error` object.
    [[nodiscard]] error_info info() const { return {code_, what(), retryable_, http_status_}; }

private:
    std::string code_;
    std::int64_t http_status_;
    bool retryable_;
};

/// Thrown when a host service fails: the host answered with an error (`host_call_failed`),
/// refused the call, or is gone. `what()` names the host method.
class host_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace cpa

#endif // CPA_ERROR_HPP
