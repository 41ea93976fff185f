#include "core/serve/inspect.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "core/http/headers.hpp"
#include "core/serve/encoded.hpp"
#include "core/serve/fixed_response.hpp"
#include "core/util/base64.hpp"

namespace sluice::serve {

namespace {

using nlohmann::ordered_json;

std::unique_ptr<Endpoint> json(int status, const ordered_json& body, Headers h = {}) {
  h.add("Content-Type", "application/json");
  h.add("Cache-Control", "no-store");
  // A header may hold any octet: bytes that are not UTF-8 show as U+FFFD
  // instead of failing the response.
  std::string text = body.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  return std::make_unique<FixedResponse>(status, std::move(h), std::move(text));
}

// The credentials of "Authorization: SCHEME CREDENTIALS" when the scheme is
// `scheme` (compared without case, RFC 9110 11.1); nullopt otherwise.
std::optional<std::string_view> credentials(const RequestHead& req, std::string_view scheme) {
  auto auth = req.headers.get("Authorization");
  if (!auth) return std::nullopt;
  std::string_view v = trim_ows(*auth);
  if (v.size() <= scheme.size() || v[scheme.size()] != ' ' ||
      !iequals(v.substr(0, scheme.size()), scheme))
    return std::nullopt;
  std::string_view rest = trim_ows(v.substr(scheme.size()));
  if (rest.empty()) return std::nullopt;
  return rest;
}

std::unique_ptr<Endpoint> unauthorized(std::string challenge) {
  Headers h;
  h.add("WWW-Authenticate", std::move(challenge));
  return json(401, {{"authenticated", false}}, std::move(h));
}

// Calls f(name, value) for every "name=value" of a query ("a=1&b&c=" gives
// ("a","1"), ("b",""), ("c","")), skipping empty names.
template <class F>
void each_param(std::string_view query, F f) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    if (!name.empty()) f(name, value);
  }
}

// A cookie's value is cookie-octets (RFC 6265 4.1.1), its name a token:
// anything else in a query would break the Set-Cookie line, so it is refused.
bool cookie_octets(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\';
  });
}

std::unique_ptr<Endpoint> to_cookies(Headers h) {
  h.add("Location", "/cookies");
  h.add("Content-Type", "text/plain; charset=utf-8");
  return std::make_unique<FixedResponse>(302, std::move(h), "see /cookies\n");
}

std::unique_ptr<Endpoint> bad_cookie() {
  return json(400, {{"error", "cookie names must be tokens and values cookie-octets"}});
}

}  // namespace

ordered_json header_fields(const RequestHead& req) {
  ordered_json fields = ordered_json::object();
  for (const auto& [name, value] : req.headers.list()) {
    auto& slot = fields[name];
    // A repeated field shows as its values joined, as HTTP allows (RFC 9110 5.3).
    slot = slot.is_null() ? value : slot.get<std::string>() + ", " + value;
  }
  return fields;
}

std::unique_ptr<Endpoint> headers_json(const RequestHead& req) {
  return json(200, {{"headers", header_fields(req)}});
}

std::unique_ptr<Endpoint> coded_headers(std::string_view name, const RequestHead& req) {
  // httpbin's key for each: {"gzipped": true, ...}
  static constexpr std::array<std::array<std::string_view, 3>, 4> kCodings = {{
      {"gzip", "gzip", "gzipped"},
      {"deflate", "deflate", "deflated"},
      {"brotli", "br", "brotli"},
      {"zstd", "zstd", "zstd"},
  }};
  for (const auto& [path, coding, key] : kCodings)
    if (name == path) {
      ordered_json body = {
          {std::string(key), true}, {"headers", header_fields(req)}, {"method", req.method}};
      return encoded_text(coding,
                          body.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n",
                          "application/json");
    }
  return json(404, {{"error", "no such coding"}});
}

