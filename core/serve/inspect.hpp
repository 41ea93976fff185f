// Endpoints that show a client what it sent, in the spirit of httpbin: the
// tests of `sluice get -u/-e/-b/--json` and any user's smoke test read
// their requests back through them.
//
//   /headers                the request's header fields, as JSON
//   /basic-auth/USER/PASS   200 when Authorization is Basic USER:PASS, else
//                           401 with WWW-Authenticate: Basic
//   /bearer                 200 when Authorization is Bearer TOKEN, else 401
//                           with WWW-Authenticate: Bearer
//   /cookies                the request's cookies, as JSON
//   /cookies/set?N=V&...    302 to /cookies, setting each cookie (Path=/)
//   /cookies/delete?N&...   302 to /cookies, expiring each cookie
//   /response-headers?N=V&...  200 with each N: V added (percent-decoded;
//                           framing and connection fields refused: 400)
//   /redirect-to?url=PATH[&status_code=3xx]
//                           a redirect to PATH on this server (a path, never
//                           another host: not an open redirect)
#pragma once

#include <memory>
#include <string_view>

#include "core/serve/exchange.hpp"
#include "core/serve/request_target.hpp"

namespace sluice::serve {

std::unique_ptr<Endpoint> headers_json(const RequestHead& req);
// /gzip, /deflate, /brotli, /zstd: httpbin's, the request's headers as JSON
// ({"gzipped": true, "headers": {...}, "method": "GET"}), coded so.
std::unique_ptr<Endpoint> coded_headers(std::string_view name, const RequestHead& req);
std::unique_ptr<Endpoint> basic_auth(const RequestHead& req, std::string_view user_pass);
std::unique_ptr<Endpoint> bearer(const RequestHead& req);
std::unique_ptr<Endpoint> cookies_json(const RequestHead& req);
std::unique_ptr<Endpoint> cookies_set(std::string_view query);
std::unique_ptr<Endpoint> cookies_delete(std::string_view query);
std::unique_ptr<Endpoint> redirect_to(std::string_view query);
std::unique_ptr<Endpoint> response_headers(std::string_view query);

}  // namespace sluice::serve
