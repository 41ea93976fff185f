#include "core/http/h3_module.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>

namespace sluice::h3 {

namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Result<Module*> unavailable(const std::string& why) {
  return fail(Errc::h3_unavailable, "HTTP/3 support not available: " + why);
}

Result<Module*> open_module() {
  std::string path = module_path();
  // RTLD_LOCAL: the module's copies of the core code and of GnuTLS & co.
  // never interpose on the binary's own symbols.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return unavailable(::dlerror());
  auto entry = reinterpret_cast<EntryFn>(::dlsym(handle, kEntrySymbol));
  if (!entry) return unavailable(fmt::format("{} has no {}", path, kEntrySymbol));
  Module* m = entry(kAbiVersion);
  if (!m) return unavailable(fmt::format("{} was built for another version of sluice", path));
  return m;  // never dlclose'd: the module lives as long as the process
}

}  // namespace

std::string module_path() {
  if (const char* env = std::getenv("SLUICE_H3_MODULE"); env && *env) return env;
  std::string dir = executable_dir();
  std::string beside = dir + "/" + kModuleFile;
  if (::access(beside.c_str(), F_OK) == 0) return beside;
  std::string installed = dir + "/../lib/sluice/" + kModuleFile;
  if (::access(installed.c_str(), F_OK) == 0) return installed;
  return beside;  // the error then names where it was expected
}

Result<Module*> load_module() {
  static std::once_flag once;
  static Result<Module*> loaded = unavailable("not loaded");
  std::call_once(once, [] { loaded = open_module(); });
  return loaded;
}

}  // namespace sluice::h3
