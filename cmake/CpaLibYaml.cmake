# LibYAML (Debian: libyaml-dev), linked statically: a plugin reads its YAML settings without
# depending on any YAML shared library at run time. Defines the imported target cpa::libyaml.
if(NOT TARGET cpa::libyaml)
    find_path(CPA_LIBYAML_INCLUDE_DIR yaml.h)
    find_library(CPA_LIBYAML_STATIC_LIBRARY NAMES libyaml.a)
    if(NOT CPA_LIBYAML_INCLUDE_DIR OR NOT CPA_LIBYAML_STATIC_LIBRARY)
        message(FATAL_ERROR "cpa_sdk needs the static LibYAML library and its header "
                            "(Debian package libyaml-dev)")
    endif()
    add_library(cpa::libyaml STATIC IMPORTED)
    set_target_properties(cpa::libyaml PROPERTIES
        IMPORTED_LOCATION "${CPA_LIBYAML_STATIC_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CPA_LIBYAML_INCLUDE_DIR}")
endif()
