#include "core/fetch/digest_auth.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <cctype>
#include <cerrno>

#include "core/http/headers.hpp"

namespace sluice::fetch {

namespace {

// The auth-params after the scheme: name=token or name="quoted\"string",
// comma-separated. Calls take(name, value) for each.
template <class Take>
void auth_params(std::string_view s, Take take) {
  std::size_t at = 0;
  auto skip = [&](auto pred) {
    while (at < s.size() && pred(s[at])) ++at;
  };
  while (at < s.size()) {
    skip([](char c) { return c == ' ' || c == '\t' || c == ','; });
    std::size_t name_start = at;
    skip([](char c) { return c != '=' && c != ',' && c != ' '; });
    std::string_view name = s.substr(name_start, at - name_start);
    skip([](char c) { return c == ' '; });
    if (at >= s.size() || s[at] != '=') continue;
    ++at;
    skip([](char c) { return c == ' '; });
    std::string value;
    if (at < s.size() && s[at] == '"') {
      for (++at; at < s.size() && s[at] != '"'; ++at) {
        if (s[at] == '\\' && at + 1 < s.size()) ++at;
        value += s[at];
      }
      ++at;
    } else {
      std::size_t start = at;
      skip([](char c) { return c != ','; });
      value = std::string(trim_ows(s.substr(start, at - start)));
    }
    take(name, std::move(value));
  }
}

std::string_view scheme_rest(std::string_view field, std::string_view scheme) {
  field = trim_ows(field);
  if (field.size() < scheme.size() || !iequals(field.substr(0, scheme.size()), scheme)) return {};
  if (field.size() > scheme.size() && field[scheme.size()] != ' ') return {};
  return field.substr(scheme.size());
}

// A quoted-string value: '"' and '\' escaped.
std::string quote_param(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string new_cnonce() {
  unsigned char bytes[16] = {};
  for (std::size_t got = 0; got < sizeof bytes;) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
    if (n < 0 && errno != EINTR) break;  // not on Linux 3.17+: what was read will do
  }
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

std::optional<DigestChallenge> parse_digest_challenge(std::string_view field) {
  std::string_view rest = scheme_rest(field, "Digest");
  if (rest.empty()) return std::nullopt;
  DigestChallenge c;
  auth_params(rest, [&](std::string_view name, std::string value) {
    if (iequals(name, "realm")) c.realm = std::move(value);
    if (iequals(name, "nonce")) c.nonce = std::move(value);
    if (iequals(name, "opaque")) c.opaque = std::move(value);
    if (iequals(name, "algorithm")) c.algorithm = std::move(value);
    if (iequals(name, "qop"))
      for (std::string_view q = value; !q.empty();) {  // "auth,auth-int"
        auto comma = q.find(',');
        if (iequals(trim_ows(q.substr(0, comma)), "auth")) c.qop_auth = true;
        q = comma == std::string_view::npos ? std::string_view{} : q.substr(comma + 1);
      }
  });
  if (c.nonce.empty()) return std::nullopt;
  std::string_view algo = c.algorithm;
  if (algo.size() > 5 && iequals(algo.substr(algo.size() - 5), "-sess")) {
    c.sess = true;
    c.algorithm.resize(algo.size() - 5);
  }
  for (char& ch : c.algorithm) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c;
}

bool offers_basic(std::string_view field) {
  std::string_view f = trim_ows(field);
  return f.size() >= 5 && iequals(f.substr(0, 5), "basic") && (f.size() == 5 || f[5] == ' ');
}

std::optional<std::string> digest_authorization(const DigestChallenge& c, const DigestInput& in,
                                                const DigestHash& hash) {
  auto ha1 = hash(c.algorithm, in.user + ":" + c.realm + ":" + in.password);
  if (!ha1) return std::nullopt;
  if (c.sess) ha1 = hash(c.algorithm, *ha1 + ":" + c.nonce + ":" + in.cnonce);
  auto ha2 = hash(c.algorithm, in.method + ":" + in.uri);
  std::string nc = fmt::format("{:08x}", in.nc);
  auto response = c.qop_auth ? hash(c.algorithm, fmt::format("{}:{}:{}:{}:auth:{}", *ha1, c.nonce,
                                                             nc, in.cnonce, *ha2))
                             : hash(c.algorithm, *ha1 + ":" + c.nonce + ":" + *ha2);
  std::string out =
      fmt::format("Digest username={}, realm={}, nonce={}, uri={}", quote_param(in.user),
                  quote_param(c.realm), quote_param(c.nonce), quote_param(in.uri));
  if (c.qop_auth) out += fmt::format(", cnonce={}, nc={}, qop=auth", quote_param(in.cnonce), nc);
  out += fmt::format(", response=\"{}\"", *response);
  if (!c.opaque.empty()) out += ", opaque=" + quote_param(c.opaque);
  if (c.algorithm != "MD5" || c.sess)
    out += fmt::format(", algorithm={}{}", c.algorithm, c.sess ? "-sess" : "");
  return out;
}

}  // namespace sluice::fetch
