// What the multiplexed client sessions (h2 and h3) share about a stream's
// header sections: the request's fields as they go on the wire, its -v
// trace, and what a complete response header section means.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http/message.hpp"

namespace sluice {

// A request's fields for h2/h3: the four pseudo-headers first (:method,
// :scheme, :authority, :path), then the user's fields with lower-cased names
// and hop-by-hop ones dropped, then content-length for a body. The views
// point into req and into this object, which must outlive their use.
class RequestFields {
 public:
  explicit RequestFields(const Request& req);
  RequestFields(const RequestFields&) = delete;
  RequestFields& operator=(const RequestFields&) = delete;

  const std::vector<std::pair<std::string_view, std::string_view>>& list() const { return list_; }
  // "GET /path HTTP/3\r\n:authority: ...\r\n..." as -v prints a request head.
  std::string trace_text(std::string_view version) const;

  // As nghttp2_nv (name, value, namelen, valuelen, flags).
  template <class Nv>
  std::vector<Nv> as(decltype(Nv{}.flags) flags) const {
    std::vector<Nv> nv;
    nv.reserve(list_.size());
    for (const auto& [n, v] : list_)
      nv.push_back(Nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                      flags});
    return nv;
  }

 private:
  std::string authority_, length_;
  std::vector<std::string> names_;  // lower-cased
  std::vector<std::pair<std::string_view, std::string_view>> list_;
  std::string_view method_, target_;
};

// One field of a response head or of its trailers (:status aside), as an h2
// or h3 session receives it: counted in header_bytes, and kept for the sink,
// or, for a sink that wants no fields (wants_fields()), only its
// Content-Length read (the h2 session's read wake-ups need it).
void take_response_field(Response& resp, bool head_done, bool keep_fields, std::string_view name,
                         std::string_view value);

// A stream's header section is complete: trailers (after the final head),
// an informational (1xx) head, or the final head, whose Content-Length it
// reads. Tells the sink (nullptr: a cancelled stream) and updates head_done.
void complete_header_section(Response& resp, bool& head_done, ResponseSink* sink);

}  // namespace sluice
