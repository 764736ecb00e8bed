// The evmatch CLI's commands and flags, declared as tables and parsed by one
// parser, so every command has --help, typed flags with checked ranges, and
// the same answer to an unknown flag.
//
// Exit codes, the same for every command (documented in `evmatch --help`):
//   0  success; a match, where the command answers yes or no
//   1  no match or mismatch, where the command answers yes or no
//   2  invalid input, usage error, or a file that cannot be read or written

#ifndef EVMATCH_CLI_FLAGS_H_
#define EVMATCH_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace evmatch_cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitNo = 1;
inline constexpr int kExitError = 2;

enum class FlagType : uint8_t {
  kString,  // any text
  kChoice,  // one of `choices`
  kBool,    // present or not; takes no value
  kInt,     // an integer in [min, max]
  kSize,    // bytes, optionally with K/KiB, M/MiB, G/GiB; in [min, max]
};

struct Flag {
  std::string_view name;  // without the leading "--"
  char short_name = 0;    // `-o` for `--output`; 0: none
  FlagType type = FlagType::kString;
  std::string_view value_name;  // shown in usage: FILE, N, SIZE, ...
  std::string_view help;
  bool required = false;
  int64_t min = 0, max = 0;               // kInt, kSize
  std::vector<std::string_view> choices;  // kChoice
};

// `--threads N`, the same flag wherever a command runs threads.
Flag ThreadsFlag(int64_t max = 256);

class Args;

struct Command {
  std::string_view name;        // "match", "s3 route", ...
  std::string_view summary;     // one line, for `evmatch --help`
  std::string_view positional;  // "FILE" when the command takes one, else ""
  std::vector<Flag> flags;
  std::string details;  // paragraphs after the flags in --help
  int (*run)(const Args& args);
  // Flags whose name starts with this prefix are accepted too (verify's
  // --checksum-ALG); their values are in Args::prefixed().
  std::string_view flag_prefix = {};
};

// Parsed, checked arguments of one command.
class Args {
 public:
  bool has(std::string_view name) const;
  // The value of a string or choice flag; `fallback` when absent.
  std::string get(std::string_view name, std::string_view fallback = {}) const;
  // The value of an int or size flag; `fallback` when absent.
  int64_t integer(std::string_view name, int64_t fallback) const;
  const std::string& positional() const { return positional_; }
  // Flags accepted through Command::flag_prefix: name without "--" -> value.
  const std::map<std::string, std::string>& prefixed() const { return prefixed_; }

 private:
  friend int RunCommand(const Command& command, int argc, char** argv, int first);
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, int64_t, std::less<>> integers_;
  std::map<std::string, std::string> prefixed_;
  std::string positional_;
};

// Parses argv[first..] against `command` and runs it. `--help` prints the
// command's usage on stdout (exit 0); a usage error prints the reason and the
// usage on stderr (exit 2).
int RunCommand(const Command& command, int argc, char** argv, int first);

// The usage text of `command`.
std::string CommandUsage(const Command& command);

// The name usage lines and messages start with ("evmatch" unless set; the
// router sets "evmatch-router"). `name` must outlive every call.
void SetProgramName(std::string_view name);

// Prints "<program>: <message>" on stderr and returns kExitError.
int Fail(std::string_view message);
// The same for a failed status: its message.
int Fail(const absl::Status& status);

// Reads a whole file; nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

// `s` as a JSON string literal.
std::string JsonString(std::string_view s);

// The commands of each source file, for the table in main.cc.
std::vector<Command> PatternCommands();
std::vector<Command> MatchCommands();
std::vector<Command> S3Commands();
std::vector<Command> IntegrityCommands();
std::vector<Command> DlqCommands();

}  // namespace evmatch_cli

#endif  // EVMATCH_CLI_FLAGS_H_
