// `sluice get -T/--upload-file`: each -T names the body of one URL's request
// (the first -T the first URL, and so on), opened here and streamed by the
// sessions (core/http/file_body.*) as the server takes it.
#pragma once

#include <string>
#include <vector>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// Opens each -T file for the targets of its URL; a URL ending in '/' gets the
// file's base name appended, as curl does. other_body: -d, -F, -G or -I was
// given too (one method only, curl's error). An unreadable file is
// Errc::read_failed (curl's 26).
Result<void> attach_uploads(const std::vector<std::string>& files, bool other_body,
                            fetch::FetchConfig& c);

}  // namespace sluice::cli
