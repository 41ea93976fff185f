#include "core/util/small_alloc.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_SMALL_ALLOC_BYPASS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_SMALL_ALLOC_BYPASS 1
#endif
#endif

namespace sluice::small_alloc {

namespace {
// The header keeps the payload 16-byte aligned, as malloc's is.
constexpr std::size_t kHeader = 16;
constexpr std::size_t kMinShift = 5;   // the smallest class: 32 bytes with its header
constexpr std::size_t kClasses = 8;    // 32 .. 4096 bytes with the header
constexpr uint32_t kLarge = kClasses;  // past the classes: malloc's own block
// Freed bytes a thread keeps per class: about 1 MiB a thread in all, at most.
constexpr std::size_t kKeepBytes = 128 * 1024;

struct Header {
  uint32_t size_class;
};
static_assert(sizeof(Header) <= kHeader);

struct FreeBlock {
  FreeBlock* next;
};

constexpr std::size_t class_bytes(uint32_t c) {
  return std::size_t{1} << (c + kMinShift);
}

// The helpers below go unused when ASan bypasses the cache.

// The class whose blocks hold size bytes of payload, or kLarge.
[[maybe_unused]] uint32_t class_of(std::size_t size) {
  std::size_t whole = size + kHeader;
  if (whole > class_bytes(kClasses - 1)) return kLarge;
  if (whole <= class_bytes(0)) return 0;
  return static_cast<uint32_t>(std::bit_width(whole - 1) - kMinShift);
}

[[maybe_unused]] Header* header_of(void* p) {
  return reinterpret_cast<Header*>(static_cast<char*>(p) - kHeader);
}

void* payload_of(void* block) {
  return static_cast<char*>(block) + kHeader;
}

[[maybe_unused]] void* fresh(uint32_t c, std::size_t size) {
  std::size_t bytes = c == kLarge ? size + kHeader : class_bytes(c);
  void* block = std::malloc(bytes);
  if (!block) return nullptr;
  static_cast<Header*>(block)->size_class = c;
  return payload_of(block);
}

struct ThreadCache {
  std::array<FreeBlock*, kClasses> free{};
  std::array<uint32_t, kClasses> count{};

  ThreadCache() = default;
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;
  ~ThreadCache() { clear(); }

  void clear() {
    for (uint32_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = free[c]) {
        free[c] = b->next;
        std::free(b);
      }
      count[c] = 0;
    }
  }

  void* take(uint32_t c) {
    FreeBlock* b = free[c];
    if (!b) return nullptr;
    free[c] = b->next;
    --count[c];
    static_cast<Header*>(static_cast<void*>(b))->size_class = c;
    return payload_of(b);
  }

  // False when the class already keeps its share: the caller frees it.
  bool keep(uint32_t c, void* block) {
    if (count[c] >= kKeepBytes / class_bytes(c)) return false;
    auto* b = static_cast<FreeBlock*>(block);
    b->next = free[c];
    free[c] = b;
    ++count[c];
    return true;
  }
};

// initial-exec: the HTTP/3 module (dlopen'ed) reaches it without a __tls_get_addr call;
// it is small enough for the static TLS room glibc keeps for such modules.
thread_local ThreadCache cache __attribute__((tls_model("initial-exec")));
}  // namespace

#ifdef SLUICE_SMALL_ALLOC_BYPASS
void* allocate(std::size_t size) {
  return std::malloc(size);
}
void* allocate_zeroed(std::size_t count, std::size_t size) {
  if (size && count > SIZE_MAX / size) return nullptr;  // ASan's calloc would abort
  return std::calloc(count, size);
}
void* reallocate(void* p, std::size_t size) {
  return std::realloc(p, size);
}
void release(void* p) {
  std::free(p);
}
#else
void* allocate(std::size_t size) {
  uint32_t c = class_of(size);
  if (c != kLarge)
    if (void* p = cache.take(c)) return p;
  return fresh(c, size);
}

void* allocate_zeroed(std::size_t count, std::size_t size) {
  if (size && count > SIZE_MAX / size) return nullptr;
  void* p = allocate(count * size);
  if (p) std::memset(p, 0, count * size);
  return p;
}

void release(void* p) {
  if (!p) return;
  Header* h = header_of(p);
  uint32_t c = h->size_class;
  if (c == kLarge || !cache.keep(c, h)) std::free(h);
}

void* reallocate(void* p, std::size_t size) {
  if (!p) return allocate(size);
  Header* h = header_of(p);
  uint32_t c = h->size_class;
  if (c == kLarge && class_of(size) == kLarge) {
    void* block = std::realloc(h, size + kHeader);
    return block ? payload_of(block) : nullptr;
  }
  std::size_t room = c == kLarge ? std::size_t{0} : class_bytes(c) - kHeader;
  if (c != kLarge && size <= room) return p;  // still fits its block
  void* q = allocate(size);
  if (!q) return nullptr;
  // A large block's old size is not kept: it is at least a class's worth
  // bigger than any class, and the new size is smaller still only when
  // shrinking to a class, so copying the new size stays in bounds.
  std::memcpy(q, p, c == kLarge ? size : std::min(room, size));
  release(p);
  return q;
}
#endif

void trim() {
  cache.clear();
}

std::size_t cached_bytes() {
  std::size_t total = 0;
  for (uint32_t c = 0; c < kClasses; ++c) total += cache.count[c] * class_bytes(c);
  return total;
}

}  // namespace sluice::small_alloc
