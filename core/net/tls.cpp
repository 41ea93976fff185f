#include "core/net/tls.hpp"

#include "core/util/module_loader.hpp"

namespace sluice {

namespace tls {

namespace {
constexpr ModuleFile kFile{kModuleFile, "SLUICE_TLS_MODULE",   kEntrySymbol,
                           kAbiVersion, Errc::tls_unavailable, "TLS"};
}  // namespace

std::string module_path() {
  return sluice::module_path(kFile.file, kFile.env_var);
}

Result<Module*> load_module() {
  return load_module_once<Module>(kFile);
}

}  // namespace tls

Result<std::shared_ptr<TlsContext>> TlsContext::client(const TlsClientConfig& cfg) {
  auto m = tls::load_module();
  if (!m) return std::unexpected(m.error());
  return (*m)->client(cfg);
}

Result<std::shared_ptr<TlsContext>> TlsContext::server(const TlsServerConfig& cfg) {
  auto m = tls::load_module();
  if (!m) return std::unexpected(m.error());
  return (*m)->server(cfg);
}

}  // namespace sluice
