// --trace, --trace-ascii and --trace-time: curl's trace of a transfer, every
// event a block ("== Info: ...", "=> Send header, N bytes (0xN)" and the
// bytes as hex and text, or as text alone), written as it happens.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/util/error.hpp"

namespace sluice::cli {

enum class TraceStyle { hex, ascii };  // --trace, --trace-ascii

// --trace-time's "HH:MM:SS.uuuuuu " (local time), for traces and -v alike.
std::string time_of_day_stamp();

// One block as curl's dump() writes it: the label line, then 16 bytes per
// line as hex and text (hex) or 64 characters per line, a new line after each
// CRLF (ascii); bytes outside printable ASCII are '.'.
std::string trace_block(std::string_view label, std::span<const char> bytes, TraceStyle style);

class TraceWriter {
 public:
  // path: a file (truncated), "-" for stdout or "%" for stderr, as in curl.
  static Result<std::unique_ptr<TraceWriter>> open(const std::string& path, TraceStyle style,
                                                   bool with_time);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // -v's events: '*' information, '>' a request head, '<' a response head
  // (one block per header line, as curl reports them).
  void event(char kind, std::string_view text);
  // Body bytes: '>' sent, '<' received.
  void data(char kind, std::span<const char> bytes);

 private:
  TraceWriter(int fd, bool owned, TraceStyle style, bool with_time)
      : fd_(fd), owned_(owned), style_(style), with_time_(with_time) {}
  void block(std::string_view label, std::span<const char> bytes);
  void put(std::string_view text);
  std::string stamp() const { return with_time_ ? time_of_day_stamp() : ""; }

  int fd_;
  bool owned_;
  TraceStyle style_;
  bool with_time_;
};

}  // namespace sluice::cli
