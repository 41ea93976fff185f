// Request methods: which ones sluice knows, and which ones a resource answers.
//
// Known are RFC 9110's eight and PATCH (RFC 5789); any other method is 501.
// A resource answers the methods of its Allow list, OPTIONS always among them
// (200, the list in Allow, no body); another known method is 405 with the same
// Allow. TRACE is in no list (nginx refuses it too): a request reflected
// whole, cookies and all, to a page's script is all it would add.
#pragma once

#include <memory>
#include <string_view>

#include "core/serve/exchange.hpp"

namespace sluice::serve {

// What static files answer.
inline constexpr std::string_view kFileMethods = "GET, HEAD, OPTIONS";
// Every method the server implements somewhere: what the synthetic endpoints
// answer (a body they do not use is read and dropped), what `OPTIONS *` lists,
// and the Allow of the 405 to CONNECT.
inline constexpr std::string_view kAllMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

bool is_known_method(std::string_view method);

// True when the Allow list `allow` ("GET, HEAD, OPTIONS") names method.
bool allows(std::string_view allow, std::string_view method);

// 200, Allow: allow, Content-Length: 0 -- the answer to OPTIONS.
std::unique_ptr<Endpoint> options_response(std::string_view allow);

// For a resource that answers `allow`: the response to OPTIONS, a 405 for a
// method outside the list, else nullptr (the resource answers the request).
std::unique_ptr<Endpoint> answer_method(std::string_view method, std::string_view allow);

}  // namespace sluice::serve
