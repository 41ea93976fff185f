// A file with the given content under /tmp, removed on scope exit (also when
// a REQUIRE ends the test early).
#pragma once

#include <unistd.h>

#include <fstream>
#include <string>

struct TempFile {
  explicit TempFile(const std::string& content)
      : path("/tmp/sluice-unit-" + std::to_string(::getpid()) + "-" + std::to_string(next_id())) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { ::unlink(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  std::string path;

 private:
  static int next_id() {
    static int n = 0;
    return n++;
  }
};
