# evmatch_add_library(<target> EXPORT_NAME <name> SOURCES <src>...
#                     [PUBLIC <dep>...] [PRIVATE <dep>...])
#
# Declares one of evmatch's libraries, all configured alike: C++20, the public
# include directory, absl::status in the interface, position-independent code,
# hidden symbols with SONAME and version when shared, EVMATCH_STATIC_DEFINE in
# the interface when static, the project's warnings, and the alias
# evmatch::<name>.
#
# Tests, fuzzers and benchmarks reach internal symbols, which a shared library
# hides; for them a static twin <target>_whitebox is built beside a shared
# library (evmatch_whitebox(<target>) names the one to link).
include(GNUInstallDirs)

function(evmatch_add_library target)
  cmake_parse_arguments(ARG "" "EXPORT_NAME" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${target} ${ARG_SOURCES})
  add_library(evmatch::${ARG_EXPORT_NAME} ALIAS ${target})
  _evmatch_configure_library(${target})
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${ARG_EXPORT_NAME}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    # One export macro for every library: EVMATCH_EXPORT marks the API.
    DEFINE_SYMBOL evmatch_EXPORTS
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "STATIC_LIBRARY")
    target_compile_definitions(${target} PUBLIC EVMATCH_STATIC_DEFINE)
    set(_whitebox ${target})
  else()
    set(_whitebox ${target}_whitebox)
    add_library(${_whitebox} STATIC ${ARG_SOURCES})
    _evmatch_configure_library(${_whitebox})
    target_compile_definitions(${_whitebox} PUBLIC EVMATCH_STATIC_DEFINE)
    # The twin links the other twins, so no test mixes the two builds.
    set(_private)
    foreach(_dep IN LISTS ARG_PRIVATE)
      if(TARGET ${_dep}_whitebox)
        list(APPEND _private ${_dep}_whitebox)
      else()
        list(APPEND _private ${_dep})
      endif()
    endforeach()
    target_link_libraries(${_whitebox} PUBLIC ${ARG_PUBLIC} PRIVATE ${_private})
  endif()
  set_property(GLOBAL APPEND PROPERTY EVMATCH_WHITEBOX_${target} ${_whitebox})
endfunction()

# Sets <out> to the target that gives white-box access to <target>.
function(evmatch_whitebox out target)
  get_property(_whitebox GLOBAL PROPERTY EVMATCH_WHITEBOX_${target})
  set(${out} ${_whitebox} PARENT_SCOPE)
endfunction()

function(_evmatch_configure_library target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Position-independent even when static, so that a static evmatch links into
  # shared objects: the Python extension, a user's plugin.
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target}
    PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE
      ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC absl::status absl::statusor)
  evmatch_set_warnings(${target})
endfunction()
