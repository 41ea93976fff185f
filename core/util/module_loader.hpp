// Loading an optional part of sluice that lives in its own shared object
// (sluice-h3.so, sluice-tls.so) with dlopen(3) on first use, so that runs
// which never need it never map its libraries (DESIGN.md: the RSS a fetch
// pays is what it uses). Each module exports one C entry point that takes
// the host's ABI version and hands back a C++ interface, or nullptr when it
// was built for another version.
#pragma once

#include <mutex>
#include <string>

#include "core/util/error.hpp"

namespace sluice {

// Where module `file` is looked for: $env_var when set, else beside the
// running binary, else ../lib/sluice/ next to it (an installed layout).
std::string module_path(const std::string& file, const char* env_var);

// dlopen(RTLD_NOW | RTLD_LOCAL)s path and calls its entry symbol with
// abi_version. Never dlclose'd: a module lives as long as the process. The
// error (code `code`) is what went wrong, without a prefix.
Result<void*> open_module(const std::string& path, const char* entry_symbol, int abi_version,
                          Errc code);

// What a module's load_module() is: Module's module loaded on the first call
// (thread-safe), the same result on every later one; a failure reads
// "<what> support not available: <why>".
struct ModuleFile {
  const char* file;          // "sluice-tls.so"
  const char* env_var;       // "SLUICE_TLS_MODULE"
  const char* entry_symbol;  // "sluice_tls_module"
  int abi_version;
  Errc code;         // of a failure
  const char* what;  // "TLS"
};

template <class Module>
Result<Module*> load_module_once(const ModuleFile& m) {
  static std::once_flag once;
  static Result<Module*> loaded = nullptr;
  std::call_once(once, [&m] {
    auto r = open_module(module_path(m.file, m.env_var), m.entry_symbol, m.abi_version, m.code);
    if (r)
      loaded = static_cast<Module*>(*r);
    else
      loaded = fail(m.code, std::string(m.what) + " support not available: " + r.error().message);
  });
  return loaded;
}

}  // namespace sluice
