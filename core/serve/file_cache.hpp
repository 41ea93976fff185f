// A worker's open-file cache for --root, like nginx's open_file_cache: a
// path's open descriptor, its stat, its validators and formatted headers and,
// for small files, the bytes themselves, so a hot file costs one fstat(2)
// per request instead of an openat2, a read and a close.
//
// Freshness. A hit re-checks the descriptor with fstat, at most once per loop
// iteration (`round`: requests handled in one iteration share the check; a
// syscall per request cost a quarter of the throughput on small files). A
// file written in place (size, mtime or ctime moved) or replaced by a rename
// (the cached inode lost its last link) is opened again, so a change made
// before a request was sent shows in its response. What a hit does not see is
// a *path* rebound elsewhere while the old file lives on (a directory
// renamed, a hard link): a binding is trusted for at most kBindingTtl, then
// the path is resolved again (nginx's open_file_cache_valid
// is 60 s). Only regular files are cached; directories and misses are not.
//
// Bounds: at most kMaxEntries descriptors and kMaxCachedBytes of file bytes
// per worker, least recently used first out; an entry unused for kIdleTtl is
// closed by expire_idle() (the Router sweeps), so a deleted file's space is
// not held for long. An endpoint holds its entry by
// shared_ptr, so eviction never closes a descriptor a response still reads.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/http/headers.hpp"
#include "core/loop/loop.hpp"
#include "core/net/tcp.hpp"  // Fd
#include "core/serve/beneath.hpp"
#include "core/serve/conditional.hpp"

namespace sluice::serve {

struct CachedFile {
  Fd fd;
  struct stat st {};
  Validators validators;
  std::string last_modified;  // Last-Modified, formatted once
  Headers headers;  // a 200's: Last-Modified, ETag, Accept-Ranges, Content-Type (built once)
  std::string_view content_type;  // from the name, static storage
  std::string bytes;              // the whole file when small (has_bytes), else empty
  bool has_bytes = false;
  TimePoint resolved_at{};     // when the path was last resolved to this inode
  uint64_t checked_round = 0;  // the loop iteration of the last fstat
  TimePoint last_used{};
};

class FileCache {
 public:
  static constexpr std::size_t kMaxEntries = 1024;
  static constexpr std::size_t kMaxCachedBytes = 16u << 20;
  static constexpr std::size_t kMaxFileBytes = 64u << 10;  // larger files are never copied in
  static constexpr std::chrono::seconds kBindingTtl{1};
  static constexpr std::chrono::seconds kIdleTtl{10};  // nginx's open_file_cache inactive: 60 s

  explicit FileCache(int root_fd) : root_fd_(root_fd) {}

  struct Lookup {
    int status = 0;                          // 0: a file or a directory was found; else 403/404
    std::shared_ptr<const CachedFile> file;  // set for a regular file
    Opened other;  // a directory (or a FIFO, device...): the fresh open, not cached
  };
  // rel: a normalised path under the root ("" is the root itself); round:
  // the loop's iteration count (Loop::wakeups()), now: its time.
  Lookup open(std::string_view rel, TimePoint now, uint64_t round);

  // Closes the entries not used within kIdleTtl before now.
  void expire_idle(TimePoint now);

  std::size_t entries() const { return index_.size(); }
  std::size_t cached_bytes() const { return cached_bytes_; }

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<CachedFile>>>;

  static bool still_fresh(CachedFile& f, TimePoint now, uint64_t round);
  std::shared_ptr<CachedFile> make_entry(Opened o, std::string_view rel, TimePoint now,
                                         uint64_t round);
  void insert(std::string_view rel, std::shared_ptr<CachedFile> f);
  void erase(Lru::iterator it);

  int root_fd_;
  Lru lru_;                                                    // front: most recently used
  std::unordered_map<std::string_view, Lru::iterator> index_;  // keys view lru_'s strings
  std::size_t cached_bytes_ = 0;
};

}  // namespace sluice::serve
