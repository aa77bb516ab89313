# cmake -DCOMPILER=<c++> -DSOURCE=<file.cpp> -DINCLUDE_DIRS=<dir|dir|...>
#       [-DIMPLICIT_DIRS=<dir|dir|...>] [-DEXPECT=<text>] -P check_compile.cmake
#
# With EXPECT: the compile must fail, and its first "error:" line must contain EXPECT verbatim (a
# literal, not a regex): the readable one-line diagnostic is the first thing the author sees.
# Without EXPECT: the compile must succeed (positive control).
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS COMPILER SOURCE INCLUDE_DIRS)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_compile.cmake: ${var} is not set")
    endif()
endforeach()

string(REPLACE "|" ";" include_dirs "${INCLUDE_DIRS}")
# The compiler's own directories (e.g. /usr/include) must not be repeated: that breaks the
# #include_next chains of the standard library headers.
string(REPLACE "|" ";" implicit_dirs "${IMPLICIT_DIRS}")
set(include_flags "")
foreach(dir IN LISTS include_dirs)
    if(dir AND NOT dir IN_LIST implicit_dirs)
        list(APPEND include_flags "-I${dir}")
    endif()
endforeach()

execute_process(
    COMMAND "${COMPILER}" -std=c++20 -fsyntax-only -fno-diagnostics-color ${include_flags}
            "${SOURCE}"
    RESULT_VARIABLE status
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)

get_filename_component(case_name "${SOURCE}" NAME_WE)
if(NOT DEFINED EXPECT OR EXPECT STREQUAL "")
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "${case_name}: the positive control does not compile:\n${out}")
    endif()
    message(STATUS "${case_name}: compiles, as it must")
    return()
endif()

if(status EQUAL 0)
    message(FATAL_ERROR "${case_name}: compiled, but it must be rejected with \"${EXPECT}\"")
endif()

# The first line that reports an error.
string(REPLACE ";" "\\;" out_escaped "${out}")
string(REPLACE "\n" ";" lines "${out_escaped}")
set(first_error "")
foreach(line IN LISTS lines)
    if(line MATCHES "error:")
        set(first_error "${line}")
        break()
    endif()
endforeach()
if(first_error STREQUAL "")
    message(FATAL_ERROR "${case_name}: the compiler failed (${status}) without an error line:\n"
                        "${out}")
endif()

# Clang quotes the message and escapes the quotes in it; compare the text as written in the source.
string(REPLACE "\\\"" "\"" first_error "${first_error}")
string(FIND "${first_error}" "${EXPECT}" at)
if(at EQUAL -1)
    message(FATAL_ERROR "${case_name}: the first error is not the expected diagnostic.\n"
                        "expected to contain: ${EXPECT}\n"
                        "first error:         ${first_error}\n"
                        "full output:\n${out}")
endif()
# Print the readable part: from the message on.
string(SUBSTRING "${first_error}" ${at} -1 diagnostic)
message(STATUS "${case_name}: rejected with: ${diagnostic}")
