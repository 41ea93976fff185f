#include "core/serve/router.hpp"

#include "core/serve/fixed_response.hpp"
#include "core/serve/methods.hpp"
#include "core/serve/request_target.hpp"
#include "core/serve/static_files.hpp"
#include "core/serve/synthetic.hpp"

namespace sluice::serve {

namespace {

// The asterisk-form (RFC 9112 3.2.4) names the server itself, for OPTIONS only.
std::unique_ptr<Endpoint> whole_server(const RequestHead& req) {
  if (req.method != "OPTIONS") return error_response(400);
  return options_response(kAllMethods);
}

}  // namespace

Router::Router(const Env& env, Loop& loop)
    : env_(env), loop_(loop), sweep_(loop, [this] { sweep(); }) {
  if (!env.root.empty()) files_.emplace(env.root_fd);
}

std::unique_ptr<Endpoint> Router::route(const RequestHead& req) {
  if (!is_known_method(req.method)) return error_response(501);
  if (req.target == "*") return whole_server(req);
  auto target = split_target(req.target);
  if (!target) return error_response(400);
  // Synthetic paths are matched decoded and normalised, as nginx matches its
  // locations: "/a/../bytes/5" and "/bytes//5" are /bytes/5.
  std::string_view decoded = target->path, path = target->path;
  std::string decoded_copy, path_copy;
  if (!is_normal_path(target->path)) {
    auto d = percent_decode(target->path);
    if (!d) return error_response(400);
    decoded = decoded_copy = std::move(*d);
    auto p = normalize_absolute_path(decoded);
    if (!p) return error_response(403);  // ".." above the root, as static files answer it
    path = path_copy = std::move(*p);
  }
  RequestTarget normalised{path, target->query};
  if (auto e = make_synthetic(req, normalised, env_.stats, files_.has_value())) return e;
  if (!files_) return error_response(404);
  if (auto e = answer_method(req.method, kFileMethods)) return e;
  // Static files also get the target as sent: a trailing slash still means a
  // directory there.
  auto e = make_static(req, StaticPath{*target, decoded, path.substr(1)}, *files_, loop_.now(),
                       loop_.wakeups());
  if (!sweep_.armed() && files_->entries() > 0) sweep_.arm(loop_.now() + FileCache::kIdleTtl);
  return e;
}

void Router::sweep() {
  files_->expire_idle(loop_.now());
  if (files_->entries() > 0) sweep_.arm(loop_.now() + FileCache::kIdleTtl);
}

}  // namespace sluice::serve
