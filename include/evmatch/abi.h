// File: evmatch/abi.h
// -----------------------------------------------------------------------------
// evmatch's ABI stance. Every public name lives in an inline namespace named
// after the ABI version, `evmatch::v0`: code writes `evmatch::Matcher`, while
// the linker sees `evmatch::v0::Matcher`. A release that changes the layout or
// meaning of a public type moves to `v1`, so a program built against one
// version never links silently against another; within a version, the shared
// libraries' SONAME (libevmatch.so.0) names the same thing.
//
// `EVMATCH_EXPORT` marks what the shared libraries export; every other symbol
// is hidden. Static builds define EVMATCH_STATIC_DEFINE (the CMake package
// and pkg-config files do so for their users).

#ifndef EVMATCH_ABI_H_
#define EVMATCH_ABI_H_

#include "evmatch/export.h"

#define EVMATCH_ABI_NAMESPACE_BEGIN inline namespace v0 {
#define EVMATCH_ABI_NAMESPACE_END }

#endif  // EVMATCH_ABI_H_
