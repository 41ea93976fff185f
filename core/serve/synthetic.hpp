// Synthetic endpoints: bodies generated on the fly, never held whole.
//
//   /bytes/N  /drip  /redirect/N  /status/CODE  /delay/MS  /echo  /stats  /
//   /headers  /basic-auth/U/P  /bearer  /cookies[/set|/delete]  (inspect.hpp)
//   /encoded/CODING/N  (encoded.hpp)
//
// They answer GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS (kAllMethods,
// methods.hpp); TRACE is 405. A request body is read and dropped, except by
// /echo, which sends it back byte for byte with the request's Content-Type
// (application/octet-stream when it has none). Sizes stop at 2^63 - 1.
// /status/CODE adds the headers RFC 9110 asks of some codes: Content-Range
// (206), WWW-Authenticate (401), Allow (405), Proxy-Authenticate (407).
// endpoint_index() is the text of "/" and of the --help section.
#pragma once

#include <memory>
#include <string_view>

#include "core/serve/exchange.hpp"
#include "core/serve/request_target.hpp"
#include "core/serve/stats.hpp"

namespace sluice::serve {

// nullptr when t.path (decoded and normalised, router.hpp) is not synthetic.
// With a --root, "/" belongs to the static tree and is not synthetic.
std::unique_ptr<Endpoint> make_synthetic(const RequestHead& req, const RequestTarget& t,
                                         const Stats* stats, bool have_root);

std::string_view endpoint_index();

}  // namespace sluice::serve
