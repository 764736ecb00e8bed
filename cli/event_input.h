// The events `evmatch match` reads: NDJSON from a file or stdin, plain or
// gzip, handed out in chunks of whole lines ready for Matcher::MatchBatch.
//
// A plain regular file is memory-mapped and its chunks are views of the
// mapping: no read into a buffer, no copy of any line (only the last chunk
// is copied, when the mapping's last page leaves less than kPadding readable
// bytes after it). A gzip file of one member that inflates to at most
// kMaxInflated bytes is inflated at once by libdeflate, 2.5x faster than
// zlib (bench/README.md), and its chunks are views of the result. Other gzip
// files, pipes and stdin stream through zlib into a buffer per chunk.

#ifndef EVMATCH_CLI_EVENT_INPUT_H_
#define EVMATCH_CLI_EVENT_INPUT_H_

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace evmatch_cli {

// Whole lines of the input and how many bytes may be read from their start:
// at least text.size() + evmatch::kPadding.
struct EventChunk {
  std::string_view text;
  size_t capacity = 0;
};

class EventInput {
 public:
  EventInput() = default;
  EventInput(const EventInput&) = delete;
  EventInput& operator=(const EventInput&) = delete;
  ~EventInput();

  // Opens `path`; "-" or empty is stdin. False when it cannot be read.
  // With `prompt`, a stream that is not a regular file (stdin, a pipe) is
  // read as it arrives: Next returns the whole lines available as soon as
  // there is one, rather than waiting for `size` bytes. Such a stream must
  // be plain NDJSON (a gzip one is refused: failed() is set).
  bool Open(const std::string& path, bool prompt = false);

  // The next whole lines: at least `size` bytes unless the input ends (the
  // last line may lack its '\n'); a line longer than `size` comes whole.
  // The chunk views the mapping or `*storage`, which it may fill (a stream's
  // lines, a mapped file's padded tail): it stays valid while `*storage` is
  // left alone, so callers may hold several chunks, each with its storage.
  // False at the end of the input or on a read error (see failed()).
  bool Next(size_t size, EventChunk* chunk, std::string* storage);

  bool failed() const { return failed_; }
  // Fraction of the input read so far, or -1 when the size is not known.
  double Progress() const;

 private:
  static constexpr size_t kMaxInflated = size_t{256} << 20;

  // Inflates the mapped gzip file `gzip` at once; false (nothing changed) when
  // it is not one member of at most kMaxInflated bytes.
  bool Inflate(const char* gzip, size_t size);
  bool NextInMemory(size_t size, EventChunk* chunk, std::string* storage);
  bool NextStream(size_t size, EventChunk* chunk, std::string* storage);
  void Fill(std::string* buffer, size_t size);

  // The whole input in memory: a mapped plain file or an inflated gzip one.
  const char* whole_ = nullptr;
  size_t whole_size_ = 0;
  size_t whole_readable_ = 0;  // bytes readable from whole_ (mapping: whole pages)
  size_t position_ = 0;
  void* map_ = nullptr;  // the mapping, if any
  size_t map_length_ = 0;
  void* inflated_ = nullptr;  // the inflated gzip file, if any
  size_t inflated_length_ = 0;
  // Stream through zlib, or read as it arrives (prompt_fd_, plain only).
  gzFile file_ = nullptr;
  int prompt_fd_ = -1;
  std::string carry_;  // the partial line after the last chunk
  bool eof_ = false, failed_ = false;
  uint64_t file_bytes_ = 0;
};

}  // namespace evmatch_cli

#endif  // EVMATCH_CLI_EVENT_INPUT_H_
