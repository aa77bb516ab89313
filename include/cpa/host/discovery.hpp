// Discovery: which plugin library files a plugin directory holds, which plugin ID and version each
// file is, and which file the host loads for each ID.
//
// A plugin directory is searched in two places, `<dir>/<os>/<arch>` first, then `<dir>` itself,
// with Go's names for the platform (`linux`/`amd64`, `darwin`/`arm64`, ...), so one tree can carry
// builds for several platforms. A file named `<id>.so` or `<id>-v<version>.so` (`.dylib` on
// darwin, `.dll` on windows; the extension in any case) is a candidate when it is a regular file
// (symlinks are not followed) and its ID is valid.
#ifndef CPA_HOST_DISCOVERY_HPP
#define CPA_HOST_DISCOVERY_HPP

#include <compare>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cpa::host {

/// The operating system this library was built for, in Go's spelling (`linux`, `darwin`,
/// `windows`, `freebsd`, ...).
[[nodiscard]] std::string_view host_os() noexcept;

/// The processor architecture this library was built for, in Go's spelling (`amd64`, `arm64`,
/// `386`, `arm`, `riscv64`, ...).
[[nodiscard]] std::string_view host_arch() noexcept;

/// The library file extension of `os`: `.dylib` for darwin, `.dll` for windows, `.so` otherwise.
[[nodiscard]] std::string_view library_extension(std::string_view os) noexcept;

/// The directories searched, in order: `<dir>/<os>/<arch>`, then `<dir>`.
[[nodiscard]] std::vector<std::filesystem::path>
candidate_dirs(const std::filesystem::path& dir, std::string_view os, std::string_view arch);

/// A plugin ID: 1 to 128 characters, the first `[A-Za-z0-9]`, the others `[A-Za-z0-9._-]`.
/// Configuration keys under `plugins.configs` follow the same rule.
[[nodiscard]] bool valid_plugin_id(std::string_view id) noexcept;

/// A file version: a digit first, then `[0-9A-Za-z.+-]` (so never a leading `v`).
[[nodiscard]] bool valid_version(std::string_view version) noexcept;

/// The ID and version a library file name stands for.
struct library_name {
    std::string id;
    std::string version; ///< "" when the name carries none

    friend bool operator==(const library_name&, const library_name&) = default;
};

/// Splits a file name (no directory) with the library `extension` (e.g. `.so`): the name without
/// the extension is `<id>-v<version>` when it has `-v` after its first character, the text
/// before the last `-v` is a valid ID and the text after it a valid version; otherwise the whole
/// name is the ID. `alpha-v1.0.4.so` is {alpha, 1.0.4}, `alpha-vx.so` is {alpha-vx, ""}. Nullopt
/// when the lower-cased name does not end with `extension` or the ID is not valid.
[[nodiscard]] std::optional<library_name> parse_library_name(std::string_view file_name,
                                                             std::string_view extension);

/// The plugin ID of a path to a plugin file of any platform: the file name without `.so`,
/// `.dylib` or `.dll` (any case), split as `parse_library_name` does. Any other name is the ID
/// as it is (`plugins/example.custom` is `example.custom`); the result is not validated.
[[nodiscard]] std::string plugin_id_from_path(const std::filesystem::path& path);

/// Orders two versions: segment by segment on the `.`-separated parts as non-negative integers
/// (a missing segment is 0, so `1.0` equals `1.0.0`), or, when any segment of either is not a
/// plain number, as byte strings.
[[nodiscard]] std::strong_ordering compare_versions(std::string_view a,
                                                    std::string_view b) noexcept;

/// One plugin library file.
struct discovered_file {
    std::string id;
    std::filesystem::path path; ///< a candidate directory joined with the file name
    std::string version;        ///< "" for a file without a version in its name

    friend bool operator==(const discovered_file&, const discovered_file&) = default;
};

/// Every candidate file, directory by directory (`candidate_dirs` order), each directory's files
/// sorted by name as bytes, IDs not de-duplicated. A directory that does not exist is skipped;
/// any other error reading a directory sets `ec` (and the result is empty).
[[nodiscard]] std::vector<discovered_file> candidate_files(const std::filesystem::path& dir,
                                                           std::string_view os,
                                                           std::string_view arch,
                                                           std::error_code& ec);

/// The file to load for each plugin ID found, IDs in the order first seen among
/// `candidate_files`. Of several files with one ID the first is kept unless a later one is
/// preferred: the one matching the ID's pin in `pins` (ID -> version, as `pinned_versions`
/// makes them) when exactly one of the two does; else never a file without version; else a
/// versioned file over an unversioned one; else the higher version (`compare_versions`). An ID
/// whose chosen file does not have its pinned version is left out. Errors as in
/// `candidate_files`.
[[nodiscard]] std::vector<discovered_file> discover(const std::filesystem::path& dir,
                                                    const std::map<std::string, std::string>& pins,
                                                    std::string_view os, std::string_view arch,
                                                    std::error_code& ec);

/// As above; throws `std::filesystem::filesystem_error` naming the directory that could not be
/// read.
[[nodiscard]] std::vector<discovered_file> discover(const std::filesystem::path& dir,
                                                    const std::map<std::string, std::string>& pins,
                                                    std::string_view os, std::string_view arch);

/// The files CPA deletes once per host lifetime, after the first configuration that made any
/// plugin active: every candidate file (no pins applied) of an ID in `active` (ID -> the path of
/// the file that is active) whose lexically normal path is not the active one's. Deletes
/// nothing itself. Pass only plugins loaded from this directory. Errors as in `candidate_files`.
[[nodiscard]] std::vector<std::filesystem::path>
stale_siblings(const std::filesystem::path& dir, std::string_view os, std::string_view arch,
               const std::map<std::string, std::filesystem::path>& active, std::error_code& ec);

/// As above; throws `std::filesystem::filesystem_error` naming the directory that could not be
/// read.
[[nodiscard]] std::vector<std::filesystem::path>
stale_siblings(const std::filesystem::path& dir, std::string_view os, std::string_view arch,
               const std::map<std::string, std::filesystem::path>& active);

} // namespace cpa::host

#endif // CPA_HOST_DISCOVERY_HPP
