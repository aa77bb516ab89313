# Builds and runs tests/packaging/consumer against cpa-sdk in one of three ways:
#
#   find_package    install CPA_SDK_BINARY_DIR into WORK_DIR/prefix, check the installed tree,
#                   then find_package(cpa_sdk) with CMAKE_PREFIX_PATH=<prefix>
#   build_tree      find_package(cpa_sdk) with cpa_sdk_DIR=<CPA_SDK_BINARY_DIR> (no install)
#   subdirectory    add_subdirectory(<CPA_SDK_SOURCE_DIR>)
#
# Usage: cmake -DMODE=<mode> -DCPA_SDK_SOURCE_DIR=<dir> -DCPA_SDK_BINARY_DIR=<dir>
#              -DWORK_DIR=<dir> -DCXX_COMPILER=<path> -DC_COMPILER=<path> -DGENERATOR=<name>
#              [-DBUILD_TYPE=<config>] [-DCONSUMER_SOURCE_DIR=<dir>] -P run-consumer.cmake
#
# WORK_DIR is wiped first. Any failing step stops the script with the step's name, its command
# line and its output.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS MODE CPA_SDK_SOURCE_DIR CPA_SDK_BINARY_DIR WORK_DIR CXX_COMPILER C_COMPILER
                     GENERATOR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "run-consumer.cmake: -D${var}=... is required")
    endif()
endforeach()
if(NOT MODE MATCHES "^(find_package|build_tree|subdirectory)$")
    message(FATAL_ERROR "run-consumer.cmake: MODE must be find_package, build_tree or subdirectory, "
                        "not '${MODE}'")
endif()
if(NOT DEFINED BUILD_TYPE OR BUILD_TYPE STREQUAL "")
    set(BUILD_TYPE Release)
