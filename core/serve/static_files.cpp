#include "core/serve/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "core/h1/http_date.hpp"
#include "core/net/tcp.hpp"
#include "core/serve/beneath.hpp"
#include "core/serve/fixed_response.hpp"
#include "core/serve/mime.hpp"
#include "core/serve/range.hpp"

namespace sluice::serve {

namespace {

constexpr std::size_t kReadBlock = 16 * 1024;
constexpr int kBlocksPerPull = 4;

class FileBody final : public Endpoint {
 public:
  FileBody(Fd fd, int status, Headers h, uint64_t offset, uint64_t length)
      : fd_(std::move(fd)),
        status_(status),
        headers_(std::move(h)),
        offset_(offset),
        left_(length) {}

  Pull pull(ResponseWriter& w) override {
    if (!started_) {
      started_ = true;
      w.head(status_, headers_, left_);
      if (w.request().is_head()) left_ = 0;
      if (left_ > 0 && w.can_sendfile()) {
        w.sendfile(fd_.get(), offset_, left_);
        left_ = 0;
      }
    }
    if (!copy_some(w)) return Pull::done;
    if (left_ > 0) return Pull::more;
    w.end();
    return Pull::done;
  }

 private:
  // TLS: the bytes must pass through the TLS library, so read and queue them.
  bool copy_some(ResponseWriter& w) {
    std::array<char, kReadBlock> buf;
    for (int i = 0; i < kBlocksPerPull && left_ > 0 && w.has_room(); ++i) {
      std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(left_, buf.size()));
      ssize_t n = ::pread(fd_.get(), buf.data(), want, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // I/O error or the file shrank: the announced length cannot be kept
        w.abort();
        return false;
      }
      w.write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      offset_ += static_cast<uint64_t>(n);
      left_ -= static_cast<uint64_t>(n);
    }
    return true;
  }

  Fd fd_;
  int status_;
  Headers headers_;
  uint64_t offset_, left_;
  bool started_ = false;
};

// "/a/", "/a%2f", "/a/." and "/a/.." name a directory, whatever normalize_path
// leaves of them: a regular file there is not found (as in nginx).
bool names_directory(std::string_view decoded) {
  return decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
}

bool not_modified(const RequestHead& req, std::time_t mtime) {
  auto ims = req.headers.get("If-Modified-Since");
  if (!ims || req.headers.has("Range")) return false;
  auto t = parse_http_date(*ims);
  return t && mtime <= *t;
}

// path: for the content type only; the file is already open.
std::unique_ptr<Endpoint> serve_file(const RequestHead& req, const std::string& path, Opened f) {
  // A FIFO, socket or device is never read: only regular files are served.
  if (!S_ISREG(f.st.st_mode)) return error_response(403);
  Fd fd = std::move(f.fd);
  const struct stat& st = f.st;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  Headers h;
  h.add("Content-Type", std::string(content_type_for(path)));
  h.add("Last-Modified", http_date(st.st_mtime));
  h.add("Accept-Ranges", "bytes");
  if (not_modified(req, st.st_mtime)) return std::make_unique<FixedResponse>(304, std::move(h), "");
  auto range_header = req.headers.get("Range");
  RangeRequest r = range_header ? parse_range(*range_header, size) : RangeRequest{};
  if (r.kind == RangeRequest::unsatisfiable) {
    Headers e;
    e.add("Content-Range", fmt::format("bytes */{}", size));
    return error_response(416, std::move(e));
  }
  if (r.kind == RangeRequest::satisfiable) {
    h.add("Content-Range", fmt::format("bytes {}-{}/{}", r.first, r.last, size));
    return std::make_unique<FileBody>(std::move(fd), 206, std::move(h), r.first, r.length());
  }
  return std::make_unique<FileBody>(std::move(fd), 200, std::move(h), 0, size);
}

// The directory redirect's target, from the normalised path (never the raw
// one: "//evil.example/../sub" must not become "//evil.example/../sub/").
std::string directory_location(const std::string& rel, std::string_view query) {
  std::string location = "/" + percent_encode_path(rel) + (rel.empty() ? "" : "/");
  if (!query.empty()) location += "?" + std::string(query);
  return location;
}

}  // namespace

std::unique_ptr<Endpoint> make_static(const RequestHead& req, const Target& t, int root_fd) {
  if (req.method != "GET" && req.method != "HEAD") {
    Headers h;
    h.add("Allow", "GET, HEAD");
    return error_response(405, std::move(h));
  }
  auto decoded = percent_decode(t.path);
  if (!decoded) return error_response(400);
  auto rel = normalize_path(*decoded);
  if (!rel) return error_response(403);  // ".." above the root
  Opened f = open_beneath(root_fd, *rel);
  if (f.status) return error_response(f.status);
  bool dir = S_ISDIR(f.st.st_mode);
  if (!dir && names_directory(*decoded)) return error_response(404);
  if (!dir) return serve_file(req, *rel, std::move(f));
  if (!t.path.ends_with('/')) {  // so relative links in its index resolve inside it
    Headers h;
    h.add("Location", directory_location(*rel, t.query));
    return error_response(301, std::move(h));
  }
  std::string index = rel->empty() ? "index.html" : *rel + "/index.html";
  Opened i = open_beneath(root_fd, index);
  if (i.status) return error_response(403);  // a directory without index.html: no listings
  return serve_file(req, index, std::move(i));
}

}  // namespace sluice::serve
