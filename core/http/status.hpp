// The reason phrase of an HTTP status code, for h1 status lines and the
// servers' plain-text error bodies ("413 Content Too Large").
#pragma once

#include <string>
#include <string_view>

namespace sluice {

std::string_view reason_phrase(int status);  // "Status" for codes it does not know

// The plain-text body the servers answer a bare status with
// ("413 Content Too Large\n"), and its Content-Type.
std::string status_body(int status);
inline constexpr std::string_view kPlainTextType = "text/plain; charset=utf-8";

}  // namespace sluice
