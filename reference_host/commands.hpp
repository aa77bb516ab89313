// The subcommands of cpa-host. Each takes the words after its name and returns the exit code
// (cli.hpp); `--help` prints its usage. They throw `input_error` for unusable input (exit 2).
#ifndef CPA_REFERENCE_HOST_COMMANDS_HPP
#define CPA_REFERENCE_HOST_COMMANDS_HPP

#include <string>
#include <string_view>
#include <vector>

namespace cpa_host {

using command_function = int (*)(const std::vector<std::string>& args);

struct command {
    std::string_view name;
    std::string_view summary; ///< one line for `cpa-host --help`
    command_function run;
};

/// demo, list, route, run, check, in the order `cpa-host --help` lists them.
[[nodiscard]] const std::vector<command>& commands();

int demo_command(const std::vector<std::string>& args);
int list_command(const std::vector<std::string>& args);
int route_command(const std::vector<std::string>& args);
int run_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args); ///< check.cpp

} // namespace cpa_host

#endif // CPA_REFERENCE_HOST_COMMANDS_HPP
