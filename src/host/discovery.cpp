// Plugin discovery: candidate directories, file names to IDs and versions, the choice of one file
// per ID, and the other builds the one-time cleanup removes.
#include <cpa/host/discovery.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

namespace cpa::host {
namespace {

namespace fs = std::filesystem;

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr bool is_alnum(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ends_with_folded(std::string_view name, std::string_view lower_suffix) noexcept {
    if (name.size() < lower_suffix.size()) {
        return false;
    }
    const std::string_view tail = name.substr(name.size() - lower_suffix.size());
    return std::equal(tail.begin(), tail.end(), lower_suffix.begin(), lower_suffix.end(),
                      [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
}

library_name split_name(std::string_view name) {
    const std::size_t dash = name.rfind("-v");
    if (dash != std::string_view::npos && dash > 0) {
        const std::string_view id = name.substr(0, dash);
        const std::string_view version = name.substr(dash + 2);
        if (valid_plugin_id(id) && valid_version(version)) {
            return {std::string(id), std::string(version)};
        }
    }
    return {std::string(name), {}};
}

// Walks the `.`-separated segments of a version.
class segments {
public:
    explicit segments(std::string_view s) noexcept : rest_(s) {}

    // The next segment; nullopt after the last.
    std::optional<std::string_view> next() noexcept {
        if (done_) {
            return std::nullopt;
        }
        const std::size_t dot = rest_.find('.');
        const std::string_view segment = rest_.substr(0, dot);
        done_ = dot == std::string_view::npos;
        rest_.remove_prefix(done_ ? rest_.size() : dot + 1);
        return segment;
    }

private:
    std::string_view rest_;
    bool done_ = false;
};

bool is_number(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool all_numeric(std::string_view version) noexcept {
    segments parts(version);
    while (const auto part = parts.next()) {
        if (!is_number(*part)) {
            return false;
        }
    }
    return true;
}

std::string_view without_leading_zeros(std::string_view digits) noexcept {
    const std::size_t first = digits.find_first_not_of('0');
    return first == std::string_view::npos ? std::string_view{} : digits.substr(first);
}

// Go's error for a directory that is not there; every other error stops discovery.
bool is_missing(const std::error_code& ec) noexcept {
    return ec == std::errc::no_such_file_or_directory;
}

// The candidate files of one directory, sorted; `ec` set on a read error.
void scan_dir(const fs::path& dir, std::string_view extension, std::vector<discovered_file>& out,
              std::error_code& ec) {
    std::vector<std::pair<std::string, fs::path>> files; // file name, path
    fs::directory_iterator it(dir, ec);
    if (ec) {
        if (is_missing(ec)) {
            ec.clear();
        }
        return;
    }
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            return;
        }
        std::error_code type_ec;
        const fs::file_status status = it->symlink_status(type_ec);
        if (type_ec) {
            if (is_missing(type_ec)) {
                continue; // removed while we read the directory
            }
            ec = type_ec;
            return;
        }
        if (status.type() != fs::file_type::regular) {
            continue; // directories, symlinks (not followed), devices, ...
        }
        std::string name = it->path().filename().string();
        if (!ends_with_folded(name, extension)) {
            continue;
        }
        files.emplace_back(std::move(name), it->path());
    }
    if (ec) {
        return;
    }
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [name, path] : files) {
        if (auto parsed = parse_library_name(name, extension)) {
            out.push_back({std::move(parsed->id), std::move(path), std::move(parsed->version)});
        }
    }
}

std::vector<discovered_file> scan(const fs::path& dir, std::string_view os, std::string_view arch,
                                  std::error_code& ec, fs::path* failed_dir) {
    ec.clear();
    std::vector<discovered_file> out;
    const std::string_view extension = library_extension(os);
    for (const fs::path& candidate : candidate_dirs(dir, os, arch)) {
        scan_dir(candidate, extension, out, ec);
        if (ec) {
            if (failed_dir != nullptr) {
                *failed_dir = candidate;
            }
            return {};
        }
    }
    return out;
}

bool preferred(const discovered_file& candidate, const discovered_file& current,
               const std::string* pin) {
    if (pin != nullptr && !pin->empty()) {
        const bool candidate_matches = candidate.version == *pin;
        const bool current_matches = current.version == *pin;
        if (candidate_matches != current_matches) {
            return candidate_matches;
        }
    }
    if (candidate.version.empty()) {
        return false;
    }
    if (current.version.empty()) {
        return true;
    }
    return compare_versions(candidate.version, current.version) > 0;
}

std::vector<discovered_file> select(std::vector<discovered_file> files,
                                    const std::map<std::string, std::string>& pins) {
    std::vector<discovered_file> chosen;
    std::unordered_map<std::string, std::size_t> index; // ID -> position in `chosen`
    for (discovered_file& file : files) {
        const auto [it, inserted] = index.try_emplace(file.id, chosen.size());
        if (inserted) {
            chosen.push_back(std::move(file));
            continue;
        }
        const auto pin = pins.find(file.id);
        discovered_file& current = chosen[it->second];
        if (preferred(file, current, pin != pins.end() ? &pin->second : nullptr)) {
            current = std::move(file);
        }
    }
    std::erase_if(chosen, [&](const discovered_file& f) {
        const auto pin = pins.find(f.id);
        return pin != pins.end() && !pin->second.empty() && f.version != pin->second;
    });
    return chosen;
}

std::vector<fs::path> stale(std::vector<discovered_file> files,
                            const std::map<std::string, fs::path>& active) {
    std::vector<fs::path> out;
    for (discovered_file& file : files) {
        const auto it = active.find(file.id);
        if (it != active.end() && file.path.lexically_normal() != it->second.lexically_normal()) {
            out.push_back(std::move(file.path));
        }
    }
    return out;
}

} // namespace

std::string_view host_os() noexcept {
#if defined(__ANDROID__)
    return "android";
#elif defined(__linux__)
    return "linux";
#elif defined(__APPLE__)
    return "darwin";
#elif defined(_WIN32)
    return "windows";
#elif defined(__FreeBSD__)
    return "freebsd";
#elif defined(__NetBSD__)
    return "netbsd";
#elif defined(__OpenBSD__)
    return "openbsd";
#elif defined(__DragonFly__)
    return "dragonfly";
#elif defined(__illumos__)
    return "illumos";
#elif defined(__sun)
    return "solaris";
#else
#error "cpa::host: no Go name known for this operating system"
#endif
}

std::string_view host_arch() noexcept {
#if defined(__x86_64__) || defined(_M_X64)
    return "amd64";
#elif defined(__i386__) || defined(_M_IX86)
    return "386";
#elif defined(__aarch64__) || defined(_M_ARM64)
    return "arm64";
#elif defined(__arm__) || defined(_M_ARM)
    return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return "ppc64le";
#elif defined(__powerpc64__)
    return "ppc64";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__loongarch64)
    return "loong64";
#elif defined(__mips64) && defined(__MIPSEL__)
    return "mips64le";
#elif defined(__mips64)
    return "mips64";
#elif defined(__mips__) && defined(__MIPSEL__)
    return "mipsle";
#elif defined(__mips__)
    return "mips";
#elif defined(__wasm__)
    return "wasm";
#else
#error "cpa::host: no Go name known for this architecture"
#endif
}

std::string_view library_extension(std::string_view os) noexcept {
    if (os == "darwin") {
        return ".dylib";
    }
    if (os == "windows") {
        return ".dll";
    }
    return ".so";
}

std::vector<fs::path> candidate_dirs(const fs::path& dir, std::string_view os,
                                     std::string_view arch) {
    return {dir / fs::path(os) / fs::path(arch), dir};
}

bool valid_plugin_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128 || !is_alnum(id.front())) {
        return false;
    }
    return std::all_of(id.begin() + 1, id.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool valid_version(std::string_view version) noexcept {
    if (version.empty() || !is_digit(version.front())) {
        return false;
    }
    return std::all_of(version.begin() + 1, version.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '+' || c == '-'; });
}

