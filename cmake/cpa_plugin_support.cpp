// Compiled into every plugin built with cpa_add_plugin(): the Boost.JSON implementation, so that
// the plugin needs no Boost shared library at run time. Its symbols stay hidden in the plugin.
#include <boost/json/src.hpp>
