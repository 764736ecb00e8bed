// The walker for the simdjson kernel the default compiler flags select.
#include <simdjson.h>

#define EVMATCH_KERNEL SIMDJSON_BUILTIN_IMPLEMENTATION
#include "runtime/match_impl.h"
