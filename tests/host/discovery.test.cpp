#include <boost/test/unit_test.hpp>

// Discovery: candidate directories, file names to IDs and versions, which file is chosen per ID
// (platform directory first, versions, pins), and which other builds the one-time cleanup would
// delete. Every directory tree here is real, under a fresh temporary directory.
#include <cpa/host/config.hpp>
#include <cpa/host/discovery.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;
using cpa::host::discovered_file;

namespace cpa::host {
// For failed checks.
std::ostream& operator<<(std::ostream& os, const discovered_file& f) {
    return os << '{' << f.id << ", " << f.path.generic_string() << ", " << f.version << '}';
}
std::ostream& operator<<(std::ostream& os, const library_name& n) {
    return os << '{' << n.id << ", " << n.version << '}';
}
} // namespace cpa::host

namespace boost::test_tools::tt_detail {
template <class T>
struct print_log_value<std::optional<T>> {
    void operator()(std::ostream& os, const std::optional<T>& v) {
        if (v) {
            os << *v;
        } else {
            os << "nullopt";
        }
    }
};
} // namespace boost::test_tools::tt_detail

namespace {

// A fresh plugin directory `<tmp>/cpa-host-discovery-<random>/plugins`, removed afterwards.
struct plugin_tree {
    fs::path base;
    fs::path dir;
    fs::path arch; // dir/linux/amd64

    plugin_tree() {
        std::random_device random;
        for (;;) {
            base = fs::temp_directory_path() /
                   ("cpa-host-discovery-" + std::to_string(random()) + std::to_string(random()));
            if (fs::create_directory(base)) {
                break;
            }
        }
        dir = base / "plugins";
        arch = dir / "linux" / "amd64";
        fs::create_directories(arch);
    }
    ~plugin_tree() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
    plugin_tree(const plugin_tree&) = delete;
    plugin_tree& operator=(const plugin_tree&) = delete;

    // Creates a regular file; returns its path.
    static fs::path file(const fs::path& path) {
        std::ofstream(path) << "not really a library\n";
        BOOST_TEST_REQUIRE(fs::is_regular_file(path));
        return path;
    }

