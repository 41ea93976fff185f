#include "cli/http_version_arg.hpp"

namespace sluice::cli {

Result<fetch::HttpVersion> http_version_arg(bool http11, bool http2, bool http2_prior) {
  if (int(http11) + int(http2) + int(http2_prior) > 1)
    return fail(Errc::bad_argument, "choose one of --http1.1, --http2 and --http2-prior-knowledge");
  if (http11) return fetch::HttpVersion::http1_1;
  if (http2_prior) return fetch::HttpVersion::http2_prior;
  if (http2) return fetch::HttpVersion::http2;
  return fetch::HttpVersion::negotiate;
}

}  // namespace sluice::cli
