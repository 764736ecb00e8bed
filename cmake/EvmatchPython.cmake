# Decides EVMATCH_BUILD_PYTHON and finds what the Python module needs:
# Python's headers and pybind11 (Debian: python3-dev, pybind11-dev).
#
# By default the module is built when both are found, except in builds where
# it cannot work: -fno-exceptions (pybind11 throws) and sanitizer builds (an
# instrumented extension needs an instrumented interpreter).
#
# The interpreter is Debian's /usr/bin/python3 when present: the one
# python3-pybind11 and python3-pytest are installed for, and the one the
# installed module is placed for. -DPython_EXECUTABLE=... chooses another.

if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter for the module")
endif()

set(_evmatch_python_possible ON)
if(CMAKE_CXX_FLAGS MATCHES "-fno-exceptions" OR EVMATCH_SANITIZE)
  set(_evmatch_python_possible OFF)
endif()

if(NOT DEFINED EVMATCH_BUILD_PYTHON OR EVMATCH_BUILD_PYTHON)
  if(_evmatch_python_possible)
    find_package(Python 3.9 COMPONENTS Interpreter Development.Module QUIET)
    set(PYBIND11_FINDPYTHON ON)
    if(Python_FOUND)
      find_package(pybind11 2.10 CONFIG QUIET)
    endif()
  endif()
  set(_evmatch_python_found OFF)
  if(_evmatch_python_possible AND Python_FOUND AND pybind11_FOUND)
    set(_evmatch_python_found ON)
  endif()
  if(DEFINED EVMATCH_BUILD_PYTHON AND EVMATCH_BUILD_PYTHON AND NOT _evmatch_python_found)
    message(FATAL_ERROR
      "EVMATCH_BUILD_PYTHON is ON but the module cannot be built here: it needs "
      "exceptions, no sanitizer, Python's headers and pybind11 (Debian: "
      "apt-get install python3-dev pybind11-dev)")
  endif()
  option(EVMATCH_BUILD_PYTHON "Build the Python module (needs pybind11)" ${_evmatch_python_found})
endif()
