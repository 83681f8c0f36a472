# cmake -P script for the docs.readme_snippet test: README.md's C++ block
# (app.cpp) compiled by README.md's pkg-config lines exactly as written, in
# bash, with $HOME/.local the prefix the cmake.install test installed into;
# then run on examples/data.  A README that no longer compiles fails here.

cmake_minimum_required(VERSION 3.21)

foreach(_var README PREFIX DATA WORK_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "readme_snippet.cmake: -D${_var}=... is required")
  endif()
endforeach()

file(READ "${README}" _readme)
string(REGEX MATCH "```cpp\n([^`]*)```" _ "${_readme}")
set(_cpp "${CMAKE_MATCH_1}")
if(NOT _cpp MATCHES "int main")
  message(FATAL_ERROR "README.md: no ```cpp block with a main() (no backquote may appear inside the block)")
endif()
# The ```sh block that builds app.cpp with pkg-config.
string(REGEX MATCHALL "```sh\n[^`]*```" _blocks "${_readme}")
set(_build "")
foreach(_block IN LISTS _blocks)
  if(_block MATCHES "pkg-config --cflags --libs yanxiu" AND _block MATCHES "app.cpp")
    string(REGEX REPLACE "^```sh\n" "" _build "${_block}")
    string(REGEX REPLACE "```$" "" _build "${_build}")
  endif()
endforeach()
if(_build STREQUAL "")
  message(FATAL_ERROR "README.md: no ```sh block compiling app.cpp with pkg-config")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/home")
file(CREATE_LINK "${PREFIX}" "${WORK_DIR}/home/.local" SYMBOLIC)
file(WRITE "${WORK_DIR}/app.cpp" "${_cpp}")
file(WRITE "${WORK_DIR}/build.sh" "set -eu\n${_build}")
file(COPY "${DATA}/participants.jsonl" "${DATA}/events.csv" DESTINATION "${WORK_DIR}")

# A clean environment but for HOME: nothing of the caller's PKG_CONFIG_PATH helps.
execute_process(COMMAND env -u PKG_CONFIG_PATH "HOME=${WORK_DIR}/home" bash build.sh
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE _status OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "README.md's build lines failed (${_status}):\n${_build}\n${_out}${_err}")
endif()
execute_process(COMMAND "${WORK_DIR}/app" WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE _status OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "README.md's app failed (${_status}):\n${_err}")
endif()
string(REGEX MATCHALL "\"participant\":\"T[0-9]+\"" _outcomes "${_out}")
list(LENGTH _outcomes _n)
if(NOT _n EQUAL 12)
  message(FATAL_ERROR "README.md's app printed ${_n} outcomes, not the 12 of examples/data:\n${_out}")
endif()
message(STATUS "README.md's snippet: compiled as written, ${_n} outcomes; ${_err}")
