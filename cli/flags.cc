#include "flags.h"

#include <cerrno>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>

namespace evmatch_cli {
namespace {

std::string_view program_name = "evmatch";

const Flag* FindFlag(const Command& command, std::string_view name) {
  for (const Flag& flag : command.flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Bytes with an optional binary unit: 8388608, 64KiB, 8M, 5GiB.
std::optional<int64_t> ParseSize(std::string_view text) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"KiB", int64_t{1} << 10}, {"MiB", int64_t{1} << 20}, {"GiB", int64_t{1} << 30},
      {"K", int64_t{1} << 10},   {"M", int64_t{1} << 20},   {"G", int64_t{1} << 30}};
  int64_t unit = 1;
  for (const auto& [suffix, scale] : kUnits) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      text.remove_suffix(suffix.size());
      unit = scale;
      break;
    }
  }
  std::optional<int64_t> value = ParseInteger(text);
  if (!value || *value < 0 || *value > INT64_MAX / unit) return std::nullopt;
  return *value * unit;
}

std::string RangeText(const Flag& flag) {
  std::string text =
      flag.type == FlagType::kSize ? "a size (bytes, or with KiB, MiB, GiB)" : "an integer";
  return text + " from " + std::to_string(flag.min) + " to " + std::to_string(flag.max);
}

int UsageError(const Command& command, std::string_view message) {
  std::cerr << program_name << " " << command.name << ": " << message << "\n\n"
            << CommandUsage(command);
  return kExitError;
}

}  // namespace

Flag ThreadsFlag(int64_t max) {
  return {.name = "threads",
          .type = FlagType::kInt,
          .value_name = "N",
          .help = "worker threads; 0 = one per core (default 1)",
          .min = 0,
          .max = max};
}

bool Args::has(std::string_view name) const {
  return values_.find(name) != values_.end() || integers_.find(name) != integers_.end();
}

std::string Args::get(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

int64_t Args::integer(std::string_view name, int64_t fallback) const {
  auto it = integers_.find(name);
  return it == integers_.end() ? fallback : it->second;
}

std::string CommandUsage(const Command& command) {
  std::ostringstream out;
  out << "usage: " << program_name << " " << command.name;
  for (const Flag& flag : command.flags) {
    if (!flag.required) continue;
    out << " --" << flag.name << " " << flag.value_name;
  }
  if (!command.positional.empty()) out << " " << command.positional;
  out << (command.flags.empty() ? "" : " [flags]") << "\n\n" << command.summary << "\n";
  if (!command.flags.empty()) out << "\nflags:\n";
  for (const Flag& flag : command.flags) {
    std::string left =
        flag.short_name != 0 ? std::string("  -") + flag.short_name + ", --" : std::string("  --");
    left += flag.name;
    if (flag.type == FlagType::kChoice) {
      left += " ";
      for (size_t i = 0; i < flag.choices.size(); ++i) {
        left += (i ? "|" : "") + std::string(flag.choices[i]);
      }
    } else if (flag.type != FlagType::kBool) {
      left += " " + std::string(flag.value_name);
    }
    out << left
        << (left.size() < 30 ? std::string(30 - left.size(), ' ') : "\n" + std::string(30, ' '))
        << flag.help << (flag.required ? " (required)" : "") << "\n";
  }
  out << "  --help                      this text\n";
  if (!command.details.empty()) out << "\n" << command.details;
  out << "\nexit: 0 success or match, 1 no match or mismatch (yes/no commands), 2 invalid\n"
         "input, usage error or unreadable file\n";
  return out.str();
}

int RunCommand(const Command& command, int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << CommandUsage(command);
      return kExitOk;
    }
    std::string long_form;  // "-o" -> "--output"
    if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
      for (const Flag& flag : command.flags) {
        if (flag.short_name == arg[1]) long_form = "--" + std::string(flag.name);
      }
      if (long_form.empty()) return UsageError(command, "unknown flag " + std::string(arg));
      arg = long_form;
    }
    if (arg.substr(0, 2) != "--" || arg == "--") {
      if (command.positional.empty()) {
        return UsageError(command, "unexpected argument '" + std::string(arg) + "'");
      }
      if (!args.positional_.empty()) {
        return UsageError(command, "more than one " + std::string(command.positional) + " given");
      }
      args.positional_ = std::string(arg);
      continue;
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const Flag* flag = FindFlag(command, name);
    const bool prefixed = flag == nullptr && !command.flag_prefix.empty() &&
                          name.substr(0, command.flag_prefix.size()) == command.flag_prefix;
    if (flag == nullptr && !prefixed) {
      return UsageError(command, "unknown flag --" + std::string(name));
    }
    if (flag != nullptr && flag->type == FlagType::kBool) {
      if (value) return UsageError(command, "--" + std::string(name) + " takes no value");
      args.values_[std::string(name)] = "true";
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) return UsageError(command, "--" + std::string(name) + " needs a value");
      value = argv[++i];
    }
    if (prefixed) {
      args.prefixed_[std::string(name)] = *value;
      continue;
    }
    if (args.has(name)) return UsageError(command, "--" + std::string(name) + " given twice");
    switch (flag->type) {
      case FlagType::kInt:
      case FlagType::kSize: {
        std::optional<int64_t> n =
            flag->type == FlagType::kInt ? ParseInteger(*value) : ParseSize(*value);
        if (!n || *n < flag->min || *n > flag->max) {
          return UsageError(command, "--" + std::string(name) + " takes " + RangeText(*flag) +
                                         ", got '" + *value + "'");
        }
        args.integers_[std::string(name)] = *n;
        break;
      }
      case FlagType::kChoice: {
        bool known = false;
        for (std::string_view choice : flag->choices) known |= choice == *value;
        if (!known) {
          std::string list;
          for (std::string_view choice : flag->choices) {
            list += (list.empty() ? "" : ", ") + std::string(choice);
          }
          return UsageError(command, "--" + std::string(name) + " takes one of " + list +
                                         ", got '" + *value + "'");
        }
        args.values_[std::string(name)] = *value;
        break;
      }
      default:
        args.values_[std::string(name)] = *value;
    }
  }
  for (const Flag& flag : command.flags) {
    if (flag.required && !args.has(flag.name)) {
      return UsageError(command, "--" + std::string(flag.name) + " is required");
    }
  }
  if (!command.positional.empty() && args.positional_.empty()) {
    return UsageError(command, "no " + std::string(command.positional) + " given");
  }
  return command.run(args);
}

void SetProgramName(std::string_view name) { program_name = name; }

int Fail(std::string_view message) {
  std::cerr << program_name << ": " << message << "\n";
  return kExitError;
}

int Fail(const absl::Status& status) {
  return Fail(std::string_view(status.message().data(), status.message().size()));
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

std::string JsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace evmatch_cli
