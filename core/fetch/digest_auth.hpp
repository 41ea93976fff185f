// HTTP Digest authentication (RFC 7616) for get --digest and --anyauth: the
// server's challenge read from WWW-Authenticate, and the Authorization that
// answers it, as curl builds it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::fetch {

struct DigestChallenge {
  std::string realm, nonce, opaque, algorithm = "MD5";
  bool qop_auth = false;  // qop offers "auth" (auth-int is not used)
  bool sess = false;      // algorithm ends in "-sess"
};

// The Digest challenge of one WWW-Authenticate value ("Digest realm=...,
// nonce=..."), or nullopt when it is another scheme or has no nonce.
std::optional<DigestChallenge> parse_digest_challenge(std::string_view field);

// "Basic ...": whether one WWW-Authenticate value offers Basic.
bool offers_basic(std::string_view field);

// A client nonce: 16 random bytes as hex.
std::string new_cnonce();

struct DigestInput {
  std::string user, password, method, uri, cnonce;
  unsigned nc = 1;
};

// hash(algorithm, text): lower-case hex ("MD5", "SHA-256", "SHA-512-256").
using DigestHash = std::function<std::optional<std::string>(std::string_view, std::string_view)>;

// The Authorization value, "Digest username=..., response=...", with curl's
// fields in curl's order; nullopt for an algorithm the hash does not know.
std::optional<std::string> digest_authorization(const DigestChallenge& c, const DigestInput& in,
                                                const DigestHash& hash);

}  // namespace sluice::fetch
