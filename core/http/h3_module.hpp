// The HTTP/3 module seam. QUIC (ngtcp2), HTTP/3 (nghttp3) and the TLS inside
// QUIC (GnuTLS) live in a module, sluice-h3.so, that the binary loads with
// dlopen(3) on the first use of HTTP/3: mapping and relocating GnuTLS and its
// dependencies costs about 3 MiB of RSS, which an h1/h2 run must not pay
// (DESIGN.md). The module is built from core/h3/ with its own copy of the
// core code it uses and exports one C symbol, kEntrySymbol, that hands back
// the Module interface below. Host and module come from one build, so they
// share the class layouts; kAbiVersion guards against a stale module.
#pragma once

#include <string>

#include "core/util/error.hpp"

namespace sluice::h3 {

inline constexpr int kAbiVersion = 1;
inline constexpr const char* kEntrySymbol = "sluice_h3_module";
inline constexpr const char* kModuleFile = "sluice-h3.so";

// What the module offers the host. Grows with HTTP/3 support (issue 15).
class Module {
 public:
  virtual ~Module() = default;
  // The libraries the module runs on: "ngtcp2/1.11.0 nghttp3/1.8.0 GnuTLS/3.7.9".
  virtual std::string versions() const = 0;
};

// The entry point's type: nullptr when the module was built for another ABI.
using EntryFn = Module* (*)(int abi_version);

// Where the module is looked for: $SLUICE_H3_MODULE when set, else beside the
// running binary, else ../lib/sluice/ next to it (an installed layout).
std::string module_path();

// Loads the module on first call (thread-safe) and returns the same result
// on every later one. The error reads "HTTP/3 support not available: <why>".
Result<Module*> load_module();

}  // namespace sluice::h3
