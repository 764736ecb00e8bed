# evmatch_set_warnings(target): the project's warning set, applied per target.
function(evmatch_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         -Wno-missing-field-initializers)
  # GCC 12 reports false -Wrestrict errors inside std::string at -O2/-O3
  # (GCC bug 105329).
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(EVMATCH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