std::unique_ptr<Endpoint> basic_auth(const RequestHead& req, std::string_view user_pass) {
  auto slash = user_pass.find('/');
  if (slash == std::string_view::npos || user_pass.find('/', slash + 1) != std::string_view::npos)
    return json(400, {{"error", "/basic-auth/USER/PASS"}});
  std::string want =
      std::string(user_pass.substr(0, slash)) + ":" + std::string(user_pass.substr(slash + 1));
  auto given = credentials(req, "basic");
  auto decoded = given ? base64_decode(*given) : std::nullopt;
  if (!decoded || *decoded != want) return unauthorized("Basic realm=\"sluice\"");
  return json(200, {{"authenticated", true}, {"user", user_pass.substr(0, slash)}});
}

std::unique_ptr<Endpoint> bearer(const RequestHead& req) {
  auto token = credentials(req, "bearer");
  if (!token) return unauthorized("Bearer");
  return json(200, {{"authenticated", true}, {"token", *token}});
}

std::unique_ptr<Endpoint> cookies_json(const RequestHead& req) {
  ordered_json jar = ordered_json::object();
  for (const auto& [name, value] : req.headers.list()) {
    if (!iequals(name, "cookie")) continue;
    for (std::string_view line = value; !line.empty();) {
      auto semi = line.find(';');
      std::string_view pair = trim_ows(line.substr(0, semi));
      line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      jar[std::string(pair.substr(0, eq))] = pair.substr(eq + 1);
    }
  }
  return json(200, {{"cookies", jar}});
}

std::unique_ptr<Endpoint> cookies_set(std::string_view query) {
  Headers h;
  bool ok = true;
  each_param(query, [&](std::string_view name, std::string_view value) {
    ok = ok && is_token(name) && cookie_octets(value);
    if (ok) h.add("Set-Cookie", std::string(name) + "=" + std::string(value) + "; Path=/");
  });
  return ok ? to_cookies(std::move(h)) : bad_cookie();
}

std::unique_ptr<Endpoint> cookies_delete(std::string_view query) {
  Headers h;
  bool ok = true;
  each_param(query, [&](std::string_view name, std::string_view) {
    ok = ok && is_token(name);
    if (ok)
      h.add("Set-Cookie",
            std::string(name) + "=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
  });
  return ok ? to_cookies(std::move(h)) : bad_cookie();
}

std::unique_ptr<Endpoint> redirect_to(std::string_view query) {
  auto raw = query_param(query, "url");
  auto path = raw ? percent_decode(*raw) : std::nullopt;
  bool local = path && path->starts_with('/') && !path->starts_with("//") &&
               !path->starts_with("/\\") &&
               std::none_of(path->begin(), path->end(),
                            [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (!local) return json(400, {{"error", "url must be a path on this server: /..."}});
  auto code = parse_u64(query_param(query, "status_code").value_or("302"));
  if (!code || *code < 301 || *code > 308 || *code == 304 || *code == 305 || *code == 306)
    return json(400, {{"error", "status_code must be 301, 302, 303, 307 or 308"}});
  Headers h;
  h.add("Location", *path);
  h.add("Content-Type", "text/plain; charset=utf-8");
  return std::make_unique<FixedResponse>(static_cast<int>(*code), std::move(h),
                                         "redirecting to " + *path + "\n");
}

std::unique_ptr<Endpoint> response_headers(std::string_view query) {
  // Fields that frame the message or belong to the connection would let a
  // URL break the response itself: refused.
  static constexpr std::string_view kRefused[] = {"content-length", "transfer-encoding",
                                                  "connection",     "keep-alive",
                                                  "upgrade",        "te",
                                                  "trailer",        "host",
                                                  "date",           "server"};
  Headers h;
  ordered_json shown = ordered_json::object();
  bool ok = true;
  each_param(query, [&](std::string_view raw_name, std::string_view raw_value) {
    auto name = percent_decode(raw_name);
    auto value = percent_decode(raw_value);
    ok = ok && name && value && is_token(*name) &&
         std::none_of(std::begin(kRefused), std::end(kRefused),
                      [&](std::string_view r) { return iequals(*name, r); }) &&
         std::none_of(value->begin(), value->end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
    if (!ok) return;
    h.add(*name, *value);
    shown[*name] = *value;
  });
  if (!ok)
    return json(400, {{"error", "names must be tokens (not framing fields), values printable"}});
  return json(200, shown, std::move(h));
}

}  // namespace sluice::serve
