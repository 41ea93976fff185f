#include "core/serve/router.hpp"

#include "core/serve/fixed_response.hpp"
#include "core/serve/static_files.hpp"
#include "core/serve/synthetic.hpp"
#include "core/serve/target.hpp"

namespace sluice::serve {

std::unique_ptr<Endpoint> Router::route(const RequestHead& req) {
  auto target = split_target(req.target);
  if (!target) return error_response(400);
  if (auto e = make_synthetic(req, *target, env_.stats, files_.has_value())) return e;
  if (files_) return make_static(req, *target, *files_, loop_.now(), loop_.wakeups());
  return error_response(404);
}

}  // namespace sluice::serve
