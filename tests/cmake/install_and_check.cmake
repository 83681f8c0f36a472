# cmake -P script for the cmake.install test: installs the build in BUILD_DIR
# into a fresh PREFIX and checks what is there.  The other variables are the
# install directories (relative to PREFIX) that cmake/Install.cmake used.

cmake_minimum_required(VERSION 3.21)

foreach(_var BUILD_DIR SOURCE_DIR PREFIX VERSION INCLUDEDIR LIBDIR BINDIR CMAKEDIR PKGCONFIGDIR PROGRAMSDIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "install_and_check.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(_failures "")
macro(_fail text)
  string(APPEND _failures "\n  ${text}")
endmacro()

# A fresh prefix, so a file that is no longer installed cannot hide in it.
file(REMOVE_RECURSE "${PREFIX}")
set(_config_args "")
if(CONFIG)
  set(_config_args --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${_config_args}
                RESULT_VARIABLE _status OUTPUT_VARIABLE _output ERROR_VARIABLE _output)
if(NOT _status EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed (${_status}):\n${_output}")
endif()

# Every header, the library, the programmes, both packages.
file(GLOB_RECURSE _headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/yanxiu/*.hpp")
foreach(_header IN LISTS _headers)
  if(NOT EXISTS "${PREFIX}/${INCLUDEDIR}/${_header}")
    _fail("missing ${INCLUDEDIR}/${_header}")
  endif()
endforeach()
file(GLOB_RECURSE _stray RELATIVE "${PREFIX}" "${PREFIX}/${INCLUDEDIR}/*")
list(FILTER _stray EXCLUDE REGEX "\\.hpp$")
if(_stray)
  _fail("not headers, but installed with them: ${_stray}")
endif()
foreach(_file
    "${PROGRAMSDIR}/moe-2023-mh-winter.json"
    "${PROGRAMSDIR}/hunan-2023-mh-winter.json"
    "${PROGRAMSDIR}/programme.schema.json"
    "${CMAKEDIR}/yanxiuConfig.cmake"
    "${CMAKEDIR}/yanxiuConfigVersion.cmake"
    "${CMAKEDIR}/yanxiuTargets.cmake"
    "${PKGCONFIGDIR}/yanxiu.pc"
    "${LIBDIR}/libyanxiu.a")
  if(NOT EXISTS "${PREFIX}/${_file}")
    _fail("missing ${_file}")
  endif()
endforeach()

# The exported interface is yanxiu's alone: no private helper target, none of
# our warning or sanitizer flags, and no path into the source or build tree.
file(GLOB _export_files "${PREFIX}/${CMAKEDIR}/*.cmake")
foreach(_file IN LISTS _export_files)
  file(READ "${_file}" _text)
  get_filename_component(_name "${_file}" NAME)
  foreach(_leak yanxiu_warnings -Werror -Wall -fsanitize "${SOURCE_DIR}/" "${BUILD_DIR}/")
    string(FIND "${_text}" "${_leak}" _at)
    if(NOT _at EQUAL -1)
      _fail("${CMAKEDIR}/${_name} mentions ${_leak}")
    endif()
  endforeach()
endforeach()
file(READ "${PREFIX}/${CMAKEDIR}/yanxiuTargets.cmake" _targets)
string(REGEX MATCHALL "add_library\\([^ )]+" _exported "${_targets}")
list(SORT _exported)
set(_expected_exports "add_library(yanxiu::core" "add_library(yanxiu::yanxiu")
if(EXPECT_PDF)
  list(APPEND _expected_exports "add_library(yanxiu::pdf")
  foreach(_file "${LIBDIR}/libyanxiu_pdf.a" "${PKGCONFIGDIR}/yanxiu-pdf.pc")
    if(NOT EXISTS "${PREFIX}/${_file}")
      _fail("missing ${_file}")
    endif()
  endforeach()
endif()
if(EXPECT_XLSX)
  list(APPEND _expected_exports "add_library(yanxiu::xlsx")
  foreach(_file "${LIBDIR}/libyanxiu_xlsx.a" "${PKGCONFIGDIR}/yanxiu-xlsx.pc")
    if(NOT EXISTS "${PREFIX}/${_file}")
      _fail("missing ${_file}")
    endif()
  endforeach()
endif()
list(SORT _expected_exports)
if(NOT _exported STREQUAL _expected_exports)
  _fail("yanxiuTargets.cmake exports ${_exported}, not ${_expected_exports}")
endif()

# SameMajorVersion: this major version is accepted, the next one is not.
string(REGEX MATCH "^[0-9]+" _major "${VERSION}")
math(EXPR _next_major "${_major} + 1")
foreach(_request "${VERSION};TRUE" "${_major};TRUE" "${_next_major}.0;FALSE")
  list(GET _request 0 PACKAGE_FIND_VERSION)
  list(GET _request 1 _expected)
  string(REGEX MATCH "^[0-9]+" PACKAGE_FIND_VERSION_MAJOR "${PACKAGE_FIND_VERSION}")
  unset(PACKAGE_VERSION_COMPATIBLE)
  include("${PREFIX}/${CMAKEDIR}/yanxiuConfigVersion.cmake")
  if(NOT "${PACKAGE_VERSION_COMPATIBLE}" STREQUAL "${_expected}")
    _fail("yanxiuConfigVersion.cmake: a request for ${PACKAGE_FIND_VERSION} gives ${PACKAGE_VERSION_COMPATIBLE}, not ${_expected}")
  endif()
endforeach()

# The CLI, when it was built, runs from the prefix and knows the built-ins.
if(EXPECT_CLI)
  set(_cli "${PREFIX}/${BINDIR}/yanxiu")
  if(NOT EXISTS "${_cli}")
    _fail("missing ${BINDIR}/yanxiu")
  else()
    execute_process(COMMAND "${_cli}" programs RESULT_VARIABLE _status OUTPUT_VARIABLE _output ERROR_VARIABLE _output)
    if(NOT _status EQUAL 0 OR NOT _output MATCHES "hunan-2023-mh-winter")
      _fail("${BINDIR}/yanxiu programs failed (${_status}): ${_output}")
    endif()
  endif()
endif()

if(_failures)
  message(FATAL_ERROR "install into ${PREFIX}:${_failures}")
endif()
list(LENGTH _headers _count)
message(STATUS "installed into ${PREFIX}: ${_count} headers, the library, the programmes, the CMake and pkg-config packages")
