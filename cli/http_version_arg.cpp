#include "cli/http_version_arg.hpp"

namespace sluice::cli {

Result<HttpVersion> http_version_arg(bool http11, bool http2, bool http2_prior) {
  if (int(http11) + int(http2) + int(http2_prior) > 1)
    return fail(Errc::bad_argument, "choose one of --http1.1, --http2 and --http2-prior-knowledge");
  if (http11) return HttpVersion::http1_1;
  if (http2_prior) return HttpVersion::http2_prior;
  if (http2) return HttpVersion::http2;
  return HttpVersion::negotiate;
}

}  // namespace sluice::cli
