# Installs BUILD_DIR into one prefix, moves the tree, and uses the moved copy:
# find_package through CMAKE_PREFIX_PATH, and a program compiled and linked
# with nothing but `pkg-config --cflags --libs evmatch`.
include(${CMAKE_CURRENT_LIST_DIR}/run.cmake)

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/first)
file(RENAME ${WORK_DIR}/first ${WORK_DIR}/moved)
if(EXISTS ${WORK_DIR}/first)
  message(FATAL_ERROR "the first prefix still exists")
endif()

run(${CMAKE_CTEST_COMMAND} --build-and-test ${CONSUMER_DIR} ${WORK_DIR}/consumer
    --build-generator ${GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${WORK_DIR}/moved
    --test-command matcher_consumer)

file(GLOB pc_dir ${WORK_DIR}/moved/lib*/pkgconfig ${WORK_DIR}/moved/lib/*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
run(pkg-config --cflags --libs evmatch)
string(STRIP "${run_output}" flags)
if(flags MATCHES "/first/" OR NOT flags MATCHES "${WORK_DIR}/moved/")
  message(FATAL_ERROR "pkg-config does not point into the moved prefix: ${flags}")
endif()
separate_arguments(flag_list UNIX_COMMAND "${flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
run(${CXX} -std=c++20 ${cxx_flags} ${CONSUMER_DIR}/main.cc -o ${WORK_DIR}/pkg_consumer ${flag_list})
run(${WORK_DIR}/pkg_consumer)
message(STATUS "relocated package: CMake and pkg-config consumers ok")
