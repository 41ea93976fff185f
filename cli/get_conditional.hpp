// Conditional fetching as curl's tool does it around a transfer: -z and
// --etag-compare before it, --etag-save and -R's file time after it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/fetch/fetch.hpp"
#include "core/util/error.hpp"

namespace sluice::cli {

using Warn = std::function<void(std::string_view)>;

// -z's condition and --etag-compare's If-None-Match (the file's text, its
// line ends dropped; "" when it is missing or empty, with a warning for the
// former, as curl sends it) into c.
void apply_conditions(const std::string& time_cond, const std::string& etag_compare,
                      const Warn& warn, fetch::FetchConfig& c);

// --etag-save FILE: created before any transfer (kept as it is until an ETag
// comes, as curl does); one that cannot be is curl's exit 26.
Result<void> prepare_etag_file(const std::string& path);

struct FileMetadata {
  bool remote_time = false;  // -R
  bool xattr = false;        // --xattr
  std::string etag_save;     // --etag-save FILE
};

// After a transfer: its ETag into --etag-save's file (replacing what it held;
// '-': stdout); on the file a transfer that went well wrote, -R's time from a
// 2xx's Last-Modified and --xattr's attributes (the URL without credentials,
// the Content-Type, the Referer sent and user.creator), as curl sets them.
void after_transfer(const fetch::Report& r, const FileMetadata& m);

}  // namespace sluice::cli
