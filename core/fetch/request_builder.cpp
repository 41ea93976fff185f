#include "core/fetch/request_builder.hpp"

#include <optional>

#include "core/h1/http_date.hpp"
#include "core/http/content_decoder.hpp"
#include "core/util/base64.hpp"
#include "core/util/percent.hpp"

namespace sluice::fetch {

namespace {
// Applies one -H argument like curl: "Name: value" replaces a header sluice
// would add itself and is otherwise added (so a repeated -H sends both);
// "Name:" removes, "Name;" sends it empty.
void apply_header(Headers& h, Headers& defaults, std::string_view line) {
  auto colon = line.find(':');
  std::string_view name = line.substr(0, colon == std::string_view::npos ? line.size() - 1 : colon);
  if (colon == std::string_view::npos && !line.ends_with(';')) return;
  if (defaults.has(name)) {
    h.remove(name);
    defaults.remove(name);
  }
  if (colon == std::string_view::npos) return h.add(std::string(name), "");
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return h.remove(name);
  h.add_copy(name, value);
}

// Whether -H line is "Name:" with nothing after it: curl's way to drop a
// header it would send itself.
bool removes(std::string_view line, std::string_view name) {
  auto colon = line.find(':');
  return colon != std::string_view::npos && iequals(line.substr(0, colon), name) &&
         trim_ows(line.substr(colon + 1)).empty();
}

// -z's request header, or nullptr.
const char* time_cond_field(TimeCondition::Kind kind) {
  switch (kind) {
    case TimeCondition::Kind::modified_since:
      return "If-Modified-Since";
    case TimeCondition::Kind::unmodified_since:
      return "If-Unmodified-Since";
    case TimeCondition::Kind::last_modified:
      return "Last-Modified";
    case TimeCondition::Kind::none:
      break;
  }
  return nullptr;
}

// The netrc entry for host (the first that names it, else "default"): its
// "login:password". With a user name from the URL, only that login's entry.
std::optional<std::string> netrc_credentials(const std::vector<NetrcEntry>& netrc,
                                             std::string_view host, std::string_view user) {
  const NetrcEntry* found = nullptr;
  for (const auto& e : netrc) {
    if (!user.empty() && e.login != user) continue;
    if (iequals(e.machine, host)) return e.login + ":" + e.password;
    if (e.machine.empty() && !found) found = &e;
  }
  if (found) return found->login + ":" + found->password;
  return std::nullopt;
}

// -u user:password, or else http://user:password@host/ -> "Basic
// dXNlcjpwYXNzd29yZA==", as curl sends it (a user without ':' has an empty
// password); --oauth2-bearer -> "Bearer TOKEN". -H Authorization replaces it.
std::optional<std::string> authorization(const FetchConfig& cfg, const Url& url) {
  if (!cfg.bearer.empty()) return "Bearer " + cfg.bearer;
  if (cfg.auth != AuthScheme::basic) return std::nullopt;  // sent once the server has asked
  auto plain = credentials(cfg, url);
  if (!plain) return std::nullopt;
  return basic_authorization(*plain);
}

}  // namespace

std::string basic_authorization(std::string_view credentials) {
  return "Basic " + base64_encode(credentials);
}

std::optional<std::string> credentials(const FetchConfig& cfg, const Url& url) {
  std::string plain = cfg.user;
  if (plain.empty() && !url.userinfo.empty())
    plain = percent_decode(url.userinfo).value_or(url.userinfo);
  if (cfg.user.empty() && plain.find(':') == std::string::npos)
    if (auto from_netrc = netrc_credentials(cfg.netrc, url.host, plain)) plain = *from_netrc;
  if (plain.empty()) return std::nullopt;
  if (plain.find(':') == std::string::npos) plain += ':';
  return plain;
}

namespace {

// curl 8's rule: HTTP/1.1 bodies over 1 MiB or of unknown length announce
// "Expect: 100-continue", unless -H names Expect at all ("Expect:" turns it
// off); a user's own "Expect: 100-continue" is waited for too.
bool expects_continue(const FetchConfig& cfg, const Request& r) {
  constexpr uint64_t kThreshold = 1024 * 1024;
  if (!r.has_body || r.http10) return false;
  for (const auto& line : cfg.headers) {
    std::string_view name = std::string_view(line).substr(0, line.find_first_of(":;"));
    if (iequals(name, "expect")) return r.headers.has_token("expect", "100-continue");
  }
  std::optional<uint64_t> length =
      r.upload ? r.upload->length() : std::optional<uint64_t>(r.body.size());
  return !length || *length > kThreshold;
}

}  // namespace

Request build_request(const FetchConfig& cfg, const Url& url, std::shared_ptr<BodySource> upload) {
  Request r;
  r.url = url;
  r.http10 = cfg.http10;
  r.custom_method = !cfg.method.empty();
  if (r.custom_method)
    r.method = cfg.method;
  else if (upload)
    r.method = "PUT";
  else if (cfg.head_only)
    r.method = "HEAD";
  else if (cfg.data)
    r.method = "POST";
  if (!cfg.user_agent.empty()) r.headers.add("User-Agent", cfg.user_agent);  // -A '': none
  r.headers.add("Accept", cfg.json ? "application/json" : "*/*");
  if (auto auth = authorization(cfg, url)) r.headers.add("Authorization", *auth);
  if (!cfg.referer.empty()) r.headers.add("Referer", cfg.referer);
  if (cfg.compressed) r.headers.add("Accept-Encoding", std::string(kAcceptEncoding));
  if (!cfg.range.empty()) r.headers.add("Range", "bytes=" + cfg.range);
  if (auto name = time_cond_field(cfg.time_cond.kind))
    r.headers.add(name, http_date(cfg.time_cond.when));
  if (cfg.data) {
    r.body = *cfg.data;
    r.has_body = true;
    std::string type = cfg.json                    ? "application/json"
                       : !cfg.content_type.empty() ? cfg.content_type
                                                   : "application/x-www-form-urlencoded";
    r.headers.add("Content-Type", type);
  }
  if (upload) {  // no Content-Type, as curl sends none for -T
    r.upload = std::move(upload);
    r.has_body = true;
  }
  Headers defaults = r.headers;  // what a user's -H replaces rather than adds to
  defaults.add("Host", "");
  for (const auto& line : cfg.headers) {
    apply_header(r.headers, defaults, line);
    if (removes(line, "host")) r.omit_host = true;
  }
  if (r.headers.has("host")) r.omit_host = false;
  r.expect_continue = expects_continue(cfg, r);
  r.continue_wait_ms = static_cast<uint32_t>(cfg.expect100_timeout.count());
  return r;
}

Request redirect_request(const Request& prev, int status, const Url& next,
                         const RedirectRules& rules) {
  Request r = prev;
  r.url = next;
  if (rules.auto_referer)
    r.headers.set("Referer", prev.url.str());  // str(): no credentials, no fragment
  // curl's rule: 301 and 302 turn a POST into a GET, 303 anything but HEAD.
  // Under -X the body goes as the rule says, but the method string stays.
  std::string_view base = prev.method;
  if (prev.custom_method) base = prev.upload ? "PUT" : prev.has_body ? "POST" : "GET";
  bool keep_post = (status == 301 && rules.post301) || (status == 302 && rules.post302) ||
                   (status == 303 && rules.post303);
  bool to_get =
      !(keep_post && base == "POST") &&
      ((status == 303 && base != "HEAD") || ((status == 301 || status == 302) && base == "POST"));
  if (to_get) {
    if (!prev.custom_method) r.method = "GET";
    r.body.clear();
    r.upload = nullptr;
    r.has_body = false;
    r.headers.remove("content-type");
    r.headers.remove("content-length");
  }
  // Credentials stay with their origin, as curl does without --location-trusted.
  if (!rules.trusted && next.origin() != prev.url.origin()) {
    r.headers.remove("authorization");
    r.headers.remove("cookie");
  }
  return r;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_transient_status(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

}  // namespace sluice::fetch
