#include "cli/get_upload.hpp"

#include <fmt/format.h>

#include "core/http/file_body.hpp"
#include "core/util/percent.hpp"

namespace sluice::cli {

namespace {

// curl 8's rule: a URL that ends in '/', or has no path at all, names a
// directory, and the file's base name is added, URL-encoded. stdin has no
// name. (curl 7.88 also looked before a query; curl 8 does not.)
std::string with_file_name(const std::string& url, const std::string& file) {
  if (file == "-" || file == ".") return url;
  auto authority = url.find("://");
  authority = authority == std::string::npos ? 0 : authority + 3;
  bool no_path = url.find_first_of("/?#", authority) == std::string::npos;
  if (!no_path && !url.ends_with('/')) return url;
  auto slash = file.find_last_of('/');
  std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
  return url + (no_path ? "/" : "") + percent_encode(name);
}

}  // namespace

Result<void> attach_uploads(const std::vector<std::string>& files, bool other_body,
                            fetch::FetchConfig& c) {
  if (files.empty()) return {};
  if (other_body)
    return fail(Errc::bad_argument,
                "You can only select one HTTP request method! You asked for both PUT "
                "(-T, --upload-file) and another (-d, -F, -G or -I).");
  for (std::size_t k = 0; k < files.size(); ++k) {
    bool used = false;
    for (auto& t : c.targets) {
      if (t.url_num != k) continue;
      auto body = FileBody::open(files[k]);
      if (!body) return std::unexpected(body.error());
      t.upload = std::move(*body);
      t.url = with_file_name(t.url, files[k]);
      used = true;
    }
    if (!used) break;  // more -T than URLs: the rest name nothing, as in curl
  }
  return {};
}

}  // namespace sluice::cli
