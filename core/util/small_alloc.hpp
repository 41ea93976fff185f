#pragma once
// A per-thread cache of small heap blocks for the C protocol libraries
// (nghttp2, ngtcp2), which allocate and free a handful of small
// objects per request: a stream, a frame's field array, an outbound item.
// Under load these come in bursts (ten streams of a connection at a time)
// that overflow glibc's per-thread cache of seven blocks per size, so most
// frees took glibc's slower arena path. Here each power-of-two size class
// keeps up to a fixed number of bytes of freed blocks per thread, and hands
// them out again without touching the arena.
//
// Every block comes from malloc, one at a time, behind a 16-byte header that
// names its size class, so any thread may free any block, and the cache of
// a thread that ends is given back to malloc. Under AddressSanitizer the
// cache is bypassed, so use-after-free in the libraries is still caught.
#include <cstddef>

namespace sluice::small_alloc {

void* allocate(std::size_t size);
void* allocate_zeroed(std::size_t count, std::size_t size);
void* reallocate(void* p, std::size_t size);
void release(void* p);

// Gives the calling thread's cached blocks back to malloc: before a
// malloc_trim, since cached blocks scattered over the heap keep whole pages
// resident.
void trim();

// The blocks the calling thread's cache holds, in bytes.
std::size_t cached_bytes();

// A library's allocator table (nghttp2_mem, ngtcp2_mem: the same
// five members in the same order) that routes to this cache.
template <class Mem>
Mem* table() {
  static Mem mem{
      nullptr,
      [](std::size_t n, void*) { return allocate(n); },
      [](void* p, void*) { release(p); },
      [](std::size_t count, std::size_t n, void*) { return allocate_zeroed(count, n); },
      [](void* p, std::size_t n, void*) { return reallocate(p, n); },
  };
  return &mem;
}

}  // namespace sluice::small_alloc
