#include "core/http/body_source.hpp"

#include <algorithm>
#include <cstring>

#include "core/http/message.hpp"
#include "core/loop/loop.hpp"

namespace sluice {

Result<ssize_t> MemoryBody::read(std::span<char> buf) {
  std::size_t n = std::min<std::size_t>(buf.size(), bytes_.size() - taken_);
  std::memcpy(buf.data(), bytes_.data() + taken_, n);
  taken_ += n;
  return static_cast<ssize_t>(n);
}

void MemoryBody::wait(Loop& loop, std::function<void()> ready) {
  loop.defer(std::move(ready));  // never blocks: nothing to wait for
}

bool MemoryBody::rewind() {
  taken_ = 0;
  return true;
}

std::shared_ptr<BodySource> body_of(const Request& req) {
  if (req.upload) return req.upload;
  if (!req.has_body) return nullptr;
  return std::make_shared<MemoryBody>(req.body);
}

std::optional<uint64_t> body_length(const Request& req) {
  if (req.upload) return req.upload->length();
  if (!req.has_body) return std::nullopt;
  return req.body.size();
}

}  // namespace sluice
