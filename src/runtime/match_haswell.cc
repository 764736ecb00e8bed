// The walker for simdjson's haswell kernel (AVX2, BMI, PCLMUL, LZCNT); this
// file is compiled with those instruction sets enabled and only runs on CPUs
// that have them (see kernels.cc).
#include <simdjson.h>

#define EVMATCH_KERNEL haswell
#include "runtime/match_impl.h"
