#include "core/serve/static_files.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <span>
#include <vector>

#include "core/serve/fixed_response.hpp"
#include "core/serve/multipart.hpp"
#include "core/serve/range.hpp"

namespace sluice::serve {

namespace {

constexpr std::size_t kReadBlock = 16 * 1024;
constexpr int kFileBlocksPerPull = 4;  // cached bytes: a pull queues at most 64 KiB
// File reads: one preadv fills up to four queue blocks (a 1 GiB download over
// h3 made 65k pread calls at one block each), and a pull reads at most four
// times, each only while the writer has room.
constexpr int kSpansPerRead = 4;
constexpr std::size_t kReadMax = kSpansPerRead * kReadBlock;
constexpr int kReadsPerPull = 4;

// A file's response: its head, then the bytes of one range (the whole file,
// or a single Range) or, for several ranges, pieces of text and file bytes
// and a tail (multipart.hpp). The common 200 uses the head the cache built
// once, so serving a cached file allocates nothing but this object. File
// bytes come from the cache's copy when it holds one, else by sendfile(2)
// where the writer allows it, else by pread.
class FileBody final : public Endpoint {
 public:
  // The whole file with the cache's own 200 head.
  explicit FileBody(std::shared_ptr<const CachedFile> file)
      : file_(std::move(file)), status_(200), left_(file_->validators.size) {
    length_ = left_;
  }
  // One range (206) with its own head.
  FileBody(std::shared_ptr<const CachedFile> file, Headers h, uint64_t offset, uint64_t length)
      : file_(std::move(file)),
        status_(206),
        own_headers_(std::move(h)),
        offset_(offset),
        left_(length),
        length_(length) {}
  // Several ranges (206, multipart/byteranges).
  FileBody(std::shared_ptr<const CachedFile> file, Headers h, PlannedBody body)
      : file_(std::move(file)),
        status_(206),
        own_headers_(std::move(h)),
        pieces_(std::move(body.pieces)),
        tail_(std::move(body.tail)),
        length_(body.length) {}

  Pull pull(ResponseWriter& w) override {
    if (!started_) {
      started_ = true;
      w.head(status_, own_headers_ ? *own_headers_ : file_->headers, length_);
      if (w.request().is_head()) return finish(w, false);
    }
    while (w.has_room()) {
      if (left_ == 0 && !next_piece(w)) return finish(w, true);
      if (!send_some(w)) return Pull::done;
    }
    return Pull::more;
  }

 private:
  // Starts the next multipart piece by writing its text; false when none is left.
  bool next_piece(ResponseWriter& w) {
    if (piece_ == pieces_.size()) return false;
    const BodyPiece& p = pieces_[piece_++];
    if (!p.text.empty()) w.write(p.text);
    offset_ = p.offset;
    left_ = p.length;
    return true;
  }

  Pull finish(ResponseWriter& w, bool with_tail) {
    if (with_tail && !tail_.empty()) w.write(tail_);
    w.end();
    return Pull::done;
  }

  // Some of the current piece's bytes; false when the response was aborted.
  bool send_some(ResponseWriter& w) {
    if (left_ == 0) return true;
    if (file_->has_bytes) {
      std::size_t n =
          static_cast<std::size_t>(std::min<uint64_t>(left_, kReadBlock * kFileBlocksPerPull));
      w.write(std::string_view(file_->bytes).substr(static_cast<std::size_t>(offset_), n));
      advance(n);
      return true;
    }
    if (w.can_sendfile()) {
      // has_room() stays false until the kernel has sent it
      w.sendfile(file_->fd.get(), offset_, left_);
      advance(left_);
      return true;
    }
    return copy_some(w);
  }

  // TLS, h2/h3, or a large file to a loopback client (H1Connection::
  // can_sendfile): read and queue the bytes, straight into the writer's queue
  // when it offers room (h2, h3, h1 with a Content-Length), several blocks per
  // preadv, else through a buffer.
  bool copy_some(ResponseWriter& w) {
    for (int i = 0; i < kReadsPerPull && left_ > 0 && w.has_room(); ++i) {
      std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(left_, kReadMax));
      std::array<std::span<char>, kSpansPerRead> rooms;
      int count = w.body_rooms(want, rooms.data(), kSpansPerRead);
      ssize_t n = count > 0 ? read_into(rooms.data(), count) : copy_through_buffer(w, want);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // I/O error or the file shrank: the announced length cannot be kept
        w.abort();
        return false;
      }
      if (count > 0) w.commit_body(static_cast<std::size_t>(n));
      advance(static_cast<uint64_t>(n));
    }
    return true;
  }

