// The TLS module's entry point (see core/net/tls.hpp): the only symbol
// sluice-tls.so exports.
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/net/tls.hpp"
#include "core/tls/pinned_key.hpp"
#include "core/tls/tls.hpp"

namespace sluice::tls {

namespace {

class ModuleImpl final : public Module {
 public:
  std::string version() const override {
    return fmt::format("OpenSSL/{}", OpenSSL_version(OPENSSL_VERSION_STRING));
  }

  Result<std::shared_ptr<TlsContext>> client(const TlsClientConfig& cfg) override {
    auto c = OpensslContext::make_client(cfg);
    if (!c) return std::unexpected(c.error());
    return std::shared_ptr<TlsContext>(std::move(*c));
  }

  Result<std::shared_ptr<TlsContext>> server(const TlsServerConfig& cfg) override {
    auto c = OpensslContext::make_server(cfg);
    if (!c) return std::unexpected(c.error());
    return std::shared_ptr<TlsContext>(std::move(*c));
  }

  Result<std::vector<std::string>> parse_pins(std::string_view arg) override {
    return sluice::parse_pins(arg);
  }

  std::string sha256_hex(std::string_view data) override { return hex_of(EVP_sha256(), data); }

  std::optional<std::string> digest_hex(std::string_view algorithm,
                                        std::string_view data) override {
    const EVP_MD* md = algorithm == "MD5"           ? EVP_md5()
                       : algorithm == "SHA-256"     ? EVP_sha256()
                       : algorithm == "SHA-512-256" ? EVP_sha512_256()
                                                    : nullptr;
    if (!md) return std::nullopt;
    return hex_of(md, data);
  }

 private:
  static std::string hex_of(const EVP_MD* type, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, type, nullptr);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
  }
};

}  // namespace

}  // namespace sluice::tls

extern "C" __attribute__((visibility("default"))) void* sluice_tls_module(int abi_version) {
  if (abi_version != sluice::tls::kAbiVersion) return nullptr;
  static sluice::tls::ModuleImpl module;
  return static_cast<sluice::tls::Module*>(&module);
}
