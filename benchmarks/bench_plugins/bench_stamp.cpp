// The `bench_stamp` class of bench_plugins.hpp as a shared-library plugin.
#include "bench_plugins.hpp"

CPA_PLUGIN(cpa_bench::bench_stamp)
