// Content-Type from a file name's extension.
#pragma once

#include <string_view>

namespace sluice::serve {

// "application/octet-stream" when the extension is unknown; text types carry
// "; charset=utf-8".
std::string_view content_type_for(std::string_view path);

}  // namespace sluice::serve
