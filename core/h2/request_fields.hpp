// What makes an HTTP/2 request's fields malformed (RFC 9113 8.2 and 8.3),
// checked field by field as the header block is decoded. A malformed
// request is a stream error of type PROTOCOL_ERROR (8.1.1).
#pragma once

#include <string_view>

#include "core/http/request_head.hpp"

namespace sluice::h2 {

// What a field is, as the check found it, so the caller need not compare its
// name again.
enum class FieldKind { malformed, method, scheme, path, authority, content_length, regular };

// What a field's source guarantees: its name, or its value, is valid.
struct Vouched {
  bool name = false, value = false;
};

class RequestFieldCheck {
 public:
  // trailers: a trailer section (no pseudo-header fields at all).
  void reset(bool trailers = false);
  // malformed: the request is malformed. A name or value the caller vouches
  // for (one from a decoder's static table) is not checked again.
  FieldKind field(std::string_view name, std::string_view value, Vouched vouched = {});
  // After the last field: the pseudo-header fields the method needs are there.
  bool complete() const;

 private:
  enum Pseudo : unsigned { kMethod = 1, kScheme = 2, kPath = 4, kAuthority = 8 };
  FieldKind pseudo(std::string_view name, std::string_view value);

  unsigned seen_ = 0;
  bool regular_ = false;  // a regular field came: no pseudo-header may follow
  bool trailers_ = false;
  bool connect_ = false, options_ = false;
  bool asterisk_ = false;  // :path is "*"
  bool slash_ = false;     // :path starts with '/'
  bool content_length_ = false;
};

// Adds a checked field to a request head: :method and :path become the
// method and target, :authority the Host header, content-length also the
// head's length, an Expect: 100-continue its flag. HTTP/3 requests (RFC
// 9114 4.3) use the same rules.
void add_request_field(RequestHead& h, FieldKind kind, std::string_view name,
                       std::string_view value);

// Field names: lower-case tokens (8.2.1), optionally after one ':'.
bool valid_field_name(std::string_view name);
// Field values: no NUL, CR or LF, and no white space at either end (8.2.1).
bool valid_field_value(std::string_view value);
// A NUL, CR or LF anywhere in s (what no field value may hold).
bool has_nul_cr_lf(std::string_view s);

}  // namespace sluice::h2
