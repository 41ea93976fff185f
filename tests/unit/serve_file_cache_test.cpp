// FileCache: hits share one open file; writes in place, renames over the
// path and deletions are seen by the next loop iteration; a binding is
// re-resolved after its TTL; only regular files are cached, within the bound.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/serve/file_cache.hpp"

using namespace sluice;
using namespace sluice::serve;

namespace {

struct TempRoot {
  std::string path;
  Fd fd;
  TempRoot() {
    char tmpl[] = "/tmp/sluice-file-cache-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
    fd = Fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd);
  }
  ~TempRoot() { std::system(("rm -rf " + path).c_str()); }
  void write(const std::string& rel, const std::string& data) const {
    std::ofstream(path + "/" + rel, std::ios::binary | std::ios::trunc) << data;
  }
  // Moves the file's mtime, as a write in a later clock tick would.
  void touch(const std::string& rel, time_t sec) const {
    timespec ts[2] = {{sec, 0}, {sec, 0}};
    REQUIRE(::utimensat(AT_FDCWD, (path + "/" + rel).c_str(), ts, 0) == 0);
  }
};

}  // namespace

TEST_CASE("file cache: a hit is the same open file, with its bytes and validators") {
  TempRoot root;
  root.write("a.txt", "hello");
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  uint64_t round = 0;  // a new loop iteration per request
  auto first = cache.open("a.txt", now, ++round);
  REQUIRE(first.status == 0);
  REQUIRE(first.file);
  CHECK(first.file->has_bytes);
  CHECK(first.file->bytes == "hello");
  CHECK(first.file->content_type == "text/plain; charset=utf-8");
  CHECK(first.file->validators.size == 5);
  auto second = cache.open("a.txt", now, ++round);
  CHECK(second.file == first.file);
  CHECK(cache.entries() == 1);
  CHECK(cache.cached_bytes() == 5);
}

TEST_CASE("file cache: changes in place, renames over the path and deletions show at once") {
  TempRoot root;
  root.write("a.txt", "hello");
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  uint64_t round = 0;  // a new loop iteration per request
  auto before = cache.open("a.txt", now, ++round).file;
  REQUIRE(before);

  root.write("a.txt", "HELLO");  // same size: only the times tell
  root.touch("a.txt", 1000000000);
  auto after = cache.open("a.txt", now, ++round).file;
  REQUIRE(after);
  CHECK(after != before);
  CHECK(after->bytes == "HELLO");
  CHECK(before->bytes == "hello");  // a response still holding the old entry keeps its bytes

  root.write("b.tmp", "replaced");
  REQUIRE(::rename((root.path + "/b.tmp").c_str(), (root.path + "/a.txt").c_str()) == 0);
  auto renamed = cache.open("a.txt", now, ++round).file;
  REQUIRE(renamed);
  CHECK(renamed->bytes == "replaced");

  REQUIRE(::unlink((root.path + "/a.txt").c_str()) == 0);
  auto gone = cache.open("a.txt", now, ++round);
  CHECK(gone.status == 404);
  CHECK_FALSE(gone.file);
  CHECK(cache.entries() == 0);
  CHECK(cache.cached_bytes() == 0);
}

TEST_CASE("file cache: requests of one loop iteration share one fstat") {
  TempRoot root;
  root.write("a.txt", "hello");
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  auto first = cache.open("a.txt", now, 7).file;
  root.write("a.txt", "changed");
  CHECK(cache.open("a.txt", now, 7).file == first);  // same iteration: not re-checked
  auto next = cache.open("a.txt", now, 8).file;
  REQUIRE(next);
  CHECK(next->bytes == "changed");
}

