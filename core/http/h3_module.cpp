#include "core/http/h3_module.hpp"

#include "core/util/module_loader.hpp"

namespace sluice::h3 {

namespace {
constexpr ModuleFile kFile{kModuleFile, "SLUICE_H3_MODULE",   kEntrySymbol,
                           kAbiVersion, Errc::h3_unavailable, "HTTP/3"};
}  // namespace

std::string module_path() {
  return sluice::module_path(kFile.file, kFile.env_var);
}

Result<Module*> load_module() {
  return load_module_once<Module>(kFile);
}

}  // namespace sluice::h3
