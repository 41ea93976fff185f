#include "core/util/read_scratch.hpp"

namespace sluice {

namespace {

struct ThreadBuffer {
  std::unique_ptr<char[]> data;  // default-initialised: pages are touched only by reads
  std::size_t size = 0;
  bool busy = false;
};

thread_local ThreadBuffer t_buffer;

}  // namespace

ReadScratch::ReadScratch(std::size_t size) : size_(size) {
  ThreadBuffer& t = t_buffer;
  if (t.busy) {
    own_.reset(new char[size]);
    data_ = own_.get();
    return;
  }
  if (t.size < size) {
    t.data.reset(new char[size]);
    t.size = size;
  }
  t.busy = true;
  leased_ = true;
  data_ = t.data.get();
}

ReadScratch::~ReadScratch() {
  if (leased_) t_buffer.busy = false;
}

}  // namespace sluice
