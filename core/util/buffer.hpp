// A chain of fixed-size blocks: the one queue type for bytes waiting to be written.
// Blocks are recycled through a small per-thread free list so steady state does
// not allocate.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {

inline constexpr std::size_t kBlockSize = 16 * 1024;

struct Block {
  std::size_t begin = 0;
  std::size_t end = 0;
  alignas(64) char data[kBlockSize];  // cache-line aligned: copies in and out run faster
  std::size_t room() const { return kBlockSize - end; }
  std::size_t size() const { return end - begin; }
};

class BlockPool {
 public:
  static std::unique_ptr<Block> get();
  static void put(std::unique_ptr<Block> b);
};

class ChainBuffer {
 public:
  ChainBuffer() = default;
  ChainBuffer(ChainBuffer&& o) noexcept
      : blocks_(std::move(o.blocks_)), size_(std::exchange(o.size_, 0)), headroom_(o.headroom_) {
    o.blocks_.clear();
  }
  ChainBuffer& operator=(ChainBuffer&& o) noexcept {
    if (this != &o) {
      clear();
      blocks_ = std::move(o.blocks_);
      o.blocks_.clear();
      size_ = std::exchange(o.size_, 0);  // headroom_ stays: it is this buffer's role
    }
    return *this;
  }
  ~ChainBuffer() { clear(); }

  // Inline when the bytes fit the last block: response heads are built from
  // many short pieces.
  void append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (!blocks_.empty() && blocks_.back()->room() >= bytes.size()) {
      Block& b = *blocks_.back();
      std::memcpy(b.data + b.end, bytes.data(), bytes.size());
      b.end += bytes.size();
      size_ += bytes.size();
      return;
    }
    append_across(bytes);
  }
  void append(std::span<const std::byte> bytes) {
    append(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  // Moves all of other's bytes behind ours, blocks and all (no copy).
  void append(ChainBuffer&& other);
  // All the bytes, as one string; the buffer is left empty.
  std::string take_all();
  // Writable room at the tail (allocates a block when the tail is full).
  std::span<char> tail_room();
  void commit(std::size_t n);  // after writing n bytes into tail_room()
  // Writable room in up to max_spans blocks at the tail, max bytes in all, for
  // one vectored read (preadv). A tail block with less than min_room free is
  // passed over; new blocks are added as needed. Fill the spans in order and
  // then call commit_spread: every span but the last is a block's whole room.
  int tail_rooms(std::size_t max, std::size_t min_room, std::span<char>* spans, int max_spans);
  // n bytes written into tail_rooms' spans, in order; blocks it added and
  // left empty are given back.
  void commit_spread(std::size_t n);

  // Blocks allocated from now on keep n bytes free before their data, so a
  // frame header can go in front of a block's bytes without copying them.
  void set_headroom(std::size_t n) { headroom_ = n; }
  // Zero-copy hand-over: if the front block is filled to its end and has
  // prefix.size() bytes of headroom, writes prefix there and moves the block,
  // prefix and bytes, to the end of dst. False (nothing done) otherwise.
  bool move_front_block(ChainBuffer& dst, std::string_view prefix);
  // The last block can take more bytes (it is not filled to its end).
  bool tail_has_room() const { return !blocks_.empty() && blocks_.back()->room() > 0; }

  // Fills up to max iovecs with the queued bytes, returns how many were used.
  int peek(iovec* iov, int max) const;
  std::string_view front() const;
  void consume(std::size_t n);
  void clear();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Memory the blocks hold, whole blocks: what a queue costs, not what it says.
  std::size_t capacity() const { return blocks_.size() * kBlockSize; }

 private:
  void append_across(std::string_view bytes);  // new blocks as needed

  std::deque<std::unique_ptr<Block>> blocks_;
  std::size_t size_ = 0;
  std::size_t headroom_ = 0;
  std::size_t spread_blocks_ = 0;  // blocks the last tail_rooms spans, counted from the back
};

}  // namespace sluice
