# evmatch_set_warnings(target): the project's warning set, applied per target.
function(evmatch_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         -Wno-missing-field-initializers)
  if(EVMATCH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
