# install(): the libraries, headers, CLI, a relocatable CMake package with one
# export set per component, and pkg-config files.
include(CMakePackageConfigHelpers)

set(EVMATCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/evmatch)
set(EVMATCH_COMPONENTS)
foreach(_component evmatch s3 integrity dlq)
  if(_component STREQUAL "evmatch")
    set(_target evmatch)
    set(_export evmatchTargets)
  else()
    set(_target evmatch_${_component})
    set(_export evmatch-${_component}Targets)
  endif()
  if(NOT TARGET ${_target})
    continue()
  endif()
  if(NOT _component STREQUAL "evmatch")
    list(APPEND EVMATCH_COMPONENTS ${_component})
  endif()
  install(TARGETS ${_target} EXPORT ${_export}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT ${_export} NAMESPACE evmatch:: DESTINATION ${EVMATCH_CMAKE_DIR})
  export(EXPORT ${_export} NAMESPACE evmatch::
         FILE ${PROJECT_BINARY_DIR}/${_export}.cmake)
endforeach()

# Headers of the components that were built.
install(FILES
          ${PROJECT_SOURCE_DIR}/include/evmatch/abi.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/aws_error.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/evmatch.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/explain.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/live.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/simdjson.h
          ${PROJECT_SOURCE_DIR}/include/evmatch/transform.h
          ${PROJECT_BINARY_DIR}/include/evmatch/export.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/evmatch)
foreach(_component IN LISTS EVMATCH_COMPONENTS)
  install(FILES ${PROJECT_SOURCE_DIR}/include/evmatch/${_component}.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/evmatch)
endforeach()
if(TARGET evmatch_cli)
  install(TARGETS evmatch_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

get_target_property(_type evmatch TYPE)
if(_type STREQUAL "STATIC_LIBRARY")
  set(EVMATCH_STATIC ON)
else()
  set(EVMATCH_STATIC OFF)
endif()
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/evmatchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/evmatchConfig.cmake
  INSTALL_DESTINATION ${EVMATCH_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/evmatchConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/evmatchConfig.cmake
              ${PROJECT_BINARY_DIR}/evmatchConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindISAL.cmake
        DESTINATION ${EVMATCH_CMAKE_DIR})

# pkg-config. A static library's dependencies go to Requires/Libs, so that a
# plain `pkg-config --libs evmatch` links; a shared one's stay private. The
# prefix is found from the .pc file's own place, so a moved tree still works.
if(EVMATCH_STATIC)
  set(EVMATCH_PC_REQUIRES "Requires")
  set(EVMATCH_PC_CFLAGS "-DEVMATCH_STATIC_DEFINE")
else()
  set(EVMATCH_PC_REQUIRES "Requires.private")
  set(EVMATCH_PC_CFLAGS "")
endif()
file(RELATIVE_PATH EVMATCH_PC_TO_PREFIX
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" EVMATCH_PC_TO_PREFIX "${EVMATCH_PC_TO_PREFIX}")
foreach(_pc evmatch ${EVMATCH_COMPONENTS})
  if(_pc STREQUAL "evmatch")
    set(_in evmatch)
  else()
    set(_in evmatch-${_pc})
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${_in}.pc.in ${PROJECT_BINARY_DIR}/${_in}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${_in}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
