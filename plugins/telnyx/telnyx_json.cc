// Boost.JSON compiled into the plugin (its header-only mode): the module needs no Boost
// library at run time, and its copy stays hidden behind the plugin's symbol visibility.
#include <boost/json/src.hpp>
