// Files under --root, for GET and HEAD (the Router answers other methods):
// Range (one range as 206, several as
// multipart/byteranges, 416), If-Range; Last-Modified and an nginx-style ETag
// with If-None-Match / If-Modified-Since (304) and If-Match /
// If-Unmodified-Since (412); index.html for directories (else 403). No path
// leaves the root: ".." is resolved lexically first (climbing above the root
// is 403), then the path is opened beneath the root's fd in one race-free
// step (beneath.hpp): symlinks inside the root are followed, any way out is
// 404, so nothing outside is even confirmed to exist. Only regular files are
// read, through the worker's FileCache.
//
// Disk reads happen on the loop thread: a test server's files sit in the page
// cache, small ones are served from the FileCache's copy, and plain
// connections send the rest with sendfile(2).
#pragma once

#include <memory>
#include <string>

#include "core/serve/exchange.hpp"
#include "core/serve/file_cache.hpp"
#include "core/serve/request_target.hpp"

namespace sluice::serve {

// A request's path, as the Router has already decoded and normalised it.
struct StaticPath {
  const RequestTarget& target;  // as sent: its path's trailing slash, its query
  std::string_view decoded;     // percent-decoded
  std::string_view rel;         // normalised, relative to the root ("" is the root)
};

std::unique_ptr<Endpoint> make_static(const RequestHead& req, const StaticPath& p, FileCache& files,
                                      TimePoint now, uint64_t round);

}  // namespace sluice::serve
