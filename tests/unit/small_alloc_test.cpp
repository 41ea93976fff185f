// small_alloc: the per-thread block cache the C protocol libraries allocate
// through. Blocks keep their bytes across realloc, calloc zeroes, any thread
// may free any block, and a thread's cache never holds more than its bound.
#include "core/util/small_alloc.hpp"

#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace sa = sluice::small_alloc;

namespace {
void fill(void* p, std::size_t n, uint8_t seed) {
  auto* b = static_cast<uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i);
}

bool holds(const void* p, std::size_t n, uint8_t seed) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i)
    if (b[i] != static_cast<uint8_t>(seed + i)) return false;
  return true;
}
}  // namespace

TEST_CASE("small_alloc: every size gives a usable, 16-byte aligned block") {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
        std::size_t{100}, std::size_t{4080}, std::size_t{4081}, std::size_t{100000}}) {
    void* p = sa::allocate(n);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
    fill(p, n, 7);
    CHECK(holds(p, n, 7));
    sa::release(p);
  }
  sa::release(nullptr);  // as free(NULL)
}

TEST_CASE("small_alloc: a freed block is handed out again, with nothing of the old one shared") {
  void* a = sa::allocate(40);
  fill(a, 40, 1);
  sa::release(a);
  void* b = sa::allocate(40);
  void* c = sa::allocate(40);
  CHECK(b != c);
  fill(b, 40, 2);
  fill(c, 40, 3);
  CHECK(holds(b, 40, 2));
  CHECK(holds(c, 40, 3));
  sa::release(b);
  sa::release(c);
}

TEST_CASE("small_alloc: calloc zeroes, also a recycled block, and refuses an overflowing count") {
  void* dirty = sa::allocate(64);
  std::memset(dirty, 0xab, 64);
  sa::release(dirty);
  auto* z = static_cast<uint8_t*>(sa::allocate_zeroed(8, 8));
  REQUIRE(z != nullptr);
  for (int i = 0; i < 64; ++i) CHECK(z[i] == 0);
  sa::release(z);
  CHECK(sa::allocate_zeroed(SIZE_MAX / 2, 4) == nullptr);
}

TEST_CASE("small_alloc: realloc keeps the bytes, growing and shrinking across classes") {
  void* p = sa::reallocate(nullptr, 10);  // realloc(NULL) allocates
  fill(p, 10, 5);
  p = sa::reallocate(p, 12);  // same block
  CHECK(holds(p, 10, 5));
  fill(p, 12, 5);
  p = sa::reallocate(p, 3000);  // a bigger class
  CHECK(holds(p, 12, 5));
  fill(p, 3000, 9);
  p = sa::reallocate(p, 50000);  // past the classes
  CHECK(holds(p, 3000, 9));
  fill(p, 50000, 4);
  p = sa::reallocate(p, 80000);  // large to large
  CHECK(holds(p, 50000, 4));
  p = sa::reallocate(p, 200);  // back into a class
  CHECK(holds(p, 200, 4));
  sa::release(p);
}

TEST_CASE("small_alloc: a block may be freed by another thread") {
  std::vector<void*> made;
  std::thread maker([&] {
    for (int i = 0; i < 1000; ++i) {
      made.push_back(sa::allocate(static_cast<std::size_t>(i % 300)));
      fill(made.back(), static_cast<std::size_t>(i % 300), static_cast<uint8_t>(i));
    }
  });
  maker.join();  // its cache went back to malloc as it ended
  for (std::size_t i = 0; i < made.size(); ++i) {
    CHECK(holds(made[i], i % 300, static_cast<uint8_t>(i)));
    sa::release(made[i]);
  }
}

TEST_CASE("small_alloc: a thread's cache stays bounded after a burst") {
  std::thread burst([] {
    std::vector<void*> blocks;
    for (int i = 0; i < 100000; ++i)
      blocks.push_back(sa::allocate(static_cast<std::size_t>(i % 4000)));
    for (void* p : blocks) sa::release(p);
    // 100000 blocks of up to 4 KiB were freed; at most 128 KiB per size
    // class (8 classes) may stay.
    CHECK(sa::cached_bytes() <= 8 * 128 * 1024);
  });
  burst.join();
}

TEST_CASE("small_alloc: trim gives the thread's cache back") {
  std::thread t([] {
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(sa::allocate(100));
    for (void* p : blocks) sa::release(p);
    sa::trim();
    CHECK(sa::cached_bytes() == 0);
    void* again = sa::allocate(100);  // still works after a trim
    REQUIRE(again != nullptr);
    sa::release(again);
  });
  t.join();
}
