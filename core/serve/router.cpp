#include "core/serve/router.hpp"

#include "core/serve/fixed_response.hpp"
#include "core/serve/static_files.hpp"
#include "core/serve/synthetic.hpp"
#include "core/serve/target.hpp"

namespace sluice::serve {

Router::Router(const Env& env, Loop& loop)
    : env_(env), loop_(loop), sweep_(loop, [this] { sweep(); }) {
  if (!env.root.empty()) files_.emplace(env.root_fd);
}

std::unique_ptr<Endpoint> Router::route(const RequestHead& req) {
  auto target = split_target(req.target);
  if (!target) return error_response(400);
  if (auto e = make_synthetic(req, *target, env_.stats, files_.has_value())) return e;
  if (!files_) return error_response(404);
  auto e = make_static(req, *target, *files_, loop_.now(), loop_.wakeups());
  if (!sweep_.armed() && files_->entries() > 0) sweep_.arm(loop_.now() + FileCache::kIdleTtl);
  return e;
}

void Router::sweep() {
  files_->expire_idle(loop_.now());
  if (files_->entries() > 0) sweep_.arm(loop_.now() + FileCache::kIdleTtl);
}

}  // namespace sluice::serve
