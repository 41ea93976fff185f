// TLS over TCP as the rest of sluice sees it: a context made from a client or
// a server configuration, and the Transports it makes of connected sockets.
//
// The code behind it (OpenSSL, core/tls/) lives in a module, sluice-tls.so,
// that the binary loads on the first TLS use (core/util/module_loader), as it
// loads the HTTP/3 module: mapping and relocating libssl and libcrypto costs
// about 1.7 MiB of RSS, which a plain http:// fetch or an HTTP/3 one (whose
// TLS is GnuTLS, in sluice-h3.so) must not pay. Host and module come from one
// build, so they share the class layouts; kAbiVersion guards against a stale
// module.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/net/transport.hpp"

namespace sluice {

enum class TlsVersion { any, v1_2, v1_3 };

struct TlsClientConfig {
  bool verify = true;                        // -k turns it off
  std::string ca_file;                       // --cacert; empty: system store by directory
  std::string ca_path;                       // --capath: a hashed directory instead of the system's
  TlsVersion min_version = TlsVersion::any;  // --tlsv1.x; any: 1.2
  TlsVersion max_version = TlsVersion::any;  // --tls-max; any: the library's newest
  std::string cert_file, key_file, key_password;  // --cert FILE[:PASSWORD], --key
  std::vector<std::string> pins;                  // --pinnedpubkey: base64 SHA-256 digests
  std::vector<std::string> alpn{"http/1.1"};
};

struct TlsServerConfig {
  std::string cert_file, key_file;  // empty: generate a self-signed certificate
  std::vector<std::string> alpn{"http/1.1"};
};

// One TLS configuration, shared by the connections made with it.
class TlsContext {
 public:
  // Both load the TLS module first; its failure is Errc::tls_unavailable.
  static Result<std::shared_ptr<TlsContext>> client(const TlsClientConfig& cfg);
  static Result<std::shared_ptr<TlsContext>> server(const TlsServerConfig& cfg);
  virtual ~TlsContext() = default;

  // A client transport over fd; host is used for SNI and verification.
  virtual Result<std::unique_ptr<Transport>> connect(Fd fd, const std::string& host) = 0;
  // A server transport over an accepted fd.
  virtual Result<std::unique_ptr<Transport>> accept(Fd fd) = 0;
  // SHA-256 fingerprint of the server certificate ("AB:CD:..."), server side only.
  virtual const std::string& fingerprint() const = 0;
  // The server certificate chain and private key as PEM, for the TLS inside
  // QUIC (GnuTLS, in the HTTP/3 module), which must present the same ones.
  virtual Result<std::pair<std::string, std::string>> server_pem() const = 0;
};

namespace tls {

inline constexpr int kAbiVersion = 4;
inline constexpr const char* kEntrySymbol = "sluice_tls_module";
inline constexpr const char* kModuleFile = "sluice-tls.so";

// What the module offers the host. Its entry point, kEntrySymbol, is
// `void* (int abi_version)`: the Module*, or nullptr for another ABI.
class Module {
 public:
  virtual ~Module() = default;
  virtual std::string version() const = 0;  // "OpenSSL/3.0.17"
  virtual Result<std::shared_ptr<TlsContext>> client(const TlsClientConfig& cfg) = 0;
  virtual Result<std::shared_ptr<TlsContext>> server(const TlsServerConfig& cfg) = 0;
  // --pinnedpubkey's argument: each pin as the base64 of a SHA-256 digest.
  virtual Result<std::vector<std::string>> parse_pins(std::string_view arg) = 0;
  virtual std::string sha256_hex(std::string_view data) = 0;
  // HTTP Digest's hashes (RFC 7616): "MD5", "SHA-256" or "SHA-512-256", as
  // lower-case hex; nullopt for another name.
  virtual std::optional<std::string> digest_hex(std::string_view algorithm,
                                                std::string_view data) = 0;
};

// $SLUICE_TLS_MODULE when set, else beside the binary, else ../lib/sluice/.
std::string module_path();

// Loads the module on first call (thread-safe) and returns the same result
// on every later one. The error reads "TLS support not available: <why>".
Result<Module*> load_module();

}  // namespace tls

}  // namespace sluice
