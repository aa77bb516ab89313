// Command-line plumbing of cpa-host: the errors that end a command with exit code 2, and a small
// parser for `--option`, `--option VALUE` and positional arguments.
#ifndef CPA_REFERENCE_HOST_CLI_HPP
#define CPA_REFERENCE_HOST_CLI_HPP

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

/// Exit codes of every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1; ///< the command ran and found a problem (a FAIL, a 4xx...)
inline constexpr int exit_usage = 2;  ///< bad arguments or unusable input files

/// Input the command cannot use: a bad argument, a missing file, a file that does not parse.
/// `what()` is the whole line to print (it names the file and the problem); the command exits 2.
class input_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The arguments of one subcommand.
class arguments {
public:
    /// Parses `args` (the words after the subcommand). `flags` take no value, `options` take one
    /// (`--name VALUE` or `--name=VALUE`). Throws `input_error` for an unknown option, a missing
    /// value or more positional arguments than `max_positional`. `--help`/`-h` is always a flag.
    arguments(std::string_view command, const std::vector<std::string>& args,
              std::set<std::string, std::less<>> flags, std::set<std::string, std::less<>> options,
              std::size_t max_positional);

    [[nodiscard]] bool flag(std::string_view name) const { return flags_.contains(name); }
    [[nodiscard]] std::optional<std::string> option(std::string_view name) const;
    /// The option's value; throws `input_error` ("cpa-host run: --config FILE is required").
    [[nodiscard]] std::string required(std::string_view name, std::string_view value_name) const;
    [[nodiscard]] const std::vector<std::string>& positional() const noexcept {
        return positional_;
    }

private:
    std::string command_;
    std::set<std::string, std::less<>> flags_;
    std::map<std::string, std::string, std::less<>> options_;
    std::vector<std::string> positional_;
};

/// The whole content of `path`; throws `input_error` naming the file and the reason.
[[nodiscard]] std::string read_file(const std::string& path);

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_CLI_HPP
