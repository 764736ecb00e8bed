// File: evmatch/simdjson.h
// -----------------------------------------------------------------------------
// Opt-in adapter for callers who already use simdjson. This is the only
// public header that includes <simdjson.h>; evmatch.h stays free of it.
//
//   simdjson::padded_string event = ...;
//   evmatch::MatchStatus status = evmatch::Match(matcher, event, scratch);
//
//   simdjson::ondemand::parser parser;            // caller-owned
//   simdjson::ondemand::document doc = parser.iterate(event);
//   evmatch::MatchStatus status = evmatch::MatchDocument(matcher, doc, scratch);
//
// IMPORTANT: simdjson::ondemand names a different namespace depending on the
// instruction set the including file is compiled for (simdjson's "builtin
// implementation"). The library defines MatchDocument for the portable
// kernel (default compiler flags) and, on x86-64, for the haswell kernel
// (-mavx2 -mbmi -mpclmul -mlzcnt). Compiling the caller for another kernel
// is a link error, never undefined behaviour.

#ifndef EVMATCH_SIMDJSON_H_
#define EVMATCH_SIMDJSON_H_

#include <simdjson.h>

#include "evmatch/evmatch.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

// Matcher::Match on a padded buffer: the padding comes from `json.capacity()`.
[[nodiscard]] inline MatchStatus Match(const Matcher& matcher,
                                       simdjson::padded_string_view json, Scratch& scratch,
                                       MatchMode mode = MatchMode::kComplete) {
  return matcher.Match(std::string_view(json.data(), json.size()), json.capacity(), scratch,
                       mode);
}

// Matches a document the caller has just started iterating (nothing read
// from it yet); reads it to its end. Same results and statuses as
// Matcher::Match, except that size limits are the caller's parser's own
// (CompileOptions::max_event_bytes is not applied) and the document must be
// a JSON object. `scratch` must be prepared for `matcher`. Does not allocate.
// In MatchMode::kLazy the document is left wherever the walk stopped.
[[nodiscard]] EVMATCH_EXPORT MatchStatus MatchDocument(
    const Matcher& matcher, simdjson::ondemand::document& document, Scratch& scratch,
    MatchMode mode = MatchMode::kComplete);

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SIMDJSON_H_
