// The entry point every fuzz target defines. Built with libFuzzer it is
// `LLVMFuzzerTestOneInput`; the replay driver (replay_main.cpp) compiles each target with
// CPA_FUZZ_ENTRY set to a name of its own, so that all targets live in one ordinary program.
#ifndef CPA_TESTS_FUZZ_FUZZ_ENTRY_HPP
#define CPA_TESTS_FUZZ_FUZZ_ENTRY_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#ifndef CPA_FUZZ_ENTRY
#define CPA_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

namespace cpa_fuzz {

/// The first byte of an input chooses what to fuzz; the rest is the text.
struct selected {
    std::size_t index = 0;
    unsigned char flags = 0; ///< the selector byte itself, for targets that read more from it
    std::string_view text{};
};

inline selected select(const std::uint8_t* data, std::size_t size, std::size_t choices) noexcept {
    if (size == 0) {
        return {};
    }
    return {static_cast<std::size_t>(data[0]) % choices, data[0],
            std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)};
}

/// A property the target checks does not hold: report and abort, so that both libFuzzer and the
/// replay driver see a crash.
[[noreturn]] inline void violated(const char* what) noexcept {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::fflush(stderr);
    std::abort();
}

} // namespace cpa_fuzz

#endif // CPA_TESTS_FUZZ_FUZZ_ENTRY_HPP
