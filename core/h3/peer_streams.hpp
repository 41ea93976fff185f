// The peer's unidirectional streams (RFC 9114 6.2, RFC 9204 4.2), as the
// server reads the client's or the client the server's: its control stream
// (SETTINGS first, then GOAWAY, MAX_PUSH_ID from a client, CANCEL_PUSH and
// unknown frames), and its QPACK encoder and decoder streams, which, with
// our table at capacity 0, may carry only a capacity of 0 and stream
// cancellations. Push streams are an error (a client's; a server's, as we
// allow no push); other types are dropped unread (the caller stops reading
// them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/h3/h3_frame.hpp"

namespace sluice::h3 {

class PeerStreams {
 public:
  // peer_is_server: the client's view (the server's streams).
  explicit PeerStreams(bool peer_is_server = false) : peer_is_server_(peer_is_server) {}

  struct Verdict {
    uint64_t error = 0;  // an H3 error code for the connection; 0: all is well
    std::string_view what;
    bool stop_reading = false;  // a stream type we do not know: stop reading it
  };
  Verdict receive(int64_t id, std::span<const uint8_t> data, bool fin);
  Verdict reset(int64_t id);  // the client reset one of them
  void forget(int64_t id);    // it closed (a type we do not read)
  // The last GOAWAY's ID: a server's names the first request stream it did
  // not take.
  std::optional<uint64_t> goaway_id() const { return goaway_id_; }

 private:
  static constexpr uint64_t kTypeUnknownYet = UINT64_MAX;  // Uni::type
  static constexpr uint64_t kSkipped = UINT64_MAX;         // Uni::frame_type
  static constexpr std::size_t kMaxSettings = 4096;        // SETTINGS payload we gather
  struct Uni {
    int64_t id = 0;
    uint64_t type = kTypeUnknownYet;
    uint8_t type_bytes[8]{};
    std::size_t type_len = 0;
    // control stream
    FrameHeader frame;
    bool in_payload = false, settings_seen = false;
    uint64_t frame_type = 0, remaining = 0;
    std::string payload;
    // decoder stream: inside an integer's continuation bytes
    bool continuing = false;
  };
  Uni& find(int64_t id);
  Verdict stream_type(Uni& u, std::span<const uint8_t>& data);
  Verdict control(Uni& u, std::span<const uint8_t> data);
  Verdict frame_begins(Uni& u);
  Verdict frame_ends(Uni& u);
  static Verdict settings(std::string_view payload);
  static Verdict encoder(std::span<const uint8_t> data);
  Verdict decoder(Uni& u, std::span<const uint8_t> data);
  static bool critical(uint64_t type);

  std::vector<Uni> streams_;  // at most the three the transport allows
  // The client's last MAX_PUSH_ID and GOAWAY: the first may only grow, the
  // second only shrink (RFC 9114 7.2.7, 5.2).
  std::optional<uint64_t> max_push_id_, goaway_id_;
  bool have_control_ = false, have_encoder_ = false, have_decoder_ = false;
  bool peer_is_server_;
};

}  // namespace sluice::h3