std::optional<library_name> parse_library_name(std::string_view file_name,
                                               std::string_view extension) {
    std::string lower_extension(extension);
    std::transform(lower_extension.begin(), lower_extension.end(), lower_extension.begin(),
                   ascii_lower);
    if (!ends_with_folded(file_name, lower_extension)) {
        return std::nullopt;
    }
    library_name name = split_name(file_name.substr(0, file_name.size() - extension.size()));
    if (!valid_plugin_id(name.id)) {
        return std::nullopt;
    }
    return name;
}

std::string plugin_id_from_path(const fs::path& path) {
    std::string name = path.filename().string();
    for (const std::string_view extension : {".so", ".dylib", ".dll"}) {
        if (ends_with_folded(name, extension)) {
            name.resize(name.size() - extension.size());
            return split_name(name).id;
        }
    }
    return name;
}

std::strong_ordering compare_versions(std::string_view a, std::string_view b) noexcept {
    if (!all_numeric(a) || !all_numeric(b)) {
        return a <=> b;
    }
    segments left(a);
    segments right(b);
    for (;;) {
        const auto l = left.next();
        const auto r = right.next();
        if (!l && !r) {
            return std::strong_ordering::equal;
        }
        // A missing segment is 0; without leading zeros the longer number is the larger, and
        // numbers of equal length compare as text, so any number of digits compares correctly.
        const std::string_view x = without_leading_zeros(l.value_or(""));
        const std::string_view y = without_leading_zeros(r.value_or(""));
        if (const auto by_length = x.size() <=> y.size(); by_length != 0) {
            return by_length;
        }
        if (const auto by_digits = x <=> y; by_digits != 0) {
            return by_digits;
        }
    }
}

