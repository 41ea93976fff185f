#include "core/serve/methods.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "core/serve/fixed_response.hpp"

namespace sluice::serve {

bool is_known_method(std::string_view method) {
  // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return std::find(kKnown.begin(), kKnown.end(), method) != kKnown.end();
}

bool allows(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    auto comma = allow.find(", ");
    if (allow.substr(0, comma) == method) return true;
    allow = comma == std::string_view::npos ? std::string_view() : allow.substr(comma + 2);
  }
  return false;
}

std::unique_ptr<Endpoint> options_response(std::string_view allow) {
  Headers h;
  h.add("Allow", std::string(allow));
  return std::make_unique<FixedResponse>(200, std::move(h), "");
}

std::unique_ptr<Endpoint> answer_method(std::string_view method, std::string_view allow) {
  if (method == "OPTIONS") return options_response(allow);
  if (allows(allow, method)) return nullptr;
  Headers h;
  h.add("Allow", std::string(allow));
  return error_response(405, std::move(h));
}

}  // namespace sluice::serve
