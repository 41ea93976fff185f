#include "cli/http_version_arg.hpp"

namespace sluice::cli {

Result<HttpVersion> http_version_arg(const VersionFlags& f) {
  if (int(f.http11) + int(f.http2) + int(f.http2_prior) + int(f.http3) + int(f.http3_only) > 1)
    return fail(Errc::bad_argument,
                "choose one of --http1.1, --http2, --http2-prior-knowledge, --http3 and "
                "--http3-only");
  if (f.http11) return HttpVersion::http1_1;
  if (f.http2_prior) return HttpVersion::http2_prior;
  if (f.http2) return HttpVersion::http2;
  if (f.http3) return HttpVersion::http3;
  if (f.http3_only) return HttpVersion::http3_only;
  return HttpVersion::negotiate;
}

}  // namespace sluice::cli
