// The HTTP/3 module's entry point (see core/http/h3_module.hpp): the only
// symbol sluice-h3.so exports.
#include <fmt/format.h>
#include <gnutls/gnutls.h>
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>

#include "core/http/h3_module.hpp"

namespace sluice::h3 {

namespace {

class ModuleImpl final : public Module {
 public:
  std::string versions() const override {
    return fmt::format("ngtcp2/{} nghttp3/{} GnuTLS/{}", ngtcp2_version(0)->version_str,
                       nghttp3_version(0)->version_str, gnutls_check_version(nullptr));
  }
};

}  // namespace

}  // namespace sluice::h3

extern "C" __attribute__((visibility("default"))) sluice::h3::Module* sluice_h3_module(
    int abi_version) {
  if (abi_version != sluice::h3::kAbiVersion) return nullptr;
  static sluice::h3::ModuleImpl module;
  return &module;
}
