# Finds the Debian 12 packages evmatch builds against, respecting targets a
# parent project already defined.
include(CMakeFindDependencyMacro)

if(NOT TARGET absl::status)
  find_package(absl CONFIG REQUIRED)
endif()
if(NOT TARGET simdjson::simdjson)
  find_package(simdjson CONFIG REQUIRED)
endif()
# xxHash, header only (XXH_INLINE_ALL): the hash of a compiled matcher's
# value tables and the checksum of its image. Nothing to link, so the
# installed package needs it not.
if(NOT EVMATCH_XXHASH_INCLUDE_DIR)
  find_path(EVMATCH_XXHASH_INCLUDE_DIR xxhash.h)
  if(NOT EVMATCH_XXHASH_INCLUDE_DIR)
    message(FATAL_ERROR "xxhash.h not found: install libxxhash-dev (scripts/bootstrap.sh does)")
  endif()
endif()
