# cpa_add_plugin(<name> SOURCES <file>... [OUTPUT_NAME <file name without extension>])
#
# Builds a CPA plugin: a shared library (no "lib" prefix) that exports `cliproxy_plugin_init` and
# no other symbol, and that needs no Boost or YAML shared library at run time (Boost.JSON is
# compiled in, LibYAML linked statically, everything else hidden). Link further libraries with
# target_link_libraries(<name> PRIVATE ...) as usual.
function(cpa_add_plugin name)
    cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OUTPUT_NAME" "SOURCES")
    # Support files live beside this file, wherever the package was found or vendored from.
    set(support_dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "cpa_add_plugin(${name}): SOURCES is required")
    endif()
    add_library(${name} MODULE ${ARG_SOURCES} "${support_dir}/cpa_plugin_support.cpp")
    target_link_libraries(${name} PRIVATE cpa::plugin_support)
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        CXX_VISIBILITY_PRESET hidden
        C_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        POSITION_INDEPENDENT_CODE ON
        LINK_DEPENDS "${support_dir}/cpa_plugin.map")
    if(ARG_OUTPUT_NAME)
        set_target_properties(${name} PROPERTIES OUTPUT_NAME "${ARG_OUTPUT_NAME}")
    endif()
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # Unique (STB_GNU_UNIQUE) symbols would stay dynamic and pin the library in memory.
        target_compile_options(${name} PRIVATE -fno-gnu-unique)
    endif()
    if(NOT APPLE AND NOT WIN32)
        target_link_options(${name} PRIVATE
            "LINKER:--version-script=${support_dir}/cpa_plugin.map"
            "LINKER:--exclude-libs,ALL"
            "LINKER:-z,defs")
    endif()
endfunction()
