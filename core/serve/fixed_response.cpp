#include "core/serve/fixed_response.hpp"

#include <fmt/format.h>

#include "core/http/status.hpp"

namespace sluice::serve {

Pull FixedResponse::pull(ResponseWriter& w) {
  w.head(status_, headers_, body_.size());
  w.write(body_);
  w.end();
  return Pull::done;
}

std::unique_ptr<Endpoint> error_response(int status, Headers extra) {
  extra.add("Content-Type", "text/plain; charset=utf-8");
  return std::make_unique<FixedResponse>(status, std::move(extra),
                                         fmt::format("{} {}\n", status, reason_phrase(status)));
}

}  // namespace sluice::serve
