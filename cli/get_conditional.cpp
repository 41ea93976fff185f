#include "cli/get_conditional.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/get_data.hpp"
#include "cli/time_cond.hpp"

namespace sluice::cli {

namespace {

void save_etag(std::string_view etag, const std::string& path) {
  std::string line = std::string(etag) + "\n";
  if (path == "-") {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    return;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}

// A file written (not /dev/null, not one a 304 left unmade).
bool regular_file(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// -R: the file's access and modification times, as curl sets both.
void set_file_time(const std::string& path, std::time_t when) {
  struct timespec times[2] = {{when, 0}, {when, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

// --xattr: a file system without user attributes just gets none, as in curl.
void set_xattrs(const fetch::Report& r) {
  auto set = [&](const char* name, const std::string& value) {
    if (!value.empty())
      ::setxattr(r.filename_effective.c_str(), name, value.data(), value.size(), 0);
  };
  set("user.xdg.origin.url", r.url_effective);  // credentials never in it
  set("user.mime_type", r.content_type);
  set("user.xdg.referrer.url", r.referer);
  set("user.creator", "sluice");
}

}  // namespace

void apply_conditions(const std::string& time_cond, const std::string& etag_compare,
                      const Warn& warn, fetch::FetchConfig& c) {
  if (!time_cond.empty()) c.time_cond = time_cond_arg(time_cond, warn);
  if (etag_compare.empty()) return;
  auto etag = read_joined_lines(etag_compare);
  if (!etag) warn(fmt::format("Failed to open {}: {}", etag_compare, std::strerror(errno)));
  c.headers.push_back("If-None-Match: " + (etag && !etag->empty() ? *etag : "\"\""));
}

Result<void> prepare_etag_file(const std::string& path) {
  if (path.empty() || path == "-") return {};
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(
        Errc::read_failed,  // curl's 26 for it
        fmt::format("Failed creating file for saving etags: \"{}\". Skip this transfer", path));
  ::close(fd);
  return {};
}

void after_transfer(const fetch::Report& r, const FileMetadata& m) {
  if (!m.etag_save.empty())
    if (auto etag = r.headers.get("etag"); etag && !etag->empty()) save_etag(*etag, m.etag_save);
  if (r.error || !regular_file(r.filename_effective)) return;
  if (m.xattr) set_xattrs(r);
  if (!m.remote_time || r.http_code < 200 || r.http_code >= 300) return;
  auto modified = r.headers.get("last-modified");
  if (auto when = modified ? parse_curl_date(*modified) : std::nullopt)
    set_file_time(r.filename_effective, *when);
}

}  // namespace sluice::cli
