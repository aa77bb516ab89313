// Command-line plugins: `command_line.register`, `command_line.execute`.
#ifndef CPA_API_COMMAND_LINE_HPP
#define CPA_API_COMMAND_LINE_HPP

#include <cpa/api/common.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cpa {

/// The request of `command_line.register`: the plugin's own metadata.
using command_line_register_request = plugin_request;

/// A command-line flag a plugin adds to the host program. `type` is `bool` (also when empty),
/// `string`, `int`, `int64`, `float64` or `duration`.
struct command_line_flag {
    std::string name{};
    std::string usage{};
    std::string type{};
    std::string default_value{};

    static constexpr auto wire =
        detail::message("command_line_flag", detail::field("Name", &command_line_flag::name),
                        detail::field("Usage", &command_line_flag::usage),
                        detail::field("Type", &command_line_flag::type),
                        detail::field("DefaultValue", &command_line_flag::default_value));
};

/// The answer of `command_line.register`.
struct command_line_register_response {
    std::vector<command_line_flag> flags{};

    static constexpr auto wire =
        detail::message("command_line_register_response",
                        detail::field("Flags", &command_line_register_response::flags));
};

/// The value of one flag of the host program.
struct flag_value {
    std::string name{};
    std::string type{};
    std::string value{};
    bool set = false;

    static constexpr auto wire = detail::message(
        "flag_value", detail::field("Name", &flag_value::name),
        detail::field("Type", &flag_value::type), detail::field("Value", &flag_value::value),
        detail::field("Set", &flag_value::set));
};

/// The request of `command_line.execute`.
struct command_line_execute_request {
    cpa::metadata plugin{};
    std::string program{};
    std::vector<std::string> args{};
    std::string config_path{};
    host_config_summary host{};
    std::map<std::string, flag_value> flags{};
    std::map<std::string, flag_value> triggered_flags{};

    static constexpr auto wire = detail::message(
        "command_line_execute_request",
        detail::field("Plugin", &command_line_execute_request::plugin),
        detail::field("Program", &command_line_execute_request::program),
        detail::field("Args", &command_line_execute_request::args),
        detail::field("ConfigPath", &command_line_execute_request::config_path),
        detail::field("Host", &command_line_execute_request::host),
        detail::field("Flags", &command_line_execute_request::flags),
        detail::field("TriggeredFlags", &command_line_execute_request::triggered_flags));
};

/// The answer of `command_line.execute`.
struct command_line_execute_response {
    bytes stdout_data{};
    bytes stderr_data{};
    std::vector<auth_data> auths{};
    std::int64_t exit_code = 0;

    static constexpr auto wire =
        detail::message("command_line_execute_response",
                        detail::field("Stdout", &command_line_execute_response::stdout_data),
                        detail::field("Stderr", &command_line_execute_response::stderr_data),
                        detail::field("Auths", &command_line_execute_response::auths),
                        detail::field("ExitCode", &command_line_execute_response::exit_code));
};

} // namespace cpa

#endif // CPA_API_COMMAND_LINE_HPP
