// Kernel selection.

#include <simdjson.h>

#include "compile/program.h"
#include "runtime/kernel.h"
#include "runtime/scratch.h"

namespace evmatch::internal {
namespace SIMDJSON_BUILTIN_IMPLEMENTATION {
extern const Kernel kKernel;
}  // namespace SIMDJSON_BUILTIN_IMPLEMENTATION
#if EVMATCH_HAVE_HASWELL_KERNEL
namespace haswell {
extern const Kernel kKernel;
}  // namespace haswell
#endif

namespace {

bool Supported(const char* name) {
  const simdjson::implementation* impl = simdjson::get_available_implementations()[name];
  return impl != nullptr && impl->supported_by_runtime_system();
}

}  // namespace

const Kernel* FindKernel(std::string_view name) {
#if EVMATCH_HAVE_HASWELL_KERNEL
  if (name == haswell::kKernel.name && Supported("haswell")) return &haswell::kKernel;
#endif
  if (name == SIMDJSON_BUILTIN_IMPLEMENTATION::kKernel.name) {
    return &SIMDJSON_BUILTIN_IMPLEMENTATION::kKernel;
  }
  return nullptr;
}

const Kernel* BestKernel() {
  static const Kernel* const best = [] {
#if EVMATCH_HAVE_HASWELL_KERNEL
    if (Supported("haswell")) return &haswell::kKernel;
#endif
    return &SIMDJSON_BUILTIN_IMPLEMENTATION::kKernel;
  }();
  return best;
}

const Program& MatcherAccess::ProgramOf(const ::evmatch::Matcher& matcher) {
  return *matcher.program_;
}

ScratchState& MatcherAccess::StateOf(::evmatch::Scratch& scratch) { return *scratch.state_; }

void MatcherAccess::SetKernel(::evmatch::Matcher& matcher, const Kernel* kernel) {
  matcher.program_->kernel = kernel;
}

::evmatch::Matcher MatcherAccess::Make(std::unique_ptr<Program> program) {
  return ::evmatch::Matcher(std::move(program));
}

}  // namespace evmatch::internal