    [[nodiscard]] std::vector<discovered_file>
    discover(const std::map<std::string, std::string>& pins = {}) const {
        std::error_code ec;
        auto found = cpa::host::discover(dir, pins, "linux", "amd64", ec);
        BOOST_TEST_REQUIRE(!ec, "discover failed: " << ec.message());
        return found;
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(DISC_01_candidate_dirs_platform_first) {
    const std::vector<fs::path> dirs = cpa::host::candidate_dirs("plugins", "darwin", "arm64");
    BOOST_TEST_REQUIRE(dirs.size() == 2U);
    BOOST_TEST(dirs[0].generic_string() == "plugins/darwin/arm64");
    BOOST_TEST(dirs[1].generic_string() == "plugins");
}

BOOST_AUTO_TEST_CASE(DISC_02_library_extension_by_os) {
    BOOST_TEST(cpa::host::library_extension("linux") == ".so");
    BOOST_TEST(cpa::host::library_extension("freebsd") == ".so");
    BOOST_TEST(cpa::host::library_extension("darwin") == ".dylib");
    BOOST_TEST(cpa::host::library_extension("windows") == ".dll");
}

BOOST_AUTO_TEST_CASE(DISC_03_plugin_id_from_path_of_any_platform) {
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/example.so") == "example");
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/example.dylib") == "example");
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/example.dll") == "example");
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/example.custom") == "example.custom");
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/Example.DLL") == "Example");
    BOOST_TEST(cpa::host::plugin_id_from_path("plugins/alpha-v1.0.4.so") == "alpha");
}

BOOST_AUTO_TEST_CASE(DISC_04_only_valid_regular_library_files_count) {
    const plugin_tree tree;
    plugin_tree::file(tree.dir / "sample.so");
    const fs::path sample = plugin_tree::file(tree.arch / "sample.so");
    plugin_tree::file(tree.arch / "bad name.so");
    plugin_tree::file(tree.arch / "-bad.so");
    const fs::path another = plugin_tree::file(tree.arch / "another.SO");
    plugin_tree::file(tree.arch / "ignored.txt");
    fs::create_directory(tree.arch / "dir.so");

    const std::vector<discovered_file> expected{{"another", another, ""}, {"sample", sample, ""}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(DISC_05_platform_dir_wins_for_the_same_unversioned_id) {
    const plugin_tree tree;
    plugin_tree::file(tree.dir / "alpha.so");
    const fs::path arch_alpha = plugin_tree::file(tree.arch / "alpha.so");

    const std::vector<discovered_file> expected{{"alpha", arch_alpha, ""}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(DISC_06_pinned_version_is_selected) {
    const plugin_tree tree;
    const fs::path old_build = plugin_tree::file(tree.arch / "alpha-v1.0.3.so");
    plugin_tree::file(tree.arch / "alpha-v1.0.4.so");

    const std::vector<discovered_file> expected{{"alpha", old_build, "1.0.3"}};
    BOOST_TEST(tree.discover({{"alpha", "1.0.3"}}) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(DISC_07_highest_version_without_pin) {
    const plugin_tree tree;
    plugin_tree::file(tree.arch / "alpha-v1.0.3.so");
    const fs::path new_build = plugin_tree::file(tree.arch / "alpha-v1.0.4.so");

    const std::vector<discovered_file> expected{{"alpha", new_build, "1.0.4"}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(DISC_08_missing_pinned_version_selects_nothing) {
    const plugin_tree tree;
    plugin_tree::file(tree.arch / "alpha-v1.0.4.so");
    const fs::path beta = plugin_tree::file(tree.arch / "beta.so");

    // The other plugin is unaffected.
    const std::vector<discovered_file> expected{{"beta", beta, ""}};
    BOOST_TEST(tree.discover({{"alpha", "1.0.3"}}) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(DISC_09a_stale_siblings_unversioned_root_copy) {
    const plugin_tree tree;
    const fs::path root_alpha = plugin_tree::file(tree.dir / "alpha.so");
    const fs::path arch_alpha = plugin_tree::file(tree.arch / "alpha.so");
    plugin_tree::file(tree.dir / "beta.so"); // not active: never listed

    const std::vector<discovered_file> active = tree.discover();
    BOOST_TEST_REQUIRE(active.size() == 2U);
    BOOST_TEST_REQUIRE(active[0].path == arch_alpha);

    std::error_code ec;
    const auto stale =
        cpa::host::stale_siblings(tree.dir, "linux", "amd64", {{"alpha", active[0].path}}, ec);
    BOOST_TEST_REQUIRE(!ec);
    const std::vector<fs::path> expected{root_alpha};
    BOOST_TEST(stale == expected, boost::test_tools::per_element());
    // Listing deletes nothing.
    BOOST_TEST(fs::exists(root_alpha));
}

BOOST_AUTO_TEST_CASE(DISC_09b_stale_siblings_other_builds_of_the_active_version) {
    const plugin_tree tree;
    const fs::path v103 = plugin_tree::file(tree.arch / "alpha-v1.0.3.so");
    const fs::path v104 = plugin_tree::file(tree.dir / "alpha-v1.0.4.so");
    const fs::path unversioned = plugin_tree::file(tree.arch / "alpha.so");

    const std::vector<discovered_file> active = tree.discover();
    BOOST_TEST_REQUIRE(active.size() == 1U);
    BOOST_TEST_REQUIRE(active[0].path == v104);

    // Paths compare lexically normalised: `plugins/./alpha-v1.0.4.so` is the active file.
    const auto stale = cpa::host::stale_siblings(tree.dir, "linux", "amd64",
                                                 {{"alpha", tree.dir / "." / "alpha-v1.0.4.so"}});
    const std::vector<fs::path> expected{v103, unversioned};
    BOOST_TEST(stale == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(stale_siblings_of_nothing_active_is_empty) {
    const plugin_tree tree;
    plugin_tree::file(tree.dir / "alpha.so");
    plugin_tree::file(tree.arch / "alpha.so");
    BOOST_TEST(cpa::host::stale_siblings(tree.dir, "linux", "amd64", {}).empty());
}

BOOST_AUTO_TEST_CASE(symlinks_are_not_followed) {
    const plugin_tree tree;
    const fs::path real = plugin_tree::file(tree.base / "real.so");
    fs::create_symlink(real, tree.arch / "linked.so");
    const fs::path alpha = plugin_tree::file(tree.arch / "alpha.so");

    const std::vector<discovered_file> expected{{"alpha", alpha, ""}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(files_sort_as_bytes_and_ids_keep_first_seen_order) {
    const plugin_tree tree;
    const fs::path zeta = plugin_tree::file(tree.arch / "zeta.so");
    const fs::path upper = plugin_tree::file(tree.dir / "Beta.so");
    const fs::path lower = plugin_tree::file(tree.dir / "alpha.so");
    plugin_tree::file(tree.dir / "zeta.so");

    // Platform directory first, then the root sorted with upper case before lower case.
    const std::vector<discovered_file> expected{
        {"zeta", zeta, ""}, {"Beta", upper, ""}, {"alpha", lower, ""}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(versioned_root_file_beats_unversioned_platform_file) {
    const plugin_tree tree;
    plugin_tree::file(tree.arch / "alpha.so");
    const fs::path versioned = plugin_tree::file(tree.dir / "alpha-v0.1.so");

    const std::vector<discovered_file> expected{{"alpha", versioned, "0.1"}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unversioned_file_never_replaces_a_versioned_one) {
    const plugin_tree tree;
    const fs::path versioned = plugin_tree::file(tree.arch / "alpha-v2.so");
    plugin_tree::file(tree.dir / "alpha.so");

    const std::vector<discovered_file> expected{{"alpha", versioned, "2"}};
    BOOST_TEST(tree.discover() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pinned_version_in_root_beats_newer_platform_build) {
    const plugin_tree tree;
    plugin_tree::file(tree.arch / "alpha-v2.0.0.so");
    const fs::path pinned = plugin_tree::file(tree.dir / "alpha-v1.9.0.so");

    const std::vector<discovered_file> expected{{"alpha", pinned, "1.9.0"}};
    BOOST_TEST(tree.discover({{"alpha", "1.9.0"}}) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pins_come_from_the_configuration) {
    const plugin_tree tree;
    const fs::path old_build = plugin_tree::file(tree.arch / "alpha-v1.0.3.so");
    plugin_tree::file(tree.arch / "alpha-v1.0.4.so");
    const auto config = cpa::host::parse_plugins_config(
        "plugins:\n  configs:\n    alpha:\n      store: {release-tag: v1.0.3}\n", "t.yaml");
    BOOST_TEST_REQUIRE(config.has_value());

    const std::vector<discovered_file> expected{{"alpha", old_build, "1.0.3"}};
    BOOST_TEST(tree.discover(cpa::host::pinned_versions(*config)) == expected,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_plugin_directory_is_empty_not_an_error) {
    std::error_code ec = std::make_error_code(std::errc::io_error);
    const auto found =
        cpa::host::discover("/nonexistent/cpa-host-test/plugins", {}, "linux", "amd64", ec);
    BOOST_TEST(!ec);
    BOOST_TEST(found.empty());
}

BOOST_AUTO_TEST_CASE(unreadable_candidate_directory_is_an_error_naming_it) {
    const plugin_tree tree;
    fs::remove_all(tree.dir / "linux");
    plugin_tree::file(tree.dir / "linux"); // <dir>/linux/amd64 cannot be a directory
    plugin_tree::file(tree.dir / "alpha.so");

    std::error_code ec;
    const auto found = cpa::host::discover(tree.dir, {}, "linux", "amd64", ec);
    BOOST_TEST((ec == std::errc::not_a_directory), ec.message());
    BOOST_TEST(found.empty());

    try {
        (void)cpa::host::discover(tree.dir, {}, "linux", "amd64");
        BOOST_FAIL("discover did not throw");
    } catch (const fs::filesystem_error& e) {
        BOOST_TEST(e.path1() == tree.arch);
        BOOST_TEST(std::string(e.what()).find("linux/amd64") != std::string::npos);
    }

    (void)cpa::host::stale_siblings(tree.dir, "linux", "amd64", {}, ec);
    BOOST_TEST((ec == std::errc::not_a_directory), ec.message());
}

BOOST_AUTO_TEST_CASE(library_names_split_at_the_last_v) {
    using cpa::host::library_name;
    using cpa::host::parse_library_name;
    BOOST_TEST(parse_library_name("alpha-v1.0.4.so", ".so") == (library_name{"alpha", "1.0.4"}));
    BOOST_TEST(parse_library_name("alpha.so", ".so") == (library_name{"alpha", ""}));
    BOOST_TEST(parse_library_name("alpha-vx.so", ".so") == (library_name{"alpha-vx", ""}));
    BOOST_TEST(parse_library_name("alpha-v.so", ".so") == (library_name{"alpha-v", ""}));
    BOOST_TEST(parse_library_name("my-very-cool.so", ".so") == (library_name{"my-very-cool", ""}));
    BOOST_TEST(parse_library_name("a-v1-v2.so", ".so") == (library_name{"a-v1", "2"}));
    BOOST_TEST(!parse_library_name("-v1.so", ".so").has_value()); // "-v" at position 0
    BOOST_TEST(parse_library_name("alpha-v1.0.DLL", ".dll") == (library_name{"alpha", "1.0"}));
    BOOST_TEST(!parse_library_name("bad name.so", ".so").has_value());
    BOOST_TEST(!parse_library_name("alpha.dll", ".so").has_value());
}

BOOST_AUTO_TEST_CASE(plugin_ids_and_versions_are_validated) {
    using cpa::host::valid_plugin_id;
    using cpa::host::valid_version;
    BOOST_TEST(valid_plugin_id("a"));
    BOOST_TEST(valid_plugin_id("A1._-z"));
    BOOST_TEST(valid_plugin_id(std::string(128, 'x')));
    BOOST_TEST(!valid_plugin_id(std::string(129, 'x')));
    BOOST_TEST(!valid_plugin_id(""));
    BOOST_TEST(!valid_plugin_id("-a"));
    BOOST_TEST(!valid_plugin_id(".a"));
    BOOST_TEST(!valid_plugin_id("a b"));
    BOOST_TEST(!valid_plugin_id("a/b"));

    BOOST_TEST(valid_version("1"));
    BOOST_TEST(valid_version("1.0.3-rc.1+build.5"));
    BOOST_TEST(!valid_version(""));
    BOOST_TEST(!valid_version("v1.0"));
    BOOST_TEST(!valid_version("x1"));
    BOOST_TEST(!valid_version("1_0"));
}

BOOST_AUTO_TEST_CASE(versions_compare_numerically_by_segment) {
    using cpa::host::compare_versions;
    BOOST_TEST((compare_versions("1.0.10", "1.0.9") > 0));
    BOOST_TEST((compare_versions("1.0.3", "1.0.4") < 0));
    BOOST_TEST((compare_versions("1.0", "1.0.0") == 0));
    BOOST_TEST((compare_versions("1.01", "1.1") == 0));
    BOOST_TEST((compare_versions("2", "1.9.9") > 0));
    BOOST_TEST((compare_versions("100000000000000000000001", "99999999999999999999999") > 0));
    // A segment that is not a plain number: plain string comparison ("10" < "9" as text).
    BOOST_TEST((compare_versions("1.0.10-rc", "1.0.9") < 0));
    BOOST_TEST((compare_versions("1.0.0-rc1", "1.0.0") > 0));
}

BOOST_AUTO_TEST_CASE(host_platform_uses_go_names) {
#if defined(__linux__) && !defined(__ANDROID__)
    BOOST_TEST(cpa::host::host_os() == "linux");
#endif
#if defined(__x86_64__)
    BOOST_TEST(cpa::host::host_arch() == "amd64");
#elif defined(__aarch64__)
    BOOST_TEST(cpa::host::host_arch() == "arm64");
#endif
    BOOST_TEST(!cpa::host::host_os().empty());
    BOOST_TEST(!cpa::host::host_arch().empty());
}
