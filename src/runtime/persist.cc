// Matcher::Serialize, Save, Load and LoadFile: the image of compile/image.h
// in memory and in files.

#include "runtime/persist.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "compile/image.h"
#include "compile/program.h"
#include "runtime/kernel.h"
#include "util/errno_status.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch::internal {
namespace {

// Closes a descriptor when it leaves scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

// An 8-byte aligned copy of `bytes`, owned by the returned pointer.
std::shared_ptr<const void> AlignedCopy(std::string_view bytes, std::string_view* copy) {
  auto words = std::make_shared<std::vector<uint64_t>>((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(words->data(), bytes.data(), bytes.size());
  *copy = {reinterpret_cast<const char*>(words->data()), bytes.size()};
  return words;
}

absl::Status WriteFileWhole(const std::string& path, std::string_view bytes) {
  const std::string temp = Cat(path, ".tmp.", ::getpid());
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot create", temp);
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      return ErrnoStatus(error, "cannot write", temp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(error, "cannot sync", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(error, "cannot rename the new image over", path);
  }
  return absl::OkStatus();
}

absl::Status WithPath(std::string_view path, const absl::Status& status) {
  return absl::Status(status.code(), Cat(path, ": ", status.message()));
}

absl::Status MapImageFile(const std::string& path, std::string_view* image,
                          std::shared_ptr<const void>* owner) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
    if (map != MAP_FAILED) {
      *owner = std::shared_ptr<const void>(map, [size](void* p) { ::munmap(p, size); });
      *image = {static_cast<const char*>(map), size};
      return absl::OkStatus();
    }
  }
  // Not a mappable file (a pipe, a special file, an empty file): read it.
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read", path);
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  *owner = AlignedCopy(bytes, image);
  return absl::OkStatus();
}

}  // namespace evmatch::internal

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

namespace {

absl::StatusOr<Matcher> FromImage(std::string_view image, std::shared_ptr<const void> owner) {
  auto program = std::make_unique<internal::Program>();
  absl::Status status = internal::ReadImage(image, std::move(owner), program.get());
  if (!status.ok()) return status;
  program->kernel = internal::BestKernel();
  return internal::MatcherAccess::Make(std::move(program));
}

}  // namespace

std::string Matcher::Serialize() const {
  std::string image;
  internal::WriteImage(*program_, nullptr, &image);
  internal::SealImage(&image);
  return image;
}

absl::Status Matcher::Save(const std::string& path) const {
  return internal::WriteFileWhole(path, Serialize());
}

absl::StatusOr<Matcher> Matcher::Load(std::string_view image) {
  std::string_view copy;
  std::shared_ptr<const void> owner = internal::AlignedCopy(image, &copy);
  return FromImage(copy, std::move(owner));
}

absl::StatusOr<Matcher> Matcher::LoadFile(const std::string& path) {
  std::string_view image;
  std::shared_ptr<const void> owner;
  EVMATCH_RETURN_IF_ERROR(internal::MapImageFile(path, &image, &owner));
  absl::StatusOr<Matcher> loaded = FromImage(image, std::move(owner));
  if (!loaded.ok()) return internal::WithPath(path, loaded.status());
  return loaded;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
