// The replay driver: every fuzz target in one ordinary program (no libFuzzer), run over the
// committed seeds and regression inputs and over every message of the wire examples. It keeps
// the targets compiled and checked by every compiler, and turns each crash libFuzzer found into
// a test (tests/fuzz/README.md).
//
// Usage: cpa_fuzz_replay [--wire <cpa-wire-examples.txt>] <dir>...
//   Each <dir> holds one directory per target (<dir>/<target>/<input>); missing ones are
//   skipped. With --wire, each example is fed to every target behind each selector byte
//   0..47, as written and wrapped in an `{"ok":true,"result":...}` envelope.
//        cpa_fuzz_replay --write-seeds <out dir> <cpa-wire-examples.txt>
//   Writes the wire examples as seed inputs, <out dir>/<target>/wire-<n>-<selector>, behind
//   every selector byte the target distinguishes (scripts/fuzz.sh).
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

extern "C" int cpa_fuzz_plugin_answers(const std::uint8_t*, std::size_t);
extern "C" int cpa_fuzz_plugin_requests(const std::uint8_t*, std::size_t);
extern "C" int cpa_fuzz_host_callbacks(const std::uint8_t*, std::size_t);
extern "C" int cpa_fuzz_config(const std::uint8_t*, std::size_t);
extern "C" int cpa_fuzz_base64(const std::uint8_t*, std::size_t);
extern "C" int cpa_fuzz_rfc3339(const std::uint8_t*, std::size_t);

namespace {

struct target {
    const char* name;
    int (*run)(const std::uint8_t*, std::size_t);
    unsigned selectors; ///< values of the selector byte the target distinguishes; 0: none
    bool envelope;      ///< its seeds are answers: the example wrapped in an envelope
};

const target targets[] = {
    {"plugin_answers", &cpa_fuzz_plugin_answers, 36, true},
    {"plugin_requests", &cpa_fuzz_plugin_requests, 38, false},
    {"host_callbacks", &cpa_fuzz_host_callbacks, 16, false},
    {"config", &cpa_fuzz_config, 3, false},
    {"base64", &cpa_fuzz_base64, 0, false},
    {"rfc3339", &cpa_fuzz_rfc3339, 1, false},
};

// What runs now, for the abort handler.
char current[512];

extern "C" void on_abort(int) {
    const char prefix[] = "cpa_fuzz_replay: crashed on ";
    (void)!::write(2, prefix, sizeof prefix - 1);
    (void)!::write(2, current, std::strlen(current));
    (void)!::write(2, "\n", 1);
}

void run(const target& t, const std::string& input, const std::string& what) {
    std::snprintf(current, sizeof current, "%s: %s", t.name, what.c_str());
    t.run(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The examples of cpa-wire-examples.txt: the text between "### <title>" lines.
std::vector<std::pair<std::string, std::string>> wire_examples(const std::filesystem::path& p) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(read_file(p));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("### ", 0) == 0) {
            out.emplace_back(line.substr(4), std::string());
        } else if (!out.empty()) {
            out.back().second += line + "\n";
        }
    }
    return out;
}

int write_seeds(const std::filesystem::path& out, const std::filesystem::path& wire) {
    const auto examples = wire_examples(wire);
    if (examples.empty()) {
        std::fprintf(stderr, "cpa_fuzz_replay: no examples in %s\n", wire.c_str());
        return 1;
    }
    std::size_t written = 0;
    for (const auto& t : targets) {
        const auto dir = out / t.name;
        std::filesystem::create_directories(dir);
        for (std::size_t n = 0; n < examples.size(); ++n) {
            const std::string& text = examples[n].second;
            const std::string body = t.envelope ? R"({"ok":true,"result":)" + text + "}" : text;
            for (unsigned s = 0; s < (t.selectors == 0 ? 1U : t.selectors); ++s) {
                const std::string input =
                    t.selectors == 0 ? body : std::string(1, static_cast<char>(s)) + body;
                std::ofstream(dir / ("wire-" + std::to_string(n) + "-" + std::to_string(s)),
                              std::ios::binary)
                    << input;
                ++written;
            }
        }
    }
    std::printf("cpa_fuzz_replay: wrote %zu seed inputs under %s\n", written, out.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGABRT, &on_abort);
    if (argc == 4 && std::string_view(argv[1]) == "--write-seeds") {
        return write_seeds(argv[2], argv[3]);
    }
    std::vector<std::size_t> counts(std::size(targets), 0);
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--wire" && i + 1 < argc) {
            const auto examples = wire_examples(argv[++i]);
            if (examples.empty()) {
                std::fprintf(stderr, "cpa_fuzz_replay: no examples in %s\n", argv[i]);
                return 1;
            }
            for (std::size_t t = 0; t < std::size(targets); ++t) {
                for (const auto& [title, text] : examples) {
                    for (unsigned selector = 0; selector < 48; ++selector) {
                        const std::string raw = std::string(1, static_cast<char>(selector)) + text;
                        run(targets[t], raw, "wire example \"" + title + "\"");
                        const std::string wrapped = std::string(1, static_cast<char>(selector)) +
                                                    R"({"ok":true,"result":)" + text + "}";
                        run(targets[t], wrapped, "wire example \"" + title + "\" in an envelope");
                        counts[t] += 2;
                    }
                }
            }
            continue;
        }
        const std::filesystem::path root(arg);
        for (std::size_t t = 0; t < std::size(targets); ++t) {
            const auto dir = root / targets[t].name;
            if (!std::filesystem::is_directory(dir)) {
                continue;
            }
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::directory_iterator(dir)) {
                if (e.is_regular_file() && e.path().filename().string().front() != '.') {
                    files.push_back(e.path());
                }
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                run(targets[t], read_file(f), f.string());
                ++counts[t];
            }
        }
    }
    for (std::size_t t = 0; t < std::size(targets); ++t) {
        std::printf("%-16s %zu inputs\n", targets[t].name, counts[t]);
    }
    return 0;
}
