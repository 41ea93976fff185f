// An -o/-O file that is created (or truncated) only when its first byte is
// written, or when a transfer ends well with no byte at all: a fetch that
// fails before its body leaves an existing file alone and creates none, as
// curl does. Until then nothing is open; afterwards it is an OutputWriter.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/http/output.hpp"

namespace sluice {

class FileOutput final : public Output {
 public:
  FileOutput(Loop& loop, std::string path, std::size_t high, std::size_t low);

  bool write(std::string_view bytes) override;
  bool above_high() const override { return file_ && file_->above_high(); }
  bool idle() const override { return !file_ || file_->idle(); }
  const std::optional<Error>& error() const override { return file_ ? file_->error() : error_; }
  bool rewind() override { return !file_ || file_->rewind(); }
  bool can_splice() override { return open() && file_->can_splice(); }
  Result<ssize_t> splice_from(int fd, std::size_t max) override;
  // The transfer succeeded: an empty body still leaves an (empty) file.
  bool finish_ok() override { return open(); }

 private:
  bool open();  // false: error() says why

  Loop& loop_;
  std::string path_;
  std::size_t high_, low_;
  std::optional<Error> error_;  // the file could not be opened
  std::unique_ptr<OutputWriter> file_;
};

}  // namespace sluice
