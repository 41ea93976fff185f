// /upload: takes a request body of any size and answers, once it has all of
// it, what arrived: {"bytes":N,"crc32":"8 hex digits"} (zlib's CRC-32, as
// Python's zlib.crc32 and `gzip -l` compute it). Nothing is kept but the
// count and the running checksum, so uploads of any size can be checked and
// timed without the echo coming back (tests and bench-scripts/upload.sh).
#pragma once

#include <memory>

#include "core/serve/exchange.hpp"

namespace sluice::serve {

std::unique_ptr<Endpoint> upload_sink();

}  // namespace sluice::serve
