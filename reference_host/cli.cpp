#include "cli.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cpa_host {

arguments::arguments(std::string_view command, const std::vector<std::string>& args,
                     std::set<std::string, std::less<>> flags,
                     std::set<std::string, std::less<>> options, std::size_t max_positional)
    : command_(command) {
    const std::string see = " (see cpa-host " + command_ + " --help)";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "-h" || word == "--help") {
            flags_.insert("--help");
            continue;
        }
        if (word.size() > 2 && word.starts_with("--")) {
            const auto eq = word.find('=');
            const std::string name = word.substr(0, eq);
            if (flags.contains(name)) {
                if (eq != std::string::npos) {
                    throw input_error("cpa-host " + command_ + ": " + name + " takes no value" +
                                      see);
                }
                flags_.insert(name);
                continue;
            }
            if (options.contains(name)) {
                if (eq != std::string::npos) {
                    options_[name] = word.substr(eq + 1);
                } else if (i + 1 < args.size()) {
                    options_[name] = args[++i];
                } else {
                    throw input_error("cpa-host " + command_ + ": " + name + " needs a value" +
                                      see);
                }
                continue;
            }
            throw input_error("cpa-host " + command_ + ": unknown option " + name + see);
        }
        if (word.size() > 1 && word.starts_with('-')) {
            throw input_error("cpa-host " + command_ + ": unknown option " + word + see);
        }
        positional_.push_back(word);
    }
    if (!flags_.contains("--help") && positional_.size() > max_positional) {
        throw input_error("cpa-host " + command_ + ": unexpected argument " +
                          positional_[max_positional] + see);
    }
}

std::optional<std::string> arguments::option(std::string_view name) const {
    const auto it = options_.find(name);
    if (it == options_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::string arguments::required(std::string_view name, std::string_view value_name) const {
    auto value = option(name);
    if (!value || value->empty()) {
        throw input_error("cpa-host " + command_ + ": " + std::string(name) + " " +
                          std::string(value_name) + " is required (see cpa-host " + command_ +
                          " --help)");
    }
    return *value;
}

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw input_error(path + ": is a directory, not a file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw input_error(
            path + ": cannot read the file: " + (err != 0 ? std::strerror(err) : "open failed"));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw input_error(path + ": cannot read the file");
    }
    return text.str();
}

} // namespace cpa_host
