#include "event_input.h"

#include <endian.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "evmatch/evmatch.h"

namespace evmatch_cli {

EventInput::~EventInput() {
  if (map_ != nullptr) munmap(map_, map_length_);
  if (inflated_ != nullptr) munmap(inflated_, inflated_length_);
  if (file_ != nullptr) gzclose(file_);
  if (prompt_fd_ >= 0) close(prompt_fd_);
}

bool EventInput::Open(const std::string& path, bool prompt) {
  const bool stdin_path = path.empty() || path == "-";
  struct stat info;
  if (prompt) {
    const int fd = stdin_path ? dup(0) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    if (fstat(fd, &info) == 0 && !S_ISREG(info.st_mode)) {
      prompt_fd_ = fd;
      return true;
    }
    close(fd);
  }
  if (stdin_path) {
    file_ = gzdopen(dup(0), "rb");
  } else {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    unsigned char magic[2] = {0, 0};
    const bool regular = fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    const bool gzip = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (regular && info.st_size == 0) {
      close(fd);
      eof_ = true;
      return true;
    }
    if (regular) {
      const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
      const auto size = static_cast<size_t>(info.st_size);
      map_length_ = (size + page - 1) / page * page;
      map_ = mmap(nullptr, map_length_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map_ == MAP_FAILED) {
        map_ = nullptr;
        close(fd);
        return false;
      }
      madvise(map_, map_length_, MADV_SEQUENTIAL);
      if (!gzip) {
        close(fd);
        whole_ = static_cast<const char*>(map_);
        whole_size_ = size;
        whole_readable_ = map_length_;
        return true;
      }
      const bool inflated = Inflate(static_cast<const char*>(map_), size);
      munmap(map_, map_length_);
      map_ = nullptr;
      if (inflated) {
        close(fd);
        return true;
      }
      file_bytes_ = size;
    }
    file_ = gzdopen(fd, "rb");
    if (file_ == nullptr) close(fd);
  }
  if (file_ == nullptr) return false;
  gzbuffer(file_, 1 << 20);
  return true;
}

bool EventInput::Inflate(const char* gzip, size_t size) {
  if (size < 18) return false;  // not even a gzip header and trailer
  // The trailer's ISIZE: the inflated size modulo 2^32, exact for a single
  // member of at most kMaxInflated bytes, which libdeflate then fills exactly.
  uint32_t isize;
  std::memcpy(&isize, gzip + size - 4, 4);
  isize = le32toh(isize);
  if (isize > kMaxInflated) return false;
  // Fresh pages, zero-filled by the kernel as libdeflate first writes them,
  // in huge pages where the kernel has them to give: on a VM with 4 KiB
  // pages, faulting in and walking 180 MiB of them cost more than inflating
  // (citylots2: 0.87-1.23 s end to end against 0.31-0.67 s; some runs wait
  // on the kernel's compaction, bench/README.md).
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t length = (isize + evmatch::kPadding + page - 1) / page * page;
  void* out = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (out == MAP_FAILED) return false;
  madvise(out, length, MADV_HUGEPAGE);  // advice only: failure changes nothing
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  size_t used = 0;
  const libdeflate_result result =
      d == nullptr ? LIBDEFLATE_BAD_DATA
                   : libdeflate_gzip_decompress_ex(d, gzip, size, out, isize, &used, nullptr);
  libdeflate_free_decompressor(d);
  // Anything else (more members, a corrupt stream) is left to zlib, which
  // reads what it can and reports where it fails.
  if (result != LIBDEFLATE_SUCCESS || used != size) {
    munmap(out, length);
    return false;
  }
  inflated_ = out;
  inflated_length_ = length;
  whole_ = static_cast<const char*>(out);
  whole_size_ = isize;
  whole_readable_ = length;
  if (whole_size_ == 0) eof_ = true;
  return true;
}

bool EventInput::Next(size_t size, EventChunk* chunk, std::string* storage) {
  return whole_ != nullptr ? NextInMemory(size, chunk, storage) : NextStream(size, chunk, storage);
}

bool EventInput::NextInMemory(size_t size, EventChunk* chunk, std::string* storage) {
  if (position_ >= whole_size_) return false;
  const size_t begin = position_;
  size_t end = whole_size_;
  if (whole_size_ - begin > size) {
    const void* newline =
        std::memchr(whole_ + begin + size - 1, '\n', whole_size_ - begin - size + 1);
    if (newline != nullptr) {
      end = static_cast<size_t>(static_cast<const char*>(newline) - whole_) + 1;
    }
  }
  position_ = end;
  const std::string_view text(whole_ + begin, end - begin);
  if (whole_readable_ - begin >= text.size() + evmatch::kPadding) {
    *chunk = {text, whole_readable_ - begin};
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
  if (prompt_fd_ >= 0) {
    // As it arrives: the lines available once there is a whole one.
    while (!eof_ && storage->find('\n') == std::string::npos) Fill(storage, size);
  }
  while (prompt_fd_ < 0 && !eof_ && storage->size() < size) Fill(storage, size);
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
  if (prompt_fd_ >= 0) {
    ssize_t n;
    do {
      n = read(prompt_fd_, buffer->data() + old, want);
    } while (n < 0 && errno == EINTR);
    buffer->resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (old == 0 && n >= 2 && static_cast<unsigned char>((*buffer)[0]) == 0x1f &&
        static_cast<unsigned char>((*buffer)[1]) == 0x8b) {
      n = -1;  // gzip read as it arrives is not supported
    }
    if (n <= 0) {
      failed_ = n < 0;
      eof_ = true;
      buffer->resize(old);
    }
    return;
  }
  const int n = gzread(file_, buffer->data() + old, static_cast<unsigned>(want));
  if (n <= 0) {
    // A gzip stream cut short reads as an end of input with Z_BUF_ERROR.
    int error = Z_OK;
    gzerror(file_, &error);
    failed_ = n < 0 || (error != Z_OK && error != Z_STREAM_END);
    eof_ = true;
    buffer->resize(old);
    return;
  }
  buffer->resize(old + static_cast<size_t>(n));
}

double EventInput::Progress() const {
  if (whole_ != nullptr) return static_cast<double>(position_) / static_cast<double>(whole_size_);
  if (file_bytes_ == 0 || file_ == nullptr) return -1;
  const z_off_t offset = gzoffset(file_);
  return offset < 0 ? -1 : static_cast<double>(offset) / static_cast<double>(file_bytes_);
}

}  // namespace evmatch_cli