std::vector<discovered_file> candidate_files(const fs::path& dir, std::string_view os,
                                             std::string_view arch, std::error_code& ec) {
    return scan(dir, os, arch, ec, nullptr);
}

std::vector<discovered_file> discover(const fs::path& dir,
                                      const std::map<std::string, std::string>& pins,
                                      std::string_view os, std::string_view arch,
                                      std::error_code& ec) {
    std::vector<discovered_file> files = scan(dir, os, arch, ec, nullptr);
    if (ec) {
        return {};
    }
    return select(std::move(files), pins);
}

std::vector<discovered_file> discover(const fs::path& dir,
                                      const std::map<std::string, std::string>& pins,
                                      std::string_view os, std::string_view arch) {
    std::error_code ec;
    fs::path failed;
    std::vector<discovered_file> files = scan(dir, os, arch, ec, &failed);
    if (ec) {
        throw fs::filesystem_error("cannot read plugin directory", failed, ec);
    }
    return select(std::move(files), pins);
}

std::vector<fs::path> stale_siblings(const fs::path& dir, std::string_view os,
                                     std::string_view arch,
                                     const std::map<std::string, fs::path>& active,
                                     std::error_code& ec) {
    std::vector<discovered_file> files = scan(dir, os, arch, ec, nullptr);
    if (ec) {
        return {};
    }
    return stale(std::move(files), active);
}

std::vector<fs::path> stale_siblings(const fs::path& dir, std::string_view os,
                                     std::string_view arch,
                                     const std::map<std::string, fs::path>& active) {
    std::error_code ec;
    fs::path failed;
    std::vector<discovered_file> files = scan(dir, os, arch, ec, &failed);
    if (ec) {
        throw fs::filesystem_error("cannot read plugin directory", failed, ec);
    }
    return stale(std::move(files), active);
}

} // namespace cpa::host
