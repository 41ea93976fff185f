#include "core/util/buffer.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace sluice {

namespace {
// A busy TLS connection cycles its output queue (256 KiB) and its staged
// records (256 KiB) through here: at 16 blocks, 20k brk() calls per GiB
// returned and refaulted the rest. 1 MiB per thread at most; an output queue
// that big has already been the peak.
constexpr std::size_t kPoolMax = 64;
thread_local std::vector<std::unique_ptr<Block>> free_blocks;
}  // namespace

std::unique_ptr<Block> BlockPool::get() {
  // _for_overwrite: make_unique<Block>() would zero all 16 KiB of data (value
  // initialisation), a memset for every block a busy server allocates.
  if (free_blocks.empty()) return std::make_unique_for_overwrite<Block>();
  auto b = std::move(free_blocks.back());
  free_blocks.pop_back();
  b->begin = b->end = 0;
  return b;
}

void BlockPool::put(std::unique_ptr<Block> b) {
  if (free_blocks.size() < kPoolMax) free_blocks.push_back(std::move(b));
}

void ChainBuffer::append_across(std::string_view bytes) {
  while (!bytes.empty()) {
    auto room = tail_room();
    std::size_t n = std::min(room.size(), bytes.size());
    std::memcpy(room.data(), bytes.data(), n);
    commit(n);
    bytes.remove_prefix(n);
  }
}

void ChainBuffer::append(ChainBuffer&& other) {
  for (auto& b : other.blocks_) blocks_.push_back(std::move(b));
  size_ += std::exchange(other.size_, 0);
  other.blocks_.clear();
}

std::string ChainBuffer::take_all() {
  std::string out;
  out.reserve(size_);
  for (const auto& b : blocks_) out.append(b->data + b->begin, b->size());
  clear();
  return out;
}

std::span<char> ChainBuffer::tail_room() {
  if (blocks_.empty() || blocks_.back()->room() == 0) {
    blocks_.push_back(BlockPool::get());
    blocks_.back()->begin = blocks_.back()->end = headroom_;
  }
  Block& b = *blocks_.back();
  return {b.data + b.end, b.room()};
}

bool ChainBuffer::move_front_block(ChainBuffer& dst, std::string_view prefix) {
  if (blocks_.empty()) return false;
  Block& b = *blocks_.front();
  if (b.size() == 0 || b.room() != 0 || b.begin < prefix.size()) return false;
  b.begin -= prefix.size();
  std::memcpy(b.data + b.begin, prefix.data(), prefix.size());
  size_ -= b.size() - prefix.size();
  dst.size_ += b.size();
  dst.blocks_.push_back(std::move(blocks_.front()));
  blocks_.pop_front();
  return true;
}

void ChainBuffer::commit(std::size_t n) {
  blocks_.back()->end += n;
  size_ += n;
}

int ChainBuffer::tail_rooms(std::size_t max, std::size_t min_room, std::span<char>* spans,
                            int max_spans) {
  int n = 0;
  spread_blocks_ = 0;
  bool use_back = !blocks_.empty() && blocks_.back()->room() >= std::max<std::size_t>(min_room, 1);
  std::size_t total = 0;
  while (n < max_spans && total < max) {
    if (!use_back) {
      blocks_.push_back(BlockPool::get());
      blocks_.back()->begin = blocks_.back()->end = headroom_;
    }
    use_back = false;
    Block& b = *blocks_.back();
    std::size_t take = std::min(b.room(), max - total);
    spans[n++] = {b.data + b.end, take};
    total += take;
    ++spread_blocks_;
  }
  return n;
}

void ChainBuffer::commit_spread(std::size_t n) {
  size_ += n;
  spread_blocks_ = std::min(spread_blocks_, blocks_.size());
  for (std::size_t i = blocks_.size() - spread_blocks_; i < blocks_.size(); ++i) {
    Block& b = *blocks_[i];
    std::size_t take = std::min(n, b.room());
    b.end += take;
    n -= take;
  }
  while (spread_blocks_ > 0 && blocks_.back()->size() == 0) {
    BlockPool::put(std::move(blocks_.back()));
    blocks_.pop_back();
    --spread_blocks_;
  }
  spread_blocks_ = 0;
}

int ChainBuffer::peek(iovec* iov, int max) const {
  int n = 0;
  for (const auto& b : blocks_) {
    if (n == max) break;
    if (b->size() == 0) continue;
    iov[n].iov_base = const_cast<char*>(b->data + b->begin);
    iov[n].iov_len = b->size();
    ++n;
  }
  return n;
}

std::string_view ChainBuffer::front() const {
  for (const auto& b : blocks_)
    if (b->size()) return {b->data + b->begin, b->size()};
  return {};
}

void ChainBuffer::consume(std::size_t n) {
  size_ -= std::min(n, size_);
  while (n > 0 && !blocks_.empty()) {
    Block& b = *blocks_.front();
    std::size_t take = std::min(n, b.size());
    b.begin += take;
    n -= take;
    if (b.size() == 0) {
      BlockPool::put(std::move(blocks_.front()));
      blocks_.pop_front();
    }
  }
  if (size_ == 0) clear();
}

void ChainBuffer::clear() {
  size_ = 0;
  if (blocks_.empty()) return;  // a deque's clear() costs ~60 instructions even then
  for (auto& b : blocks_) BlockPool::put(std::move(b));
  blocks_.clear();
}

}  // namespace sluice
