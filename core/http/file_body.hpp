// `get -T FILE`: a request body read from a file, or from stdin for "-" (and
// curl's "."), a piece at a time as the session asks. A regular file has a
// length (Content-Length) and is read with pread, so a redirect can send it
// again; stdin has none (chunked on h1) and cannot be read twice. A pipe or
// terminal that has nothing yet makes read() say kWouldBlock and wait() watch
// it in the loop: the loop never blocks on a slow producer.
#pragma once

#include <string>

#include "core/http/body_source.hpp"
#include "core/loop/loop.hpp"

namespace sluice {

class FileBody final : public BodySource, private IoHandler {
 public:
  // Opens path ("-" or ".": stdin). Fails with Errc::read_failed.
  static Result<std::shared_ptr<FileBody>> open(const std::string& path);
  ~FileBody() override;
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;

  std::optional<uint64_t> length() const override { return length_; }
  Result<ssize_t> read(std::span<char> buf) override;
  void wait(Loop& loop, std::function<void()> ready) override;
  void stop_waiting() override;
  bool rewind() override;

 private:
  FileBody(int fd, bool owned, std::optional<uint64_t> length, std::string name)
      : fd_(fd), owned_(owned), length_(length), name_(std::move(name)) {}
  void on_io(uint32_t events) override;
  Result<ssize_t> read_stream(std::span<char> buf);

  int fd_;
  bool owned_;                      // ours to close (stdin is not)
  std::optional<uint64_t> length_;  // a regular file's size when opened
  std::string name_;                // for messages
  Loop* loop_ = nullptr;            // set while waiting
  std::function<void()> ready_;
};

}  // namespace sluice
