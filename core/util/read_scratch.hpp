// The read buffer of sessions that parse what they read at once (the h1 and
// h2 clients): one per thread, lent for one read and its parse, so an idle
// connection holds none. bench -c 5000 used to keep 5000 zero-filled 64 KiB
// buffers resident (~67 KB per connection).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace sluice {

class ReadScratch {
 public:
  // Takes the thread's buffer (grown to `size` if smaller). If another read on
  // this thread still holds it (a callback re-entered a session), this read
  // gets a buffer of its own, freed with the lease.
  explicit ReadScratch(std::size_t size);
  ~ReadScratch();
  ReadScratch(const ReadScratch&) = delete;
  ReadScratch& operator=(const ReadScratch&) = delete;

  std::span<char> span() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::unique_ptr<char[]> own_;  // only when the thread's buffer was taken
  bool leased_ = false;
};

}  // namespace sluice
