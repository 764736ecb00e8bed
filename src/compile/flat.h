// Flat storage for the parts of a Program that a serialized image can hold
// in place: arrays of trivially copyable elements that either own their
// memory (while compiling) or view memory owned elsewhere (a loaded image),
// a list of strings in two such arrays, and a string-keyed table frozen into
// open-addressed slots with a hash that does not change between processes.
// The match path reads all three the same way whichever holds the memory.

#ifndef EVMATCH_SRC_COMPILE_FLAT_H_
#define EVMATCH_SRC_COMPILE_FLAT_H_

#include <cassert>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "util/strings.h"

namespace evmatch::internal {

// A contiguous array of T. Built like a std::vector (it owns its elements);
// or, through View, a read-only window on memory that outlives it. Reads go
// through one pointer either way.
template <typename T>
class Array {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  Array() = default;
  explicit Array(std::vector<T>&& elements) : own_(std::move(elements)) { Sync(); }
  Array(const Array& other) { *this = other; }
  Array(Array&& other) noexcept { *this = std::move(other); }
  Array& operator=(const Array& other) {
    if (this == &other) return *this;
    if (other.owned()) {
      own_ = other.own_;
      Sync();
    } else {
      own_.clear();
      data_ = other.data_;
      size_ = other.size_;
    }
    return *this;
  }
  Array& operator=(Array&& other) noexcept {
    own_ = std::move(other.own_);
    data_ = other.owned() ? own_.data() : other.data_;
    size_ = other.size_;
    other.own_.clear();
    other.data_ = nullptr;
    other.size_ = 0;
    return *this;
  }

