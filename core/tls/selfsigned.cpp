#include "core/tls/selfsigned.hpp"

#include <openssl/ec.h>
#include <openssl/x509v3.h>

namespace sluice {

static bool add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

Result<KeyPair> make_self_signed() {
  KeyPair kp;
  kp.key.reset(EVP_EC_gen("P-256"));
  kp.cert.reset(X509_new());
  if (!kp.key || !kp.cert) return fail(Errc::internal, "cannot generate a key");
  X509* c = kp.cert.get();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 365L * 24 * 3600);
  X509_set_pubkey(c, kp.key.get());
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sluice serve"), -1, -1, 0);
  X509_set_issuer_name(c, name);
  add_ext(c, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  add_ext(c, NID_basic_constraints, "critical,CA:TRUE");
  if (X509_sign(c, kp.key.get(), EVP_sha256()) == 0)
    return fail(Errc::internal, "cannot sign the self-signed certificate");
  return kp;
}

std::string cert_fingerprint(X509* cert) {
  if (!cert) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
  return out;
}

}  // namespace sluice
