#include "core/serve/upload_sink.hpp"

#include <fmt/format.h>
#include <zlib.h>

namespace sluice::serve {

namespace {

class UploadSink final : public Endpoint {
 public:
  Pull pull(ResponseWriter&) override { return Pull::wait; }  // the body end answers
  void on_body(ResponseWriter&, std::string_view bytes) override {
    bytes_ += bytes.size();
    // zlib takes uInt lengths: feed it at most 1 GiB at a time.
    while (!bytes.empty()) {
      auto n = std::min<std::size_t>(bytes.size(), std::size_t{1} << 30);
      crc_ = crc32(crc_, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
      bytes.remove_prefix(n);
    }
  }
  void on_body_end(ResponseWriter& w) override {
    std::string body = fmt::format("{{\"bytes\":{},\"crc32\":\"{:08x}\"}}\n", bytes_, crc_);
    Headers h;
    h.add("Content-Type", "application/json");
    h.add("Cache-Control", "no-store");
    w.head(200, h, body.size());
    w.write(body);
    w.end();
  }

 private:
  uint64_t bytes_ = 0;
  uLong crc_ = crc32(0, nullptr, 0);
};

}  // namespace

std::unique_ptr<Endpoint> upload_sink() {
  return std::make_unique<UploadSink>();
}

}  // namespace sluice::serve
