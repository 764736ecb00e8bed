# Debian 12 ships RE2 with a pkg-config file only. Use a CMake package when
# one exists, otherwise wrap re2.pc in an imported target named re2::re2.
if(NOT TARGET re2::re2)
  find_package(re2 CONFIG QUIET)
  if(NOT TARGET re2::re2)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET GLOBAL re2)
    add_library(re2::re2 ALIAS PkgConfig::RE2)
  endif()
endif()
