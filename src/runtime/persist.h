// Files for compiled images, shared by Matcher and LiveMatcher.

#ifndef EVMATCH_SRC_RUNTIME_PERSIST_H_
#define EVMATCH_SRC_RUNTIME_PERSIST_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace evmatch::internal {

// An 8-byte aligned copy of `bytes` in *copy, owned by the returned pointer.
std::shared_ptr<const void> AlignedCopy(std::string_view bytes, std::string_view* copy);

// Writes `bytes` to a temporary file beside `path`, syncs it and renames it
// over `path`: readers see the old file or the new one, never a part.
absl::Status WriteFileWhole(const std::string& path, std::string_view bytes);

// `status` with its message prefixed by "PATH: " (errors about a file's
// contents).
absl::Status WithPath(std::string_view path, const absl::Status& status);

// The bytes of file `path` in *image, mapped read-only where the file can be
// mapped and read into an aligned buffer otherwise; *owner keeps them.
absl::Status MapImageFile(const std::string& path, std::string_view* image,
                          std::shared_ptr<const void>* owner);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_RUNTIME_PERSIST_H_
