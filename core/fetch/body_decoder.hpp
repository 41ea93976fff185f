// Between a response body and its output when `get --compressed` meets a
// Content-Encoding. Coded bytes wait here while the output is above its high
// water mark, and are decoded a bounded chunk at a time as it drains: what a
// transfer holds stays bounded by the read size plus the output's limit,
// however far the body expands.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/http/content_decoder.hpp"

namespace sluice::fetch {

class BodyDecoder {
 public:
  explicit BodyDecoder(std::unique_ptr<ContentDecoder> decoder) : decoder_(std::move(decoder)) {}

  void add(std::span<const char> coded) { coded_.append(coded.data(), coded.size()); }

  // Decodes while room() holds, handing each decoded chunk to emit (which
  // returns false to stop: the output failed). Returns how many coded bytes
  // were used up (bytes after the coded stream's end count as used).
  Result<std::size_t> pump(const std::function<bool()>& room,
                           const std::function<bool(std::string_view)>& emit);

  // No coded bytes wait, and the decoder holds no output back.
  bool idle() const { return at_ == coded_.size() && !more_; }
  // The coded stream ended, or never began (a body-less response).
  bool complete() const { return decoder_->finished() || !started_; }

 private:
  std::unique_ptr<ContentDecoder> decoder_;
  std::string coded_;   // received, not yet decoded
  std::size_t at_ = 0;  // coded_[0, at_) is decoded
  std::string chunk_;   // decoded output, reused
  bool started_ = false;
  bool more_ = false;  // the last decode filled its chunk: more output may be inside
};

}  // namespace sluice::fetch
