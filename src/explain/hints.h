// Near misses: why a field array that nothing satisfies almost matched, in
// one sentence each ("equals-ignore-case would match", a number sent as a
// string, a key spelled differently, ...).

#ifndef EVMATCH_SRC_EXPLAIN_HINTS_H_
#define EVMATCH_SRC_EXPLAIN_HINTS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "json/json_tree.h"
#include "pattern/ast.h"
#include "reference/evaluate.h"

namespace evmatch::internal {

// `text` cut to at most `max` bytes at a UTF-8 boundary, "..." appended
// when cut.
std::string Cut(std::string_view text, size_t max);

// Hints for the field array `matchers` at event path `path`, which no leaf
// of `present` (the event's leaves at that path; empty when it has none)
// satisfies. `root` is the event's tree, built along the pattern's paths
// only (PartialTree), and `text` the event, whose objects are read again
// for near keys.
std::vector<std::string> NearMisses(const std::vector<Matcher>& matchers, const std::string& path,
                                    const std::vector<const EventLeaf*>& present,
                                    const JsonValue& root, std::string_view text);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_EXPLAIN_HINTS_H_
