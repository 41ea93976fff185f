#include "core/util/module_loader.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace sluice {

namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::string module_path(const std::string& file, const char* env_var) {
  if (const char* env = std::getenv(env_var); env && *env) return env;
  std::string dir = executable_dir();
  std::string beside = dir + "/" + file;
  if (::access(beside.c_str(), F_OK) == 0) return beside;
  std::string installed = dir + "/../lib/sluice/" + file;
  if (::access(installed.c_str(), F_OK) == 0) return installed;
  return beside;  // the error then names where it was expected
}

Result<void*> open_module(const std::string& path, const char* entry_symbol, int abi_version,
                          Errc code) {
  // RTLD_LOCAL: the module's copies of the core code and of its libraries
  // never interpose on the binary's own symbols.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return fail(code, ::dlerror());
  using Entry = void* (*)(int);
  auto entry = reinterpret_cast<Entry>(::dlsym(handle, entry_symbol));
  if (!entry) return fail(code, fmt::format("{} has no {}", path, entry_symbol));
  void* module = entry(abi_version);
  if (!module) return fail(code, fmt::format("{} was built for another version of sluice", path));
  return module;
}

}  // namespace sluice
