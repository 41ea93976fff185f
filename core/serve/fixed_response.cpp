#include "core/serve/fixed_response.hpp"

#include "core/http/status.hpp"

namespace sluice::serve {

Pull FixedResponse::pull(ResponseWriter& w) {
  w.head(status_, headers_, body_.size());
  w.write(body_);
  w.end();
  return Pull::done;
}

std::unique_ptr<Endpoint> error_response(int status, Headers extra) {
  extra.add("Content-Type", std::string(kPlainTextType));
  return std::make_unique<FixedResponse>(status, std::move(extra), status_body(status));
}

}  // namespace sluice::serve
