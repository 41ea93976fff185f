// What the module-seam tests (h3_module_test, tls_module_test) look at: the
// libraries an ELF file links, and those a running fetch has mapped.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support.hpp"

namespace e2e {

inline std::string beside_binary(const std::string& file) {
  std::string bin = sluice_bin();
  return bin.substr(0, bin.rfind('/')) + "/" + file;
}

inline std::string needed_libs(const std::string& elf) {
  auto r = sh("readelf -d " + elf + " | grep NEEDED");
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// The maps of a running `sluice get` that has received body bytes: by then it
// has loaded all it ever will for that URL (TLS included).
inline std::string maps_during_fetch(const std::string& url, const std::string& flags) {
  auto size = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
  };
  std::string out = tmpdir() + "/maps-fetch.out";
  ::unlink(out.c_str());
  Process p(std::string(sluice_bin()) + " get -s " + flags + " -o " + out + " '" + url + "'");
  for (int i = 0; i < 1000 && size(out) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(size(out) > 0);
  std::string maps = slurp("/proc/" + std::to_string(p.pid()) + "/maps");
  CHECK(p.wait(30) == 0);
  return maps;
}

}  // namespace e2e
