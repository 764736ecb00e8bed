# Builds the libraries shared from SOURCE_DIR, installs them, and checks what
# a shared build promises: a SONAME per library, internal symbols hidden,
# the versioned ABI namespace exported, and a consumer that links and runs.
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0"
    -DEVMATCH_BUILD_SHARED=ON -DEVMATCH_BUILD_TESTS=OFF -DEVMATCH_BUILD_CLI=OFF
    -DEVMATCH_BUILD_EXAMPLES=OFF -DEVMATCH_BUILD_FUZZERS=OFF -DEVMATCH_BUILD_PYTHON=OFF
    -DEVMATCH_INSTALL=ON
    # One translation unit per library: a third of the time of a file-by-file
    # build, which the dev build already checks.
    -DCMAKE_UNITY_BUILD=ON)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/build --prefix ${WORK_DIR}/prefix)

foreach(lib evmatch evmatch_s3 evmatch_integrity evmatch_dlq)
  file(GLOB so ${WORK_DIR}/prefix/lib*/lib${lib}.so.*.*.* ${WORK_DIR}/prefix/lib/*/lib${lib}.so.*.*.*)
  if(NOT so)
    message(FATAL_ERROR "lib${lib}.so was not installed")
  endif()
  run(readelf -d ${so})
  if(NOT run_output MATCHES "SONAME[^\n]*\\[lib${lib}\\.so\\.0\\]")
    message(FATAL_ERROR "lib${lib}: no SONAME lib${lib}.so.0\n${run_output}")
  endif()
  run(nm -D -C --defined-only ${so})
  # A symbol *named* in evmatch::internal (not one whose parameters mention it).
  if(run_output MATCHES " [A-Za-z] evmatch::internal::")
    string(REGEX MATCH "[^\n]* [A-Za-z] evmatch::internal::[^\n]*" leak "${run_output}")
    message(FATAL_ERROR "lib${lib} exports an internal symbol: ${leak}")
  endif()
  if(NOT run_output MATCHES "evmatch::v0::")
    message(FATAL_ERROR "lib${lib} exports nothing in evmatch::v0")
  endif()
  # Every exported evmatch name carries the ABI version.
  string(REGEX MATCHALL " [A-Za-z] evmatch::[A-Za-z0-9_]+" heads "${run_output}")
  foreach(head IN LISTS heads)
    if(NOT head MATCHES "evmatch::v0$")
      message(FATAL_ERROR "lib${lib} exports a name outside evmatch::v0:${head}")
    endif()
  endforeach()
endforeach()

run(${CMAKE_CTEST_COMMAND} --build-and-test ${CONSUMER_DIR} ${WORK_DIR}/consumer
    --build-generator ${GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    --test-command matcher_consumer)
message(STATUS "shared build: SONAMEs, hidden internals, consumer ok")
