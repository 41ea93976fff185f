#include "core/h3/ca_bundle.hpp"

#include <gnutls/x509.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

namespace sluice::h3 {

namespace {

constexpr const char* kDebianBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

// Owns the certificates of a chain.
struct Chain {
  std::vector<gnutls_x509_crt_t> certs;
  ~Chain() {
    for (auto c : certs) gnutls_x509_crt_deinit(c);
  }
};

bool import_peer_chain(gnutls_session_t session, Chain& chain) {
  unsigned n = 0;
  const gnutls_datum_t* der = gnutls_certificate_get_peers(session, &n);
  for (unsigned i = 0; der && i < n; ++i) {
    gnutls_x509_crt_t c;
    if (gnutls_x509_crt_init(&c) != 0) return false;
    chain.certs.push_back(c);
    if (gnutls_x509_crt_import(c, &der[i], GNUTLS_X509_FMT_DER) != 0) return false;
  }
  return !chain.certs.empty();
}

std::string raw_dn(gnutls_x509_crt_t c, bool issuer) {
  gnutls_datum_t dn{};
  int rc = issuer ? gnutls_x509_crt_get_raw_issuer_dn(c, &dn) : gnutls_x509_crt_get_raw_dn(c, &dn);
  if (rc != 0) return {};
  std::string s(reinterpret_cast<const char*>(dn.data), dn.size);
  gnutls_free(dn.data);
  return s;
}

// Adds to list the bundle's CAs whose subject is one of the issuers, parsing
// one PEM block at a time. Returns how many were added.
unsigned add_issuers(gnutls_x509_trust_list_t list, const std::string& pem,
                     const std::vector<std::string>& issuers) {
  unsigned added = 0;
  for (std::size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at)) {
    std::size_t end = pem.find(kEnd, at);
    if (end == std::string::npos) break;
    end += kEnd.size();
    gnutls_datum_t block{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data() + at)),
                         static_cast<unsigned>(end - at)};
    at = end;
    gnutls_x509_crt_t ca;
    if (gnutls_x509_crt_init(&ca) != 0) continue;
    bool wanted = gnutls_x509_crt_import(ca, &block, GNUTLS_X509_FMT_PEM) == 0 &&
                  std::find(issuers.begin(), issuers.end(), raw_dn(ca, false)) != issuers.end();
    // The list owns what it takes, even when it turns out a duplicate.
    if (wanted && gnutls_x509_trust_list_add_cas(list, &ca, 1, 0) == 1) {
      ++added;
    } else if (!wanted) {
      gnutls_x509_crt_deinit(ca);
    }
  }
  return added;
}

}  // namespace

std::string system_ca_bundle() {
  const char* env = std::getenv("SSL_CERT_FILE");
  std::string path = env && *env ? env : kDebianBundle;
  return ::access(path.c_str(), R_OK) == 0 ? path : std::string();
}

unsigned verify_with_bundle(gnutls_session_t session, const std::string& bundle,
                            const std::string& host) {
  Chain chain;
  if (!import_peer_chain(session, chain)) return GNUTLS_CERT_INVALID;
  std::vector<std::string> issuers;
  for (auto c : chain.certs) issuers.push_back(raw_dn(c, true));
  std::ifstream in(bundle, std::ios::binary);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  gnutls_x509_trust_list_t list;
  if (gnutls_x509_trust_list_init(&list, 0) != 0) return GNUTLS_CERT_INVALID;
  add_issuers(list, pem, issuers);
  pem = std::string();  // the bundle's text is not kept through the handshake
  gnutls_typed_vdata_st data[2] = {
      {GNUTLS_DT_DNS_HOSTNAME, reinterpret_cast<unsigned char*>(const_cast<char*>(host.c_str())),
       0},
      {GNUTLS_DT_KEY_PURPOSE_OID,
       reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_SERVER)), 0},
  };
  unsigned status = 0;
  int rc = gnutls_x509_trust_list_verify_crt2(list, chain.certs.data(),
                                              static_cast<unsigned>(chain.certs.size()), data, 2, 0,
                                              &status, nullptr);
  gnutls_x509_trust_list_deinit(list, 1);
  return rc == 0 ? status : (status | GNUTLS_CERT_INVALID);
}

}  // namespace sluice::h3
