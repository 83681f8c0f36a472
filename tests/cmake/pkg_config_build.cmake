# cmake -P script for the cmake.pkg_config test: builds SOURCE by hand, the way
# a Makefile user would,
#     c++ -std=c++17 main.cpp $(pkg-config --cflags --libs yanxiu)
# with PKG_CONFIG_PATH pointing at the installed yanxiu.pc, then runs it.

cmake_minimum_required(VERSION 3.21)

foreach(_var PKG_CONFIG PKG_CONFIG_PATH PREFIX CXX SOURCE WORK_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "pkg_config_build.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(ENV{PKG_CONFIG_PATH} "${PKG_CONFIG_PATH}")
execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs yanxiu
                RESULT_VARIABLE _status OUTPUT_VARIABLE _flags ERROR_VARIABLE _error
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "PKG_CONFIG_PATH=${PKG_CONFIG_PATH} ${PKG_CONFIG} --cflags --libs yanxiu failed:\n${_error}")
endif()
message(STATUS "pkg-config --cflags --libs yanxiu: ${_flags}")

separate_arguments(_flag_list UNIX_COMMAND "${_flags}")
foreach(_needed -DUSE_OS_TZDB=1 -ldate-tz -pthread)
  if(NOT _needed IN_LIST _flag_list)
    message(FATAL_ERROR "pkg-config gives no ${_needed}: ${_flags}")
  endif()
endforeach()
# The include directory is the prefix's, however pkg-config spells the path.
set(_include_ok FALSE)
foreach(_flag IN LISTS _flag_list)
  if(_flag MATCHES "^-I(.+)$")
    get_filename_component(_dir "${CMAKE_MATCH_1}" REALPATH)
    if(EXISTS "${_dir}/yanxiu/yanxiu.hpp")
      get_filename_component(_prefix "${PREFIX}" REALPATH)
      string(FIND "${_dir}" "${_prefix}/" _at)
      if(_at EQUAL 0)
        set(_include_ok TRUE)
      endif()
    endif()
  endif()
endforeach()
if(NOT _include_ok)
  message(FATAL_ERROR "pkg-config's -I does not lead to ${PREFIX}'s yanxiu headers: ${_flags}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_program "${WORK_DIR}/consumer")
execute_process(COMMAND "${CXX}" -std=c++17 -O1 "${SOURCE}" ${_flag_list} -o "${_program}"
                RESULT_VARIABLE _status OUTPUT_VARIABLE _output ERROR_VARIABLE _output)
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "${CXX} -std=c++17 -O1 ${SOURCE} ${_flags} failed:\n${_output}")
endif()
execute_process(COMMAND "${_program}" RESULT_VARIABLE _status OUTPUT_VARIABLE _output ERROR_VARIABLE _output)
message("${_output}")
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "${_program} failed (${_status})")
endif()
