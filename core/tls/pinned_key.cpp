#include "core/tls/pinned_key.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "core/util/base64.hpp"

namespace sluice {

namespace {

std::string pin_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(der, static_cast<std::size_t>(n), digest, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return base64_encode({reinterpret_cast<char*>(digest), len});
}

// A public key file, PEM or DER.
Result<std::string> file_pin(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return fail(Errc::bad_argument, fmt::format("--pinnedpubkey: cannot read {}", path));
  EVP_PKEY* key = PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr);
  if (!key) {
    std::rewind(f.get());
    key = d2i_PUBKEY_fp(f.get(), nullptr);
  }
  if (!key)
    return fail(Errc::bad_argument, fmt::format("--pinnedpubkey: {} holds no public key", path));
  std::string pin = pin_of(key);
  EVP_PKEY_free(key);
  return pin;
}

}  // namespace

Result<std::vector<std::string>> parse_pins(std::string_view arg) {
  if (!arg.starts_with("sha256//")) {
    auto pin = file_pin(std::string(arg));
    if (!pin) return std::unexpected(pin.error());
    return std::vector<std::string>{*pin};
  }
  std::vector<std::string> pins;
  while (!arg.empty()) {
    auto semi = arg.find(';');
    std::string_view item = arg.substr(0, semi);
    arg = semi == std::string_view::npos ? std::string_view{} : arg.substr(semi + 1);
    if (!item.starts_with("sha256//") || item.size() == 8)
      return fail(Errc::bad_argument,
                  fmt::format("--pinnedpubkey: '{}' is not sha256//BASE64", item));
    pins.emplace_back(item.substr(8));
  }
  return pins;
}

std::string peer_key_pin(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string pin = pin_of(X509_get0_pubkey(cert));
  X509_free(cert);
  return pin;
}

}  // namespace sluice
