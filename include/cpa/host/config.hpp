// The host's configuration: the `plugins:` section of CPA's configuration file, the per-plugin YAML
// each plugin receives as `config_yaml`, and where the plugin directory is.
//
// The same configuration can be built in code, without YAML; `plugins_config` and
// `plugin_settings` are aggregates:
//
//     cpa::host::plugins_config config{.enabled = true, .dir = "/opt/cpa/plugins", .configs = {}};
//     config.configs["alpha"] = {.id = "alpha", .enabled = true, .priority = 10};
//     config.configs["beta"] = {.id = "beta", .enabled = true, .priority = 0,
//                               .pinned_version = "1.0.3", .raw_yaml = "mode: fast\n"};
//
// A setting built in code without `raw_yaml` hands its plugin only `enabled` and `priority`.
#ifndef CPA_HOST_CONFIG_HPP
#define CPA_HOST_CONFIG_HPP

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace cpa::host {

/// Configuration that cannot be used. `what()` reads `<source>:<line>:<column>: <key path>:
/// <problem>`, e.g. `config.yaml:7:17: plugins.configs.alpha.priority: must be an integer, got
/// "high"`; parts that do not apply are left out (a file that cannot be read has no line).
class config_error : public std::runtime_error {
public:
    config_error() : std::runtime_error("configuration error") {}
    /// `line` and `column` are 1-based; 0 means "no position".
    config_error(std::string source, std::string key_path, std::size_t line, std::size_t column,
                 std::string problem);
    config_error(std::string source, std::string key_path, std::string problem)
        : config_error(std::move(source), std::move(key_path), 0, 0, std::move(problem)) {}

    /// The file name (or the name given to `parse_plugins_config`).
    [[nodiscard]] const std::string& source() const noexcept { return source_; }
    /// Where in the document, e.g. `plugins.configs.alpha.enabled`; empty for the whole file.
    [[nodiscard]] const std::string& key_path() const noexcept { return key_path_; }
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    [[nodiscard]] std::size_t column() const noexcept { return column_; }
    /// What was wrong, without the location.
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

private:
    std::string source_;
    std::string key_path_;
    std::size_t line_ = 0;
    std::size_t column_ = 0;
    std::string problem_;
};

/// Lets `boost::system::result<T, config_error>::value()` throw the error itself.
[[noreturn]] inline void throw_exception_from_error(const config_error& e,
                                                    const boost::source_location&) {
    throw e;
}

/// What a plugin's entry under `plugins.configs` was written as.
enum class raw_kind : unsigned char {
    mapping,      ///< a block mapping (`key: value` lines)
    flow_mapping, ///< `{key: value, ...}`
    sequence,     ///< a block or flow sequence
    scalar,       ///< any scalar that is not null
    null,         ///< nothing, `~` or `null`: treated as an empty mapping
};

/// One plugin's settings: `plugins.configs.<id>`.
struct plugin_settings {
    std::string id{};
    /// The entry's `enabled`; an absent key is false, so a plugin is loaded only when its entry
    /// says so.
    bool enabled = false;
    std::int64_t priority = 0;
    /// The version to load ("" = any): `store.version`, else `store.release-tag`, trimmed, one
    /// leading `v`/`V` removed, and dropped unless it is a valid version (see `valid_version`).
    std::string pinned_version{};
    /// The entry as written in the file: comments, key order and spellings kept, its indentation
    /// removed. An entry that is an alias is the text of the anchored node. Nullopt for settings
    /// built in code.
    std::optional<std::string> raw_yaml{};
    /// What `raw_yaml` holds, as the parser found it (informational: `build_config_yaml` reads
    /// the text itself).
    raw_kind kind = raw_kind::mapping;

    friend bool operator==(const plugin_settings&, const plugin_settings&) = default;
};

/// The `plugins:` section. Other keys of it (`store-sources`, `store-auth`, `auth-revision`) are
/// store features the host does not read.
struct plugins_config {
    /// The global switch; independent of every plugin's own `enabled`.
    bool enabled = false;
    /// One directory, as written (trimmed; empty is "plugins"). `resolve_plugin_dir` makes the
    /// path the host searches.
    std::string dir = "plugins";
    /// By plugin ID (case-sensitive). A plugin without an entry is disabled.
    std::map<std::string, plugin_settings> configs{};

    friend bool operator==(const plugins_config&, const plugins_config&) = default;
};

using config_result = boost::system::result<plugins_config, config_error>;

/// Reads the `plugins:` section of a CPA configuration file held in `yaml_text` (UTF-8; only the
/// first document is read; other sections are not checked). A document without `plugins:`, or
/// with `plugins:` null or `{}`, gives the defaults. `source_name` names the text in errors.
///
/// Fails when the text is not YAML, refers to an undefined anchor, or when `plugins`,
/// `plugins.configs` or an entry's mapping has a key twice; when `plugins.enabled` or an entry's
/// `enabled` is not a YAML boolean (`true`, `True`, `TRUE`, `y`, `Y`, `yes`, `Yes`, `YES`, `on`,
/// `On`, `ON` and the matching false spellings, quoted or not); when a `priority` is not an
/// integer (a float with a fraction or out of range is refused, never truncated); when
/// `plugins.dir` is not a scalar, or `plugins` or `plugins.configs` is not a mapping. Merge keys
/// (`<<`) are applied. Entries that are scalars or sequences are kept, disabled, as written.
///
/// The text must be UTF-8 (a UTF-16 byte order mark is refused). `plugins.dir` is kept as written
/// (trimmed): `~` is expanded by `resolve_plugin_dir`, so parsing never depends on the
/// environment. Throws nothing but `std::bad_alloc`. Thread-safe.
[[nodiscard]] config_result parse_plugins_config(std::string_view yaml_text,
                                                 std::string_view source_name);

/// `parse_plugins_config` of the file's contents, named by its path in errors; a file that
/// cannot be read is an error naming the file and the reason.
[[nodiscard]] config_result load_plugins_config(const std::filesystem::path& file);

/// The YAML document the plugin receives as `config_yaml` in `plugin.register` and
/// `plugin.reconfigure`. A mapping is kept as written and gets `enabled: <bool>` and then
/// `priority: <int>` added at its end, each only when the mapping has no such key (a key that is
/// written stays as written); a flow mapping gets them before its closing brace, a block mapping
/// as lines at its indentation. Without `raw_yaml` the document is those two keys; a null entry
/// counts as an empty mapping; a scalar or sequence is passed on unchanged, and so is text that
/// is not YAML. The result is trimmed and ends with one newline; an empty result is
/// `enabled: false\npriority: 0\n`. Thread-safe.
[[nodiscard]] std::string build_config_yaml(const plugin_settings& settings);

/// The directory the host searches for `dir` (a `plugins_config::dir`): trimmed, empty is
/// `plugins`. A leading `~` is the home directory `home` (nullptr or empty: not set): the `/`
/// and `\` after it are dropped, other `\` become `/`, so `~`, `~/x` and `~\x` work. Every path is
/// cleaned lexically like Go's `filepath.Clean` (`a/./b/../c/` is `a/c`); a relative path stays
/// relative to the working directory. Fails only for a `~` path when `home` is not set.
[[nodiscard]] boost::system::result<std::filesystem::path, config_error>
resolve_plugin_dir(std::string_view dir, const char* home);

/// As above with `$HOME`. Reads the environment, so it must not run while another thread
/// changes it.
[[nodiscard]] boost::system::result<std::filesystem::path, config_error>
resolve_plugin_dir(std::string_view dir);

/// A pin as the config writes it, as discovery compares it: trimmed, one leading `v`/`V`
/// removed when more follows; "" unless the rest is a valid version. `normalize_pinned_version("
/// v1.0.3 ")` is `1.0.3`.
[[nodiscard]] std::string normalize_pinned_version(std::string_view written);

/// Every configured plugin's pinned version (entries without one are left out), as `discover`
/// takes them.
[[nodiscard]] std::map<std::string, std::string> pinned_versions(const plugins_config& config);

} // namespace cpa::host

#endif // CPA_HOST_CONFIG_HPP
