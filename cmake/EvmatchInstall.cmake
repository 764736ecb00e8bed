# install(): library, headers, CLI, CMake package and pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS evmatch evmatch_integrity evmatch_dlq EXPORT evmatchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/evmatch
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/evmatch/export.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/evmatch)
if(TARGET evmatch_cli)
  install(TARGETS evmatch_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(EVMATCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/evmatch)
install(EXPORT evmatchTargets NAMESPACE evmatch:: DESTINATION ${EVMATCH_CMAKE_DIR})
export(EXPORT evmatchTargets NAMESPACE evmatch::
       FILE ${PROJECT_BINARY_DIR}/evmatchTargets.cmake)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/evmatchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/evmatchConfig.cmake
  INSTALL_DESTINATION ${EVMATCH_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/evmatchConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/evmatchConfig.cmake
              ${PROJECT_BINARY_DIR}/evmatchConfigVersion.cmake
        DESTINATION ${EVMATCH_CMAKE_DIR})

foreach(_pc evmatch evmatch-integrity evmatch-dlq)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${_pc}.pc.in
                 ${PROJECT_BINARY_DIR}/${_pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${_pc}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
