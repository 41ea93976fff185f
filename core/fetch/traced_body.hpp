// --trace: a request body whose bytes are shown as the session reads them to
// send ("=> Send data"), whatever source they come from (-d's memory, -T's
// file or stdin, --limit-rate's pacing).
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "core/http/body_source.hpp"

namespace sluice::fetch {

class TracedBody final : public BodySource {
 public:
  using Sent = std::function<void(std::span<const char>)>;
  TracedBody(std::shared_ptr<BodySource> inner, Sent sent)
      : inner_(std::move(inner)), sent_(std::move(sent)) {}

  std::optional<uint64_t> length() const override { return inner_->length(); }
  Result<ssize_t> read(std::span<char> buf) override {
    auto n = inner_->read(buf);
    if (n && *n > 0) {
      taken_ += static_cast<uint64_t>(*n);
      sent_(buf.first(static_cast<std::size_t>(*n)));
    }
    return n;
  }
  void wait(Loop& loop, std::function<void()> ready) override {
    inner_->wait(loop, std::move(ready));
  }
  void stop_waiting() override { inner_->stop_waiting(); }
  bool rewind() override {
    taken_ = 0;
    return inner_->rewind();
  }

 private:
  std::shared_ptr<BodySource> inner_;
  Sent sent_;
};

}  // namespace sluice::fetch
