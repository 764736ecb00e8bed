// Commands of the evmatch CLI implemented outside main.cc.

#ifndef EVMATCH_CLI_COMMANDS_H_
#define EVMATCH_CLI_COMMANDS_H_

#include <string>
#include <string_view>

namespace evmatch_cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;    // usage or I/O error
inline constexpr int kExitInvalid = 2;  // invalid input (pattern, rules, event, ...)

// Reads a whole file; false when it cannot be read.
bool ReadFile(const std::string& path, std::string* out);

// Prints `error` (if any) and the usage text to stderr; returns kExitUsage.
int Usage(std::string_view error);

// evmatch checksum --algorithm ALG [--part-size SIZE] [--type composite|full-object]
//                  [--threads N] FILE
int ChecksumCommand(int argc, char** argv);
// evmatch verify FILE --etag ETAG [--checksum-ALG VALUE] [--part-size SIZE]
//                [--sse none|s3|kms|c] [--threads N]; exit 0 match, 1 mismatch,
// 2 cannot tell (including unreadable files and bad arguments).
int VerifyCommand(int argc, char** argv);
// evmatch s3 validate-notification FILE: exit 0 valid, 2 with S3's error.
// evmatch s3 route --config FILE [--events FILE|-]: one line per record, the
// configurations it fires; malformed lines reported on stderr.
int S3Command(int argc, char** argv);
// evmatch dlq simulate --policy FILE --script FILE: replays a scenario on a
// DLQ ledger and prints the timeline; exit 2 for an invalid policy or line.
int DlqCommand(int argc, char** argv);

}  // namespace evmatch_cli

#endif  // EVMATCH_CLI_COMMANDS_H_
