// A small response known in full up front: errors, redirects, /status, /stats.
#pragma once

#include <memory>
#include <string>

#include "core/serve/exchange.hpp"

namespace sluice::serve {

class FixedResponse final : public Endpoint {
 public:
  FixedResponse(int status, Headers headers, std::string body)
      : status_(status), headers_(std::move(headers)), body_(std::move(body)) {}
  Pull pull(ResponseWriter& w) override;

 private:
  int status_;
  Headers headers_;
  std::string body_;
};

// text/plain "<status> <reason>\n" plus any extra headers.
std::unique_ptr<Endpoint> error_response(int status, Headers extra = {});

}  // namespace sluice::serve