  ssize_t read_into(const std::span<char>* rooms, int count) {
    std::array<iovec, kSpansPerRead> iov;
    for (int i = 0; i < count; ++i) iov[i] = {rooms[i].data(), rooms[i].size()};
    return ::preadv(file_->fd.get(), iov.data(), count, static_cast<off_t>(offset_));
  }

  // For a writer without room of its own (chunked h1): read, then write().
  ssize_t copy_through_buffer(ResponseWriter& w, std::size_t want) {
    std::array<char, kReadBlock> buf;
    want = std::min(want, buf.size());
    ssize_t n = ::pread(file_->fd.get(), buf.data(), want, static_cast<off_t>(offset_));
    if (n > 0) w.write(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    return n;
  }

  void advance(uint64_t n) {
    offset_ += n;
    left_ -= n;
  }

  std::shared_ptr<const CachedFile> file_;
  int status_;
  std::optional<Headers> own_headers_;  // else the cache's 200 head
  std::vector<BodyPiece> pieces_;       // multipart only
  std::string tail_;
  std::size_t piece_ = 0;
  uint64_t offset_ = 0, left_ = 0, length_ = 0;
  bool started_ = false;
};

// "/a/", "/a%2f", "/a/." and "/a/.." name a directory, whatever normalize_path
// leaves of them: a regular file there is not found (as in nginx).
bool names_directory(std::string_view decoded) {
  return decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
}

// Validators on every answer about the file, 304 included.
Headers validator_headers(const CachedFile& f) {
  Headers h;
  h.add("Last-Modified", f.last_modified);
  h.add("ETag", f.validators.etag);
  h.add("Accept-Ranges", "bytes");
  return h;
}

std::unique_ptr<Endpoint> ranged(std::shared_ptr<const CachedFile> f, const RangeSet& set) {
  uint64_t size = f->validators.size;
  Headers h = validator_headers(*f);
  if (set.ranges.size() == 1) {
    const ByteRange& r = set.ranges[0];
    h.add("Content-Type", std::string(f->content_type));
    h.add("Content-Range", fmt::format("bytes {}-{}/{}", r.first, r.last, size));
    return std::make_unique<FileBody>(std::move(f), std::move(h), r.first, r.length());
  }
  PlannedBody body = plan_byteranges(set.ranges, size, f->content_type, next_boundary());
  h.add("Content-Type", body.content_type);
  return std::make_unique<FileBody>(std::move(f), std::move(h), std::move(body));
}

std::unique_ptr<Endpoint> serve_file(const RequestHead& req, std::shared_ptr<const CachedFile> f) {
  Precondition pre = evaluate_preconditions(req, f->validators);
  if (pre == Precondition::failed) return error_response(412);
  if (pre == Precondition::not_modified)
    return std::make_unique<FixedResponse>(304, validator_headers(*f), "");
  auto range_header = req.headers.get("Range");
  if (range_header && if_range_allows(req, f->validators)) {
    RangeSet set = parse_ranges(*range_header, f->validators.size);
    if (set.kind == RangeSet::unsatisfiable) {
      Headers e;
      e.add("Content-Range", fmt::format("bytes */{}", f->validators.size));
      return error_response(416, std::move(e));
    }
    if (set.kind == RangeSet::satisfiable) return ranged(std::move(f), set);
  }
  return std::make_unique<FileBody>(std::move(f));
}

// The directory redirect's target, from the normalised path (never the raw
// one: "//evil.example/../sub" must not become "//evil.example/../sub/").
std::string directory_location(std::string_view rel, std::string_view query) {
  std::string location = "/" + percent_encode_path(rel) + (rel.empty() ? "" : "/");
  if (!query.empty()) location += "?" + std::string(query);
  return location;
}

}  // namespace

std::unique_ptr<Endpoint> make_static(const RequestHead& req, const StaticPath& p, FileCache& files,
                                      TimePoint now, uint64_t round) {
  FileCache::Lookup found = files.open(p.rel, now, round);
  if (found.status) return error_response(found.status);
  if (found.file) {
    if (names_directory(p.decoded)) return error_response(404);
    return serve_file(req, std::move(found.file));
  }
  // A FIFO, socket or device is never read: only regular files are served.
  if (!S_ISDIR(found.other.st.st_mode))
    return error_response(names_directory(p.decoded) ? 404 : 403);
  if (!p.target.path.ends_with('/')) {  // so relative links in its index resolve inside it
    Headers h;
    h.add("Location", directory_location(p.rel, p.target.query));
    return error_response(301, std::move(h));
  }
  std::string index_path = p.rel.empty() ? "index.html" : std::string(p.rel) + "/index.html";
  FileCache::Lookup index = files.open(index_path, now, round);
  if (!index.file) return error_response(403);  // no index.html (or not a file): no listings
  return serve_file(req, std::move(index.file));
}

}  // namespace sluice::serve
