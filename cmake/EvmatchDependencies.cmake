# Finds the Debian 12 packages evmatch builds against, respecting targets a
# parent project already defined.
include(CMakeFindDependencyMacro)

if(NOT TARGET absl::status)
  find_package(absl CONFIG REQUIRED)
endif()
if(NOT TARGET simdjson::simdjson)
  find_package(simdjson CONFIG REQUIRED)
endif()
