#include "core/serve/router.hpp"

#include "core/serve/fixed_response.hpp"
#include "core/serve/static_files.hpp"
#include "core/serve/synthetic.hpp"
#include "core/serve/target.hpp"

namespace sluice::serve {

std::unique_ptr<Endpoint> route(const RequestHead& req, const Env& env) {
  auto target = split_target(req.target);
  if (!target) return error_response(400);
  if (auto e = make_synthetic(req, *target, env.stats, !env.root.empty())) return e;
  if (!env.root.empty()) return make_static(req, *target, env.root_fd);
  return error_response(404);
}

}  // namespace sluice::serve
