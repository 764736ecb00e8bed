// The parts of the _evmatch extension, each adding its names to the module
// (module.cc calls them in order).

#ifndef EVMATCH_PYTHON_BINDINGS_H_
#define EVMATCH_PYTHON_BINDINGS_H_

#include <pybind11/pybind11.h>

namespace evmatch_python {

// Pattern, test_event_pattern, validate, validate_rules (patterns.cc).
void AddPatterns(pybind11::module_& module);
// The native matcher class (matcher.cc).
void AddMatcher(pybind11::module_& module);
// The S3 helpers (s3.cc), in their own submodule.
void AddS3(pybind11::module_& module);
// The integrity helpers (integrity.cc), in their own submodule.
void AddIntegrity(pybind11::module_& module);

}  // namespace evmatch_python

#endif  // EVMATCH_PYTHON_BINDINGS_H_
