// The reason phrase of an HTTP status code, for h1 status lines and the
// servers' plain-text error bodies ("413 Content Too Large").
#pragma once

#include <string_view>

namespace sluice {

std::string_view reason_phrase(int status);  // "Status" for codes it does not know

}  // namespace sluice
