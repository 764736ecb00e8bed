// Text helpers of the CLI's own (it uses the library's public API only).

#ifndef EVMATCH_CLI_TEXT_H_
#define EVMATCH_CLI_TEXT_H_

#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace evmatch_cli {

// Concatenates anything std::ostream prints.
template <typename... T>
std::string Cat(const T&... values) {
  std::ostringstream out;
  (out << ... << values);
  return out.str();
}

// A whole decimal integer; false for anything else.
template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  return absl::SimpleAtoi(absl::string_view(text.data(), text.size()), out);
}

}  // namespace evmatch_cli

// Returns from the enclosing function when `expr` is not OK.
#define EVMATCH_CLI_RETURN_IF_ERROR(expr)                                           \
  do {                                                                              \
    if (::absl::Status cli_status_ = (expr); !cli_status_.ok()) return cli_status_; \
  } while (0)

#endif  // EVMATCH_CLI_TEXT_H_
