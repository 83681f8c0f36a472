# Install rules (YANXIU_INSTALL), included from the top-level CMakeLists.txt:
# the headers, the library, the built-in programmes, the CLI, and the two
# ways to find them again: the CMake package (find_package(yanxiu), targets
# yanxiu::yanxiu, yanxiu::core and, when built, yanxiu::pdf and yanxiu::xlsx) and the
# pkg-config files yanxiu.pc, yanxiu-pdf.pc and yanxiu-xlsx.pc.
#
# Everything is relative to the prefix chosen at install time
# (cmake --install build --prefix ...), so nothing records CMAKE_INSTALL_PREFIX
# as it was at configure time.  Only yanxiu itself is exported; the private
# helper yanxiu_warnings never appears in an installed file.
include(CMakePackageConfigHelpers)

# As the top-level find_package(nlohmann_json ...) asks.
set(YANXIU_NLOHMANN_JSON_MIN_VERSION 3.10)

# A compiled library: the CMake package and yanxiu.pc go under lib/.
set(YANXIU_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/yanxiu"
    CACHE STRING "Where yanxiu's CMake package goes, relative to the prefix")
set(YANXIU_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where yanxiu.pc goes, relative to the prefix")
set(YANXIU_INSTALL_PROGRAMSDIR "${CMAKE_INSTALL_DATADIR}/yanxiu/programs")
set(_yanxiu_package_dir "${PROJECT_BINARY_DIR}/package")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/yanxiu" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${_yanxiu_programs} DESTINATION ${YANXIU_INSTALL_PROGRAMSDIR})
if(TARGET yanxiu_cli)
  install(TARGETS yanxiu_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The CMake package.
set(_yanxiu_installed_targets yanxiu yanxiu_core)
set(YANXIU_PACKAGE_HAS_PDF OFF)
if(TARGET yanxiu_pdf)
  list(APPEND _yanxiu_installed_targets yanxiu_pdf)
  set(YANXIU_PACKAGE_HAS_PDF ON)
endif()
set(YANXIU_PACKAGE_HAS_XLSX OFF)
if(TARGET yanxiu_xlsx)
  list(APPEND _yanxiu_installed_targets yanxiu_xlsx)
  set(YANXIU_PACKAGE_HAS_XLSX ON)
endif()
install(TARGETS ${_yanxiu_installed_targets} EXPORT yanxiuTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT yanxiuTargets NAMESPACE yanxiu:: FILE yanxiuTargets.cmake
        DESTINATION ${YANXIU_INSTALL_CMAKEDIR})
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/yanxiuConfig.cmake.in" "${_yanxiu_package_dir}/yanxiuConfig.cmake"
    INSTALL_DESTINATION ${YANXIU_INSTALL_CMAKEDIR}
    PATH_VARS YANXIU_INSTALL_PROGRAMSDIR)
write_basic_package_version_file("${_yanxiu_package_dir}/yanxiuConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion)
install(FILES "${_yanxiu_package_dir}/yanxiuConfig.cmake" "${_yanxiu_package_dir}/yanxiuConfigVersion.cmake"
        DESTINATION ${YANXIU_INSTALL_CMAKEDIR})

# The pkg-config file.  Its prefix is found from the file's own place
# (${pcfiledir}), unless the install directories are absolute.
if(IS_ABSOLUTE "${YANXIU_INSTALL_PKGCONFIGDIR}")
  set(_yanxiu_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _yanxiu_pc_up "/prefix/${YANXIU_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" _yanxiu_pc_up "${_yanxiu_pc_up}")
  set(_yanxiu_pc_prefix "\${pcfiledir}/${_yanxiu_pc_up}")
endif()
foreach(_kind IN ITEMS includedir libdir programsdir)
  if(_kind STREQUAL "includedir")
    set(_dir "${CMAKE_INSTALL_INCLUDEDIR}")
  elseif(_kind STREQUAL "libdir")
    set(_dir "${CMAKE_INSTALL_LIBDIR}")
  else()
    set(_dir "${YANXIU_INSTALL_PROGRAMSDIR}")
  endif()
  if(IS_ABSOLUTE "${_dir}")
    set(_yanxiu_pc_${_kind} "${_dir}")
  else()
    set(_yanxiu_pc_${_kind} "\${prefix}/${_dir}")
  endif()
endforeach()

# date has no pkg-config file of its own, so yanxiu.pc carries its flags: the
# directories only where the compiler would not look anyway (Debian: nowhere).
set(_yanxiu_pc_date_cflags "")
set(_yanxiu_pc_date_libs "")
get_target_property(_yanxiu_date_imported date::date-tz IMPORTED)
if(_yanxiu_date_imported)
  get_target_property(_yanxiu_date_includes date::date-tz INTERFACE_INCLUDE_DIRECTORIES)
  foreach(_dir IN LISTS _yanxiu_date_includes)
    if(_dir AND NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
      string(APPEND _yanxiu_pc_date_cflags " -I${_dir}")
    endif()
  endforeach()
  get_target_property(_yanxiu_date_library date::date-tz LOCATION)
  if(_yanxiu_date_library)
    get_filename_component(_dir "${_yanxiu_date_library}" DIRECTORY)
    if(NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
      set(_yanxiu_pc_date_libs "-L${_dir} ")
    endif()
  endif()
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/yanxiu.pc.in" "${_yanxiu_package_dir}/yanxiu.pc" @ONLY)
install(FILES "${_yanxiu_package_dir}/yanxiu.pc" DESTINATION ${YANXIU_INSTALL_PKGCONFIGDIR})
if(YANXIU_PACKAGE_HAS_PDF)
  # yanxiu-pdf.pc: the certificate PDFs, on top of yanxiu.pc.
  configure_file("${PROJECT_SOURCE_DIR}/cmake/yanxiu-pdf.pc.in" "${_yanxiu_package_dir}/yanxiu-pdf.pc" @ONLY)
  install(FILES "${_yanxiu_package_dir}/yanxiu-pdf.pc" DESTINATION ${YANXIU_INSTALL_PKGCONFIGDIR})
endif()
if(YANXIU_PACKAGE_HAS_XLSX)
  # yanxiu-xlsx.pc: report workbooks, on top of yanxiu.pc.
  configure_file("${PROJECT_SOURCE_DIR}/cmake/yanxiu-xlsx.pc.in" "${_yanxiu_package_dir}/yanxiu-xlsx.pc" @ONLY)
  install(FILES "${_yanxiu_package_dir}/yanxiu-xlsx.pc" DESTINATION ${YANXIU_INSTALL_PKGCONFIGDIR})
endif()
