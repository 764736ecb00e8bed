# FindISAL: Intel's ISA-L (Debian: libisal-dev), located through its
# pkg-config file when there is one, else by header and library name.
#
# Defines ISAL_FOUND, ISAL_INCLUDE_DIRS, ISAL_LIBRARIES and the imported
# target ISAL::ISAL.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_ISAL QUIET libisal)
endif()
find_path(ISAL_INCLUDE_DIR isa-l/crc.h HINTS ${PC_ISAL_INCLUDE_DIRS})
find_library(ISAL_LIBRARY isal HINTS ${PC_ISAL_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ISAL
  REQUIRED_VARS ISAL_LIBRARY ISAL_INCLUDE_DIR
  VERSION_VAR PC_ISAL_VERSION)

if(ISAL_FOUND)
  set(ISAL_INCLUDE_DIRS ${ISAL_INCLUDE_DIR})
  set(ISAL_LIBRARIES ${ISAL_LIBRARY})
  if(NOT TARGET ISAL::ISAL)
    add_library(ISAL::ISAL UNKNOWN IMPORTED)
    set_target_properties(ISAL::ISAL PROPERTIES
      IMPORTED_LOCATION "${ISAL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${ISAL_INCLUDE_DIR}")
  endif()
endif()
mark_as_advanced(ISAL_INCLUDE_DIR ISAL_LIBRARY)
