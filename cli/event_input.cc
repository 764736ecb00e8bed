#include "event_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "evmatch/evmatch.h"

namespace evmatch_cli {

EventInput::~EventInput() {
  if (map_ != nullptr) munmap(const_cast<char*>(map_), map_readable_);
  if (file_ != nullptr) gzclose(file_);
}

bool EventInput::Open(const std::string& path) {
  if (path.empty() || path == "-") {
    file_ = gzdopen(dup(0), "rb");
  } else {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat info;
    unsigned char magic[2] = {0, 0};
    const bool regular = fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    const bool gzip = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (regular && info.st_size == 0) {
      close(fd);
      eof_ = true;
      return true;
    }
    if (regular && !gzip) {
      const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
      map_size_ = static_cast<size_t>(info.st_size);
      map_readable_ = (map_size_ + page - 1) / page * page;
      void* map = mmap(nullptr, map_readable_, PROT_READ, MAP_PRIVATE, fd, 0);
      close(fd);
      if (map == MAP_FAILED) return false;
      madvise(map, map_readable_, MADV_SEQUENTIAL);
      map_ = static_cast<const char*>(map);
      return true;
    }
    if (regular) file_bytes_ = static_cast<uint64_t>(info.st_size);
    file_ = gzdopen(fd, "rb");
    if (file_ == nullptr) close(fd);
  }
  if (file_ == nullptr) return false;
  gzbuffer(file_, 1 << 20);
  return true;
}

bool EventInput::Next(size_t size, EventChunk* chunk, std::string* storage) {
  return map_ != nullptr ? NextMapped(size, chunk, storage) : NextStream(size, chunk, storage);
}

bool EventInput::NextMapped(size_t size, EventChunk* chunk, std::string* storage) {
  if (position_ >= map_size_) return false;
  const size_t begin = position_;
  size_t end = map_size_;
  if (map_size_ - begin > size) {
    const void* newline = std::memchr(map_ + begin + size - 1, '\n', map_size_ - begin - size + 1);
    if (newline != nullptr) end = static_cast<size_t>(static_cast<const char*>(newline) - map_) + 1;
  }
  position_ = end;
  const std::string_view text(map_ + begin, end - begin);
  if (map_readable_ - begin >= text.size() + evmatch::kPadding) {
    *chunk = {text, map_readable_ - begin};
    return true;
  }
  // The file's last bytes, too close to the end of the mapping to be padded.
  storage->reserve(text.size() + evmatch::kPadding);
  storage->assign(text);
  *chunk = {*storage, storage->capacity()};
  return true;
}

bool EventInput::NextStream(size_t size, EventChunk* chunk, std::string* storage) {
  storage->swap(carry_);
  carry_.clear();
  while (!eof_ && storage->size() < size) Fill(storage, size);
  if (!eof_) {
    // Read on while the buffer holds no line break at all (a long line).
    size_t newline;
    while ((newline = storage->rfind('\n')) == std::string::npos && !eof_) {
      Fill(storage, storage->size() * 2);
    }
    if (newline != std::string::npos) {
      carry_.assign(*storage, newline + 1);
      storage->resize(newline + 1);
    }
  }
  if (storage->empty()) return false;
  storage->reserve(storage->size() + evmatch::kPadding);
  *chunk = {*storage, storage->capacity()};
  return true;
}

void EventInput::Fill(std::string* buffer, size_t size) {
  const size_t old = buffer->size();
  const size_t want = std::max<size_t>(size - std::min(size, old), 1 << 16);
  buffer->resize(old + want);
  const int n = gzread(file_, buffer->data() + old, static_cast<unsigned>(want));
  if (n <= 0) {
    failed_ = n < 0;
    eof_ = true;
    buffer->resize(old);
    return;
  }
  buffer->resize(old + static_cast<size_t>(n));
}

double EventInput::Progress() const {
  if (map_ != nullptr) return static_cast<double>(position_) / static_cast<double>(map_size_);
  if (file_bytes_ == 0 || file_ == nullptr) return -1;
  const z_off_t offset = gzoffset(file_);
  return offset < 0 ? -1 : static_cast<double>(offset) / static_cast<double>(file_bytes_);
}

}  // namespace evmatch_cli
