#include "core/serve/file_cache.hpp"

#include <unistd.h>

#include <cerrno>

#include "core/h1/http_date.hpp"
#include "core/serve/mime.hpp"

namespace sluice::serve {

namespace {

bool same_timespec(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// The inode is the one cached and unchanged since it was stat'ed.
bool unchanged(const struct stat& was, const struct stat& now) {
  return now.st_ino == was.st_ino && now.st_dev == was.st_dev && now.st_size == was.st_size &&
         same_timespec(now.st_mtim, was.st_mtim) && same_timespec(now.st_ctim, was.st_ctim) &&
         now.st_nlink > 0;
}

// The whole of a small file, or false (it changed size under us, or an error).
bool read_whole(int fd, std::size_t size, std::string& out) {
  out.resize(size);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out.data() + got, size - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

bool FileCache::still_fresh(CachedFile& f, TimePoint now, uint64_t round) {
  if (now - f.resolved_at > kBindingTtl) return false;
  if (f.checked_round == round) return true;
  struct stat st {};
  if (::fstat(f.fd.get(), &st) != 0 || !unchanged(f.st, st)) return false;
  f.checked_round = round;
  return true;
}

FileCache::Lookup FileCache::open(std::string_view rel, TimePoint now, uint64_t round) {
  if (auto hit = index_.find(rel); hit != index_.end()) {
    Lru::iterator it = hit->second;
    if (still_fresh(*it->second, now, round)) {
      it->second->last_used = now;
      lru_.splice(lru_.begin(), lru_, it);
      return {0, it->second, {}};
    }
    erase(it);
  }
  Opened o = open_beneath(root_fd_, std::string(rel));  // openat2 wants a C string
  if (o.status || !S_ISREG(o.st.st_mode)) return {o.status, nullptr, std::move(o)};
  auto f = make_entry(std::move(o), rel, now, round);
  insert(rel, f);
  return {0, std::move(f), {}};
}

std::shared_ptr<CachedFile> FileCache::make_entry(Opened o, std::string_view rel, TimePoint now,
                                                  uint64_t round) {
  auto f = std::make_shared<CachedFile>();
  f->st = o.st;
  f->fd = std::move(o.fd);
  auto size = static_cast<uint64_t>(f->st.st_size);
  f->validators = validators_for(f->st.st_mtime, size);
  f->last_modified = http_date(f->st.st_mtime);
  f->content_type = content_type_for(rel);
  f->headers.add("Last-Modified", f->last_modified);
  f->headers.add("ETag", f->validators.etag);
  f->headers.add("Accept-Ranges", "bytes");
  f->headers.add("Content-Type", std::string(f->content_type));
  f->resolved_at = f->last_used = now;
  f->checked_round = round;
  if (size <= kMaxFileBytes)  // insert() evicts to make room for them
    f->has_bytes = read_whole(f->fd.get(), static_cast<std::size_t>(size), f->bytes);
  if (!f->has_bytes) f->bytes.clear();
  return f;
}

void FileCache::insert(std::string_view rel, std::shared_ptr<CachedFile> f) {
  while (lru_.size() >= kMaxEntries ||
         (!lru_.empty() && cached_bytes_ + f->bytes.size() > kMaxCachedBytes))
    erase(std::prev(lru_.end()));
  cached_bytes_ += f->bytes.size();
  lru_.emplace_front(std::string(rel), std::move(f));
  index_.emplace(lru_.front().first, lru_.begin());
}

void FileCache::expire_idle(TimePoint now) {
  while (!lru_.empty() && now - lru_.back().second->last_used >= kIdleTtl)
    erase(std::prev(lru_.end()));
}

void FileCache::erase(Lru::iterator it) {
  cached_bytes_ -= it->second->bytes.size();
  index_.erase(it->first);
  lru_.erase(it);
}

}  // namespace sluice::serve
