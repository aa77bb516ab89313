# Runs one command and checks what it did (CTest's own PASS_REGULAR_EXPRESSION ignores the exit
# code and passes on any one of several expressions; these tests need all of them).
#
#   cmake [-DEXIT=<code>|nonzero] [-DEXPECT=<file>] [-DFORBID=<text>] [-DJSON=<file>]
#         [-DRESULT_FILE=<path> -DRESULT_EXPECT=<file>] -P expect.cmake -- <command> [<arg>...]
#
# EXIT          the exit code the command must end with (default 0), or `nonzero`
# EXPECT        a file of lines that must all appear in the output (stdout, then stderr), in
#               that order, each as a literal substring; blank lines and lines starting with
#               `#` are ignored
# FORBID        literal text that must not appear in the output
# JSON          the output is one JSON document (stdout); each line of the file is
#               `<path> == <value>`, the path being the member names and indexes that
#               string(JSON GET) takes, separated by spaces, with `#length` as the last element
#               for the length of an array or object
# RESULT_FILE   a file the command wrote; its content must hold the lines of RESULT_EXPECT in
#               order, as EXPECT for the output
cmake_minimum_required(VERSION 3.25)

set(command "")
set(collecting FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
    if(collecting)
        list(APPEND command "${CMAKE_ARGV${i}}")
    elseif(CMAKE_ARGV${i} STREQUAL "--")
        set(collecting TRUE)
    endif()
endforeach()
if(NOT command)
    message(FATAL_ERROR "expect.cmake: no command after --")
endif()

if(DEFINED RESULT_FILE)
    file(REMOVE "${RESULT_FILE}")
endif()
execute_process(COMMAND ${command}
    RESULT_VARIABLE code
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
set(all "${out}${err}")
set(failures "")

if(NOT DEFINED EXIT)
    set(EXIT 0)
endif()
if(EXIT STREQUAL "nonzero")
    if(code EQUAL 0)
        string(APPEND failures "exit code 0, expected a non-zero one\n")
    endif()
elseif(NOT code STREQUAL EXIT)
    string(APPEND failures "exit code ${code}, expected ${EXIT}\n")
endif()

# The lines of `file`, one per call: `next_line(<text-var> <line-var> <found-var>)` takes the
# first line off `<text-var>`. Lines are not CMake lists, so `;` and `[` in them stay as written.
macro(next_line text_var line_var found_var)
    if("${${text_var}}" STREQUAL "")
        set(${found_var} FALSE)
    else()
        set(${found_var} TRUE)
        string(FIND "${${text_var}}" "\n" _newline)
        if(_newline EQUAL -1)
            set(${line_var} "${${text_var}}")
            set(${text_var} "")
        else()
            string(SUBSTRING "${${text_var}}" 0 ${_newline} ${line_var})
            math(EXPR _next "${_newline} + 1")
            string(SUBSTRING "${${text_var}}" ${_next} -1 ${text_var})
        endif()
    endif()
endmacro()

# Every non-comment line of `lines_file` appears in `text`, in order.
function(expect_in_order text lines_file what)
    file(READ "${lines_file}" lines)
    set(rest "${text}")
    set(missing "")
    while(TRUE)
        next_line(lines line found)
        if(NOT found)
            break()
        endif()
        if("${line}" STREQUAL "" OR "${line}" MATCHES "^#")
            continue()
        endif()
        string(FIND "${rest}" "${line}" at)
        if(at EQUAL -1)
            string(APPEND missing "${what} lacks (in this order): ${line}\n")
            continue()
        endif()
        string(LENGTH "${line}" length)
        math(EXPR after "${at} + ${length}")
        string(SUBSTRING "${rest}" ${after} -1 rest)
    endwhile()
    set(missing "${missing}" PARENT_SCOPE)
endfunction()

if(DEFINED EXPECT)
    expect_in_order("${all}" "${EXPECT}" "the output")
    string(APPEND failures "${missing}")
endif()

if(DEFINED FORBID)
    string(FIND "${all}" "${FORBID}" at)
    if(NOT at EQUAL -1)
        string(APPEND failures "the output has \"${FORBID}\"\n")
    endif()
endif()

if(DEFINED JSON)
    string(JSON type ERROR_VARIABLE json_error TYPE "${out}")
    if(json_error)
        string(APPEND failures "the output is not JSON: ${json_error}\n")
    else()
        file(READ "${JSON}" checks)
        while(TRUE)
            next_line(checks check found)
            if(NOT found)
                break()
            endif()
            if("${check}" STREQUAL "" OR "${check}" MATCHES "^#")
                continue()
            endif()
            if(NOT check MATCHES "^(.*) == (.*)$")
                message(FATAL_ERROR "expect.cmake: bad JSON check: ${check}")
            endif()
            set(expected "${CMAKE_MATCH_2}")
            separate_arguments(path UNIX_COMMAND "${CMAKE_MATCH_1}")
            list(GET path -1 leaf)
            if(leaf STREQUAL "#length")
                list(POP_BACK path)
                string(JSON actual ERROR_VARIABLE get_error LENGTH "${out}" ${path})
            else()
                string(JSON actual ERROR_VARIABLE get_error GET "${out}" ${path})
            endif()
            if(get_error)
                string(APPEND failures "JSON ${check}: ${get_error}\n")
            elseif(NOT actual STREQUAL expected)
                string(APPEND failures "JSON ${check}: got \"${actual}\"\n")
            endif()
        endwhile()
    endif()
endif()

if(DEFINED RESULT_FILE)
    if(NOT EXISTS "${RESULT_FILE}")
        string(APPEND failures "the command wrote no ${RESULT_FILE}\n")
    else()
        file(READ "${RESULT_FILE}" result)
        expect_in_order("${result}" "${RESULT_EXPECT}" "${RESULT_FILE}")
        string(APPEND failures "${missing}")
    endif()
endif()

if(failures)
    string(REPLACE ";" " " shown "${command}")
    message(FATAL_ERROR "${shown}\n${failures}--- output:\n${all}")
endif()
