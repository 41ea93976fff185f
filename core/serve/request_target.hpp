// Request-target handling: path/query split, percent-decoding, and the path
// normalisation that keeps static files inside --root.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/util/percent.hpp"

namespace sluice::serve {

struct RequestTarget {
  std::string_view path;   // raw, still percent-encoded: "/a%20b"
  std::string_view query;  // after '?', without it
};

// Origin-form ("/p?q") and absolute-form ("http://host/p?q"), without any
// "#fragment"; nullopt for anything else ("*", authority-form).
std::optional<RequestTarget> split_target(std::string_view target);

using sluice::percent_decode;  // core/util/percent.hpp

// Decoded path -> path relative to the root, "." and ".." resolved, empty
// segments dropped: "/a/./b/../c/" -> "a/c". nullopt when ".." would climb
// above the root or the path holds a NUL.
std::optional<std::string> normalize_path(std::string_view decoded);

// The same, absolute: "/a/./b/../c/" -> "/a/c", "/" for the root. The router
// keeps this one string and views the relative path inside it.
std::optional<std::string> normalize_absolute_path(std::string_view decoded);

// A raw path that percent-decoding and normalize_absolute_path would leave as
// it is: no '%', no NUL, no empty or dot-led segment, no trailing slash
// ("/" aside). Most request paths are; the router then copies nothing.
bool is_normal_path(std::string_view raw);

// A decoded path, percent-encoded again for a Location header: unreserved
// characters, sub-delims, ':', '@' and '/' stay, everything else is %XX.
std::string percent_encode_path(std::string_view decoded);

// Value of name in "a=1&b=2" (first match, not decoded); nullopt if absent.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

// Whole-string unsigned decimal; nullopt on anything else or overflow.
std::optional<uint64_t> parse_u64(std::string_view s);

// True when path is base itself or inside it ("base/..."): both absolute, canonical.
bool path_within(std::string_view path, std::string_view base);

}  // namespace sluice::serve
