# Applies EVMATCH_SANITIZE to every target defined after this point.
if(EVMATCH_SANITIZE)
  set(_evmatch_san "")
  foreach(_s IN LISTS EVMATCH_SANITIZE)
    list(APPEND _evmatch_san "-fsanitize=${_s}")
  endforeach()
  list(JOIN _evmatch_san " " _evmatch_san_flags)
  string(APPEND CMAKE_CXX_FLAGS
         " ${_evmatch_san_flags} -fno-sanitize-recover=all -fno-omit-frame-pointer")
  if("thread" IN_LIST EVMATCH_SANITIZE)
    # shared_ptr's release, annotated for ThreadSanitizer (see the header).
    string(APPEND CMAKE_CXX_FLAGS " -include ${CMAKE_CURRENT_LIST_DIR}/tsan_annotations.h")
  endif()
  string(APPEND CMAKE_EXE_LINKER_FLAGS " ${_evmatch_san_flags}")
  string(APPEND CMAKE_SHARED_LINKER_FLAGS " ${_evmatch_san_flags}")
endif()
