// cpa-host: the reference host of cpa-sdk. A small program over the host library (cpa::host) that
// loads CPA plugins from CPA's own configuration, shows their order, routes and runs requests,
// and checks a plugin binary against the contract. `cpa-host --help` lists the commands.
#include "cli.hpp"
#include "commands.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

void usage(std::ostream& out) {
    out << "Usage: cpa-host <command> [options]   (cpa-host <command> --help for each)\n\n"
           "The reference host of cpa-sdk: it loads CLIProxyAPI (CPA) native plugins, written in\n"
           "any language, from CPA's own configuration, and drives them as CPA does.\n\n"
           "Commands:\n";
    for (const auto& c : cpa_host::commands()) {
        out << "  " << c.name << std::string(8 - c.name.size(), ' ') << c.summary << "\n";
    }
    out << "\nExit status: 0 on success, 1 when the command found a problem, 2 for unusable\n"
           "arguments or input files.\n";
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> words(argv + (argc > 0 ? 1 : 0), argv + argc);
    if (words.empty()) {
        usage(std::cerr);
        return cpa_host::exit_usage;
    }
    const std::string& name = words.front();
    if (name == "-h" || name == "--help" || name == "help") {
        if (name == "help" && words.size() > 1) {
            for (const auto& c : cpa_host::commands()) {
                if (c.name == words[1]) {
                    return c.run({"--help"});
                }
            }
        }
        usage(std::cout);
        return cpa_host::exit_ok;
    }
    for (const auto& c : cpa_host::commands()) {
        if (c.name != name) {
            continue;
        }
        try {
            return c.run({words.begin() + 1, words.end()});
        } catch (const cpa_host::input_error& e) {
            std::cerr << e.what() << "\n";
            return cpa_host::exit_usage;
        } catch (const std::exception& e) {
            std::cerr << "cpa-host " << name << ": " << e.what() << "\n";
            return cpa_host::exit_failed;
        }
    }
    std::cerr << "cpa-host: unknown command \"" << name << "\" (see cpa-host --help)\n";
    return cpa_host::exit_usage;
}