endif()
if(NOT DEFINED CONSUMER_SOURCE_DIR OR CONSUMER_SOURCE_DIR STREQUAL "")
    set(CONSUMER_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/consumer")
endif()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")

# step(<name> COMMAND <command>...): run it; on failure stop with the name, command and output.
function(step name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "COMMAND")
    list(JOIN arg_COMMAND " " command_line)
    message(STATUS "[${MODE}] ${name}: ${command_line}")
    execute_process(COMMAND ${arg_COMMAND}
        RESULT_VARIABLE rc
        OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    if(NOT rc STREQUAL "0")
        # NOTICE prints the output verbatim; FATAL_ERROR would re-wrap it.
        message(NOTICE "----- output of '${name}' -----\n${output}----- end of output")
        message(FATAL_ERROR "packaging (${MODE}): step '${name}' failed (${rc})\n"
                            "command: ${command_line}")
    endif()
    set(step_output "${output}" PARENT_SCOPE)
endfunction()

function(fail what)
    message(FATAL_ERROR "packaging (${MODE}): ${what}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(consumer_args
    -S "${CONSUMER_SOURCE_DIR}"
    -B "${consumer_build}"
    -G "${GENERATOR}"
    --no-warn-unused-cli
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_C_COMPILER=${C_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
    # Only the location given below may satisfy find_package(cpa_sdk).
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

if(MODE STREQUAL "find_package")
    step("install cpa-sdk"
        COMMAND "${CMAKE_COMMAND}" --install "${CPA_SDK_BINARY_DIR}" --prefix "${prefix}"
                --config "${BUILD_TYPE}")

    # The installed tree: the C header, the package files, and an architecture-independent
    # version file (the SDK is headers only, so 32- and 64-bit consumers share one install).
    set(cmake_dir "${prefix}/share/cpa_sdk/cmake")
    foreach(file IN ITEMS "${prefix}/include/cpa/abi.h"
                          "${cmake_dir}/cpa_sdk-config.cmake"
                          "${cmake_dir}/cpa_sdk-config-version.cmake"
                          "${cmake_dir}/cpa_sdk-targets.cmake")
        if(NOT EXISTS "${file}")
            fail("the installed tree lacks ${file}")
        endif()
    endforeach()

    # write_basic_package_version_file() keeps the CMAKE_SIZEOF_VOID_P comparison in its output
    # even with ARCH_INDEPENDENT, but puts an unconditional return() in front of it. Check both
    # the text (the return comes first) and the behaviour (a 32-bit consumer accepts the package).
    set(version_file "${cmake_dir}/cpa_sdk-config-version.cmake")
    file(READ "${version_file}" version_text)
    string(FIND "${version_text}" "CMAKE_SIZEOF_VOID_P" sizeof_pos)
    if(sizeof_pos GREATER_EQUAL 0)
        string(SUBSTRING "${version_text}" 0 ${sizeof_pos} before_sizeof)
        if(NOT before_sizeof MATCHES "if\\(\"(TRUE|ON|1)\"\\)[ \t\r\n]*return\\(\\)")
            fail("${version_file} checks CMAKE_SIZEOF_VOID_P; the package must be written "
                 "with ARCH_INDEPENDENT")
        endif()
    endif()
    file(WRITE "${WORK_DIR}/check-version.cmake"
        "cmake_minimum_required(VERSION 3.25)\n"
        "set(PACKAGE_FIND_NAME cpa_sdk)\n"
        "set(PACKAGE_FIND_VERSION 0.0)\n"
        "set(PACKAGE_FIND_VERSION_MAJOR 0)\n"
        "set(PACKAGE_FIND_VERSION_MINOR 0)\n"
        "set(PACKAGE_FIND_VERSION_COUNT 2)\n"
        "set(CMAKE_SIZEOF_VOID_P 2)\n"
        "include(\"${version_file}\")\n"
        "if(PACKAGE_VERSION_UNSUITABLE)\n"
        "  message(FATAL_ERROR \"unsuitable for CMAKE_SIZEOF_VOID_P=2: \${PACKAGE_VERSION}\")\n"
        "endif()\n"
        "message(STATUS \"version \${PACKAGE_VERSION} accepted for a consumer with \"\n"
        "               \"CMAKE_SIZEOF_VOID_P=2\")\n")
    step("version file ignores the consumer's pointer size"
        COMMAND "${CMAKE_COMMAND}" -P "${WORK_DIR}/check-version.cmake")

    list(APPEND consumer_args -DCPA_CONSUMER_MODE=find_package "-DCMAKE_PREFIX_PATH=${prefix}")
    set(expected_config_dir "${cmake_dir}")
elseif(MODE STREQUAL "build_tree")
    if(NOT EXISTS "${CPA_SDK_BINARY_DIR}/cpa_sdk-config.cmake")
        fail("${CPA_SDK_BINARY_DIR} has no cpa_sdk-config.cmake, so a consumer cannot use the "
             "build tree via cpa_sdk_DIR")
    endif()
    list(APPEND consumer_args -DCPA_CONSUMER_MODE=find_package
                              "-Dcpa_sdk_DIR=${CPA_SDK_BINARY_DIR}")
    set(expected_config_dir "${CPA_SDK_BINARY_DIR}")
else()
    list(APPEND consumer_args -DCPA_CONSUMER_MODE=subdirectory
                              "-DCPA_SDK_SOURCE_DIR=${CPA_SDK_SOURCE_DIR}")
endif()

step("configure consumer" COMMAND "${CMAKE_COMMAND}" ${consumer_args})

# find_package must have used the package under test, not some other cpa_sdk on the machine.
if(DEFINED expected_config_dir)
    file(STRINGS "${consumer_build}/CMakeCache.txt" found_dir REGEX "^cpa_sdk_DIR:")
    string(REGEX REPLACE "^cpa_sdk_DIR:[A-Z]+=" "" found_dir "${found_dir}")
    file(REAL_PATH "${found_dir}" found_real)
    file(REAL_PATH "${expected_config_dir}" expected_real)
    if(NOT found_real STREQUAL expected_real)
        fail("find_package(cpa_sdk) used ${found_dir}, expected ${expected_config_dir}")
    endif()
endif()

step("build consumer"
    COMMAND "${CMAKE_COMMAND}" --build "${consumer_build}" --config "${BUILD_TYPE}")

set(consumer_exe "")
foreach(candidate IN ITEMS "${consumer_build}/consumer" "${consumer_build}/consumer.exe"
                           "${consumer_build}/${BUILD_TYPE}/consumer"
                           "${consumer_build}/${BUILD_TYPE}/consumer.exe")
    if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
        set(consumer_exe "${candidate}")
        break()
    endif()
endforeach()
if(consumer_exe STREQUAL "")
    fail("the consumer built, but no consumer executable was found under ${consumer_build}")
endif()

step("run consumer" COMMAND "${consumer_exe}")
string(STRIP "${step_output}" step_output)
message(STATUS "[${MODE}] consumer output: ${step_output}")

get_filename_component(consumer_dir "${consumer_exe}" DIRECTORY)
step("run consumer_host" COMMAND "${consumer_dir}/consumer_host")
string(STRIP "${step_output}" step_output)
message(STATUS "[${MODE}] consumer_host output: ${step_output}")
message(STATUS "[${MODE}] passed")
