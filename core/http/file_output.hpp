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

struct FileOptions {
  bool append = false;       // -C: keep what the file holds and add to it
  bool create_dirs = false;  // --create-dirs: make the missing directories of the path
  // --no-clobber: an existing file is never replaced; the first free of
  // PATH.1 ... PATH.99 is written instead (path() then names it), as curl does.
  bool no_clobber = false;
};

class FileOutput final : public Output {
 public:
  FileOutput(Loop& loop, std::string path, std::size_t high, std::size_t low,
             FileOptions options = {});

  bool write(std::string_view bytes) override;
  bool above_high() const override { return file_ && file_->above_high(); }
  bool idle() const override { return !file_ || file_->idle(); }
  const std::optional<Error>& error() const override { return file_ ? file_->error() : error_; }
  // An appended file cannot start over: what it held before is not ours.
  bool rewind() override { return !file_ || (!options_.append && file_->rewind()); }
  bool can_splice() override { return open() && file_->can_splice(); }
  Result<ssize_t> splice_from(int fd, std::size_t max) override;
  // The transfer succeeded: an empty body still leaves an (empty) file.
  bool finish_ok() override { return open(); }

  // -J: the name the response gave, while nothing is open yet (false after).
  bool retarget(std::string path);
  // --remove-on-error: the file this output opened is deleted (a file never
  // opened, because the transfer failed first, is left as it was).
  void remove_file();
  const std::string& path() const { return path_; }

 private:
  bool open();     // false: error() says why
  int open_new();  // --no-clobber's open: -1 with errno when every name is taken

  Loop& loop_;
  std::string path_;
  std::size_t high_, low_;
  FileOptions options_;
  std::optional<Error> error_;  // the file could not be opened
  std::unique_ptr<OutputWriter> file_;
};

}  // namespace sluice
