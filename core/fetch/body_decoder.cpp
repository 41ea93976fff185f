#include "core/fetch/body_decoder.hpp"

namespace sluice::fetch {

namespace {
constexpr std::size_t kDecodedChunk = 64 * 1024;  // per decode call: the expansion bound
}

Result<std::size_t> BodyDecoder::pump(const std::function<bool()>& room,
                                      const std::function<bool(std::string_view)>& emit) {
  std::size_t used = 0;
  while (!idle() && room()) {
    std::string_view in = std::string_view(coded_).substr(at_);
    std::size_t before = in.size();
    chunk_.clear();
    started_ = true;
    auto r = decoder_->decode(in, chunk_, kDecodedChunk);
    if (!r) return std::unexpected(r.error());
    std::size_t n = before - in.size();
    at_ += n;
    used += n;
    // A full chunk may leave more output inside the decoder, even with no
    // input left: it is asked again before the body counts as decoded.
    more_ = chunk_.size() == kDecodedChunk;
    if (!chunk_.empty() && !emit(chunk_)) break;
    // What follows the coded stream's end, and that the decoder will not
    // take, is ignored (zstd takes another frame; gzip ignores the rest).
    if (decoder_->finished() && n == 0 && chunk_.empty()) {
      used += coded_.size() - at_;
      at_ = coded_.size();
    }
    if (n == 0 && chunk_.empty() && at_ < coded_.size())  // input, room, and no progress
      return std::unexpected(
          Error{Errc::bad_encoding, "Error while processing content unencoding: no progress"});
  }
  if (at_ == coded_.size()) {
    coded_.clear();
    at_ = 0;
  } else if (at_ >= kDecodedChunk) {  // keep the waiting bytes' buffer small
    coded_.erase(0, at_);
    at_ = 0;
  }
  return used;
}

}  // namespace sluice::fetch
