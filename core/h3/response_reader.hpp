// The response side of one HTTP/3 request stream, for the client (RFC 9114
// 4.1): interim heads, the final head, DATA, trailers, and frames of unknown
// types (skipped), read from bytes that may come split anywhere. Field
// sections are QPACK-decoded on the static table only (our SETTINGS allow
// no dynamic table) and checked as RFC 9114 4.3 asks of a response.
//
// What breaks the rules is a fault: of the connection (a frame where it may
// not be, a frame cut by the stream's end, an undecodable field section) or
// of this stream alone (a malformed response, a body longer or shorter than
// its Content-Length); the caller closes or resets with fault().code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/h3/h3_frame.hpp"
#include "core/h3/qpack.hpp"
#include "core/http/section_memo.hpp"

namespace sluice::h3 {

// A head as the reader took it from a field section: what a connection's
// ResponseMemo keeps for the same bytes again (the static table only: a
// section means its bytes alone).
struct TakenHead {
  int status = 0;
  std::optional<uint64_t> content_length;
  std::vector<std::pair<std::string, std::string>> fields;
};
using ResponseMemo = SectionMemo<TakenHead>;

class ResponseReader {
 public:
  // A HEADERS frame we gather: response heads are larger than requests
  // (cookies, policies), curl takes 300 KB of them.
  static constexpr std::size_t kMaxHeadersFrame = 256 * 1024;

  // What the reader hands on, in stream order.
  class Handler {
   public:
    // A field of a head or of the trailers (no pseudo-fields: the status
    // comes with on_section).
    virtual void on_field(std::string_view name, std::string_view value) = 0;
    // A field section is whole: an interim (1xx) or the final head with its
    // status, or the trailers (status 0).
    virtual void on_section(int status) = 0;
    virtual void on_data(std::span<const uint8_t> bytes) = 0;

   protected:
    ~Handler() = default;
  };

  struct Fault {
    uint64_t code = 0;  // an H3 error code; 0: none
    bool connection = false;
    std::string_view what;
  };

  // A new response: all as new. head_request: no body follows a final head,
  // whatever its Content-Length says.
  void start(bool head_request);

  // In-order stream bytes. Returns how many are consumed at once: all but
  // DATA payloads, which the caller credits as its consumer takes them.
  // memo: the connection's, shared by its streams; a head whose bytes it
  // holds is handed on from there, not decoded again.
  std::size_t receive(std::span<const uint8_t> data, bool fin, qpack::Decoder& dec, Handler& h,
                      ResponseMemo* memo = nullptr);

  const Fault& fault() const { return fault_; }
  // The stream ended after a final head, with all of its body.
  bool complete() const { return ended_ && rx_ != Rx::head && !fault_.code; }

 private:
  enum class Rx { head, body, trailers, discard };

  bool frame_start(uint64_t type, uint64_t length);
  void section_done(std::string_view section, qpack::Decoder& dec, Handler& h, ResponseMemo* memo);
  bool decode(std::string_view section, qpack::Decoder& dec, bool trailers, Handler& h,
              TakenHead* taken);
  void replay(const TakenHead& head, Handler& h);
  bool field(const qpack::Field& f, bool trailers, Handler& h);
  void body(std::span<const uint8_t> bytes, Handler& h);
  void stream_end();
  bool body_ends();
  void fail(uint64_t code, bool connection, std::string_view what);

  Rx rx_ = Rx::head;
  FrameCursor frame_;
  bool ended_ = false, head_request_ = false;
  FieldSection section_;
  int status_ = 0;
  bool regular_seen_ = false;  // in the current section
  std::optional<uint64_t> content_length_;
  uint64_t body_bytes_ = 0;
  Fault fault_;
  TakenHead taken_;  // a head being gathered for the memo
};

}  // namespace sluice::h3