TEST_CASE("file cache: a path is resolved again once its binding is older than the TTL") {
  TempRoot root;
  REQUIRE(::mkdir((root.path + "/d1").c_str(), 0755) == 0);
  root.write("d1/f", "one");
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  uint64_t round = 0;  // a new loop iteration per request
  auto one = cache.open("d1/f", now, ++round).file;
  REQUIRE(one);
  // The directory moves away and another takes its name; the old file still has its link.
  REQUIRE(::rename((root.path + "/d1").c_str(), (root.path + "/d0").c_str()) == 0);
  REQUIRE(::mkdir((root.path + "/d1").c_str(), 0755) == 0);
  root.write("d1/f", "two");
  CHECK(cache.open("d1/f", now, ++round).file == one);  // within the TTL: the trusted binding
  auto later =
      cache.open("d1/f", now + FileCache::kBindingTtl + std::chrono::milliseconds(1), ++round);
  REQUIRE(later.file);
  CHECK(later.file->bytes == "two");
}

TEST_CASE("file cache: only regular files are cached; big ones without their bytes") {
  TempRoot root;
  REQUIRE(::mkfifo((root.path + "/fifo").c_str(), 0644) == 0);
  REQUIRE(::mkdir((root.path + "/dir").c_str(), 0755) == 0);
  root.write("big.bin", std::string(FileCache::kMaxFileBytes + 1, 'x'));
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  uint64_t round = 0;                            // a new loop iteration per request
  auto fifo = cache.open("fifo", now, ++round);  // O_NONBLOCK: returns at once
  CHECK(fifo.status == 0);
  CHECK_FALSE(fifo.file);
  CHECK(S_ISFIFO(fifo.other.st.st_mode));
  auto dir = cache.open("dir", now, ++round);
  CHECK_FALSE(dir.file);
  CHECK(S_ISDIR(dir.other.st.st_mode));
  CHECK(cache.open("", now, ++round).other.fd);  // the root itself
  auto big = cache.open("big.bin", now, ++round).file;
  REQUIRE(big);
  CHECK_FALSE(big->has_bytes);
  CHECK(big->bytes.empty());
  CHECK(cache.entries() == 1);
  CHECK(cache.open("missing", now, ++round).status == 404);
}

TEST_CASE("file cache: at most kMaxEntries open files, least recently used out first") {
  TempRoot root;
  FileCache cache(root.fd.get());
  TimePoint now = Clock::now();
  uint64_t round = 0;                                    // a new loop iteration per request
  std::vector<std::shared_ptr<const CachedFile>> first;  // held, so pointers stay distinct
  for (std::size_t i = 0; i <= FileCache::kMaxEntries; ++i) {
    root.write("f" + std::to_string(i), "x");
    first.push_back(cache.open("f" + std::to_string(i), now, ++round).file);
    REQUIRE(first.back());
    cache.open("f0", now, ++round);  // f0 stays the most recently used
  }
  CHECK(cache.entries() == FileCache::kMaxEntries);
  CHECK(cache.cached_bytes() == FileCache::kMaxEntries);
  CHECK(cache.open("f0", now, ++round).file == first[0]);  // kept: used last
  CHECK(cache.open("f2", now, ++round).file == first[2]);  // kept
  CHECK(cache.open("f1", now, ++round).file !=
        first[1]);  // the least recently used: evicted, opened anew
  CHECK(cache.entries() == FileCache::kMaxEntries);
}

TEST_CASE("file cache: entries unused for kIdleTtl are closed") {
  TempRoot root;
  root.write("old", "o");
  root.write("new", "n");
  FileCache cache(root.fd.get());
  TimePoint t0 = Clock::now();
  REQUIRE(cache.open("old", t0, 1).file);
  REQUIRE(cache.open("new", t0 + std::chrono::seconds(5), 2).file);
  cache.expire_idle(t0 + FileCache::kIdleTtl - std::chrono::milliseconds(1));
  CHECK(cache.entries() == 2);
  cache.expire_idle(t0 + FileCache::kIdleTtl);
  CHECK(cache.entries() == 1);  // "old" closed, "new" used 5 s later stays
  CHECK(cache.cached_bytes() == 1);
  cache.expire_idle(t0 + std::chrono::seconds(5) + FileCache::kIdleTtl);
  CHECK(cache.entries() == 0);
}
