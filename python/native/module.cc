// The _evmatch extension: evmatch's matcher, S3 and integrity modules for
// Python. The `evmatch` package (python/evmatch/) re-exports these names;
// users import that, not this.

#include "bindings.h"
#include "common.h"

PYBIND11_MODULE(_evmatch, module) {
  module.doc() = "Native part of the evmatch package; import evmatch instead.";
  evmatch_python::AddExceptions(module);
  evmatch_python::AddPatterns(module);
  evmatch_python::AddMatcher(module);
#ifdef EVMATCH_PYTHON_S3
  evmatch_python::AddS3(module);
#endif
#ifdef EVMATCH_PYTHON_INTEGRITY
  evmatch_python::AddIntegrity(module);
#endif
}