  // A window on `size` elements at `data`, which must stay valid and
  // unchanged for the life of this array (and of its copies).
  static Array View(const T* data, size_t size) {
    Array a;
    a.data_ = data;
    a.size_ = size;
    return a;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* data() const { return data_; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T& back() const { return data_[size_ - 1]; }
  std::span<const T> span() const { return {data_, size_}; }
  // Bytes owned (a view owns none).
  size_t owned_bytes() const { return own_.capacity() * sizeof(T); }

  // Building; an owning array only.
  T& mutable_at(size_t i) { return Own()[i]; }
  void push_back(const T& value) {
    Own().push_back(value);
    Sync();
  }
  void assign(size_t n, const T& value) {
    Own().assign(n, value);
    Sync();
  }
  template <typename It>
  void insert_back(It first, It last) {
    Own().insert(own_.end(), first, last);
    Sync();
  }
  void reserve(size_t n) {
    Own().reserve(n);
    Sync();
  }
  void shrink_to_fit() {
    Own().shrink_to_fit();
    Sync();
  }

 private:
  bool owned() const { return data_ == nullptr || data_ == own_.data(); }
  std::vector<T>& Own() {
    assert(owned() && "a view of a loaded image is read-only");
    return own_;
  }
  void Sync() {
    data_ = own_.data();
    size_ = own_.size();
  }

  std::vector<T> own_;
  const T* data_ = nullptr;
  size_t size_ = 0;
};

// A list of strings: their bytes end to end, and where each one ends.
class StringList {
 public:
  size_t size() const { return ends_.size(); }
  std::string_view operator[](size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return {bytes_.data() + begin, ends_[i] - begin};
  }
  void push_back(std::string_view s) {
    bytes_.insert_back(s.begin(), s.end());
    ends_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  size_t owned_bytes() const { return bytes_.owned_bytes() + ends_.owned_bytes(); }

  Array<char>& bytes() { return bytes_; }
  Array<uint32_t>& ends() { return ends_; }
  const Array<char>& bytes() const { return bytes_; }
  const Array<uint32_t>& ends() const { return ends_; }

 private:
  Array<char> bytes_;
  Array<uint32_t> ends_;
};

// The hash of a table key: XXH3 with the table's seed, stable across
// processes and builds (it is stored in images).
uint64_t HashKey(std::string_view key, uint64_t seed);
// A seed for a new table, different in every process.
uint64_t NewHashSeed();

// A key's hash under `seed`, computed once for lookups in several tables
// (those built with the same seed use it as it is).
struct KeyHash {
  uint64_t seed;
  uint64_t value;
};

// Values of trivially copyable type T keyed by string. Built with
// operator[] into a hash map; Finalize freezes it into slots over one key
// arena, with a dense array of 32-bit tags beside the slots.
//
// A table of at most kFew keys is a list whose tags are Fingerprints,
// scanned: cheaper than hashing for the handful of values most fields have.
// A larger one is open-addressed with linear probing, at most 70% full and
// sized to its keys (not to a power of two, so memory follows the keys): a
// key hashes to a position and a tag (never 0, which marks an empty slot);
// a lookup reads tags until its own or an empty one, so a value no rule
// lists costs about one cache line of tags. A key's first value is kept in
// its slot: a hit on a key of one value reads the tag, the slot and the
// key's bytes.
template <typename T>
class StringTable {
 public:
  static constexpr size_t kFew = 8;

  struct Slot {
    uint32_t key_begin, key_size;  // in keys()
    uint32_t count;                // values
    uint32_t spill;                // count > 1: the values are spill()[spill, spill + count)
    T first;                       // the first value
  };

  // The values of `key`, created empty if new (before Finalize only).
  absl::InlinedVector<T, 1>& operator[](std::string_view key) { return build_[ToAbsl(key)]; }

  void Finalize() {
    size_ = 0;
    for (const auto& [key, values] : build_) size_ += values.empty() ? 0 : 1;
    const size_t capacity = size_ <= kFew ? size_ : size_ * 10 / 7 + 1;
    if (size_ > kFew) seed_ = NewHashSeed();
    std::vector<uint32_t> tags(capacity, 0);
    std::vector<Slot> slots(capacity, Slot{});
    std::vector<char> keys;
    std::vector<T> spill;
    size_t next = 0;
    for (const auto& [key, values] : build_) {
      if (values.empty()) continue;
      Slot s{};
      s.key_begin = static_cast<uint32_t>(keys.size());
      s.key_size = static_cast<uint32_t>(key.size());
      keys.insert(keys.end(), key.begin(), key.end());
      s.count = static_cast<uint32_t>(values.size());
      s.first = values[0];
      if (values.size() > 1) {
        s.spill = static_cast<uint32_t>(spill.size());
        spill.insert(spill.end(), values.begin(), values.end());
      }
      size_t i = next++;
      uint32_t tag = Fingerprint(key);
      if (size_ > kFew) {
        const uint64_t hash = HashKey(key, seed_);
        i = Position(hash, capacity);
        tag = TagOf(hash);
        while (tags[i] != 0) i = i + 1 == capacity ? 0 : i + 1;
      }
      tags[i] = tag;
      slots[i] = s;
    }
    build_ = {};
    tags_ = Array<uint32_t>(std::move(tags));
    slots_ = Array<Slot>(std::move(slots));
    keys_ = Array<char>(std::move(keys));
    spill_ = Array<T>(std::move(spill));
  }
  bool empty() const { return size_ == 0 && build_.empty(); }
  size_t size() const { return size_; }

  // The values of `key`; empty when there are none. With `hash`, the key's
  // hash is not computed again when the table's seed is hash->seed.
  std::span<const T> Find(std::string_view key, const KeyHash* hash = nullptr) const {
    const size_t capacity = tags_.size();
    if (capacity <= kFew) {
      const uint32_t print = Fingerprint(key);
      for (size_t i = 0; i < capacity; ++i) {
        if (tags_[i] == print && Holds(slots_[i], key)) return ValuesOf(slots_[i]);
      }
      return {};
    }
    const uint64_t hash_value =
        hash != nullptr && hash->seed == seed_ ? hash->value : HashKey(key, seed_);
    return Probe(key, hash_value, capacity);
  }

 private:
  std::span<const T> Probe(std::string_view key, uint64_t hash, size_t capacity) const {
    const uint32_t tag = TagOf(hash);
    for (size_t i = Position(hash, capacity);; i = i + 1 == capacity ? 0 : i + 1) {
      const uint32_t t = tags_[i];
      if (t == 0) return {};
      if (t == tag && Holds(slots_[i], key)) return ValuesOf(slots_[i]);
    }
  }

 public:
  // Calls visit(key, values) for every key.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (const auto& [key, values] : build_)
      visit(std::string_view(key), std::span<const T>(values));
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (tags_.size() <= kFew || tags_[i] != 0) visit(KeyOf(slots_[i]), ValuesOf(slots_[i]));
    }
  }

  size_t memory_bytes() const {
    return tags_.owned_bytes() + slots_.owned_bytes() + keys_.owned_bytes() + spill_.owned_bytes();
  }

  // The frozen form, for images.
  uint64_t seed() const { return seed_; }
  const Array<uint32_t>& tags() const { return tags_; }
  const Array<Slot>& slots() const { return slots_; }
  const Array<char>& keys() const { return keys_; }
  const Array<T>& spill() const { return spill_; }
  // Installs a frozen form read from an image. The caller has checked that
  // tags and slots have the same size; that a list (at most kFew slots) has
  // every slot used, and a hashed table at least one tag 0; and that every
  // used slot's key and values lie inside `keys` and `spill`.
  void Adopt(uint64_t seed, size_t size, Array<uint32_t> tags, Array<Slot> slots, Array<char> keys,
             Array<T> spill) {
    seed_ = seed;
    size_ = size;
    tags_ = std::move(tags);
    slots_ = std::move(slots);
    keys_ = std::move(keys);
    spill_ = std::move(spill);
  }

  // Length and end bytes in one word: equal for equal keys, and for unequal
  // ones of the same length mostly not.
  static uint32_t Fingerprint(std::string_view key) {
    if (key.empty()) return 0;
    return (static_cast<uint32_t>(key.size()) << 16) |
           (uint32_t{static_cast<unsigned char>(key.front())} << 8) |
           static_cast<unsigned char>(key.back());
  }

 private:
  // The low half of the hash picks the position (multiply-shift, any
  // capacity); the high half is the tag.
  static size_t Position(uint64_t hash, size_t capacity) {
    return static_cast<size_t>((hash & 0xffffffff) * capacity >> 32);
  }
  static uint32_t TagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) | 1; }

  std::string_view KeyOf(const Slot& s) const { return {keys_.data() + s.key_begin, s.key_size}; }
  bool Holds(const Slot& s, std::string_view key) const {
    // (An empty key may sit in an empty arena: no memcmp of a null pointer.)
    return s.key_size == key.size() &&
           (key.empty() || std::memcmp(keys_.data() + s.key_begin, key.data(), key.size()) == 0);
  }
  std::span<const T> ValuesOf(const Slot& s) const {
    if (s.count == 1) return {&s.first, 1};
    return {spill_.data() + s.spill, s.count};
  }

  absl::flat_hash_map<std::string, absl::InlinedVector<T, 1>> build_;
  uint64_t seed_ = 0;
  size_t size_ = 0;
  Array<uint32_t> tags_;
  Array<Slot> slots_;
  Array<char> keys_;
  Array<T> spill_;
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_COMPILE_FLAT_H_
