// Throughput of the integrity module against memcpy in the same run.
//
//   build/bench/bench/integrity_benchmark [--benchmark_filter=...]
//
// Digest_<Algorithm>/<bytes>: one-shot digests of an in-memory buffer
// (64 KiB stays in cache, 64 MiB does not); Memcpy/<bytes> and Read/<bytes>
// (XOR of every word) are the bandwidth references. MultipartETag/threads:<n>: MD5 + CRC32C of a 256 MiB file in
// 8 MiB parts through HashFile, from the page cache, 1 and 2 threads.
// bytes_per_second is the figure to compare.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "evmatch/integrity.h"

namespace {

namespace ei = evmatch::integrity;

const std::string& Buffer(size_t size) {
  static std::string buffer;
  if (buffer.size() < size) {
    buffer.resize(size);
    std::mt19937_64 rng(1);
    for (char& c : buffer) c = static_cast<char>(rng());
  }
  return buffer;
}

void Memcpy(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const std::string& in = Buffer(size);
  std::string out(size, '\0');
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), size);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

// Read bandwidth: XOR of every 64-bit word (what a digest must at least do).
void Read(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const std::string& in = Buffer(size);
  for (auto _ : state) {
    uint64_t acc = 0;
    for (size_t i = 0; i + 8 <= size; i += 8) {
      uint64_t word;
      std::memcpy(&word, in.data() + i, 8);
      acc ^= word;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void Digest(benchmark::State& state, ei::Algorithm algorithm) {
  const size_t size = static_cast<size_t>(state.range(0));
  const std::string_view in(Buffer(size).data(), size);
  for (auto _ : state) {
    ei::Digest d = ei::Compute(algorithm, in);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

// A 256 MiB file of random bytes in the temporary directory, removed at exit.
const std::string& BigFile() {
  static const struct File {
    File() {
      path = (std::filesystem::temp_directory_path() /
              ("evmatch_integrity_bench_" + std::to_string(::getpid())))
                 .string();
      std::ofstream out(path, std::ios::binary);
      const std::string& chunk = Buffer(size_t{64} << 20);
      for (int i = 0; i < 4; ++i) out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    ~File() { std::filesystem::remove(path); }
    std::string path;
  } file;
  return file.path;
}

void MultipartETag(benchmark::State& state) {
  ei::HashOptions options;
  options.part_size = size_t{8} << 20;
  options.checksum = ei::Algorithm::kCrc32c;
  options.threads = static_cast<unsigned>(state.range(0));
  const std::string& path = BigFile();
  uint64_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<ei::ObjectDigests> d = ei::HashFile(path, options);
    if (!d.ok()) {
      state.SkipWithError(std::string(d.status().message()).c_str());
      return;
    }
    bytes += d->size;
    benchmark::DoNotOptimize(d->ETag());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

constexpr int64_t kSmall = 64 << 10;
constexpr int64_t kLarge = 64 << 20;

BENCHMARK(Memcpy)->Arg(kSmall)->Arg(kLarge);
BENCHMARK(Read)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Crc32, ei::Algorithm::kCrc32)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Crc32c, ei::Algorithm::kCrc32c)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Crc64Nvme, ei::Algorithm::kCrc64Nvme)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Md5, ei::Algorithm::kMd5)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Sha1, ei::Algorithm::kSha1)->Arg(kSmall)->Arg(kLarge);
BENCHMARK_CAPTURE(Digest, Sha256, ei::Algorithm::kSha256)->Arg(kSmall)->Arg(kLarge);
BENCHMARK(MultipartETag)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
