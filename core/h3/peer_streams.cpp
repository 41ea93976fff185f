#include "core/h3/peer_streams.hpp"

#include <algorithm>

namespace sluice::h3 {

namespace {

using Verdict = PeerStreams::Verdict;

Verdict error(uint64_t code, std::string_view what) {
  return {code, what, false};
}

}  // namespace

bool PeerStreams::critical(uint64_t type) {
  return type == uni_type::kControl || type == uni_type::kQpackEncoder ||
         type == uni_type::kQpackDecoder;
}

PeerStreams::Uni& PeerStreams::find(int64_t id) {
  auto it =
      std::find_if(streams_.begin(), streams_.end(), [id](const Uni& u) { return u.id == id; });
  if (it != streams_.end()) return *it;
  streams_.push_back(Uni{});
  streams_.back().id = id;
  return streams_.back();
}

PeerStreams::Verdict PeerStreams::receive(int64_t id, std::span<const uint8_t> data, bool fin) {
  Uni& u = find(id);
  if (u.type == kTypeUnknownYet) {
    if (Verdict v = stream_type(u, data); v.error || v.stop_reading) return v;
    if (u.type == kTypeUnknownYet) return {};  // its type is still to come
  }
  Verdict v;
  switch (u.type) {
    case uni_type::kControl:
      v = control(u, data);
      break;
    case uni_type::kQpackEncoder:
      v = encoder(data);
      break;
    case uni_type::kQpackDecoder:
      v = decoder(u, data);
      break;
    default:
      break;
  }
  if (!v.error && fin && critical(u.type))
    return error(h3err::kClosedCriticalStream, "the peer closed a critical stream");
  return v;
}

PeerStreams::Verdict PeerStreams::reset(int64_t id) {
  Uni& u = find(id);
  if (critical(u.type))
    return error(h3err::kClosedCriticalStream, "the peer reset a critical stream");
  return {};
}

void PeerStreams::forget(int64_t id) {
  std::erase_if(streams_, [id](const Uni& u) { return u.id == id; });
}

// The stream type, a varint that may come split.
PeerStreams::Verdict PeerStreams::stream_type(Uni& u, std::span<const uint8_t>& data) {
  while (!data.empty()) {
    u.type_bytes[u.type_len++] = data[0];
    data = data.subspan(1);
    uint64_t type = 0;
    if (get_varint({u.type_bytes, u.type_len}, type) == 0) continue;
    u.type = type;
    bool* have = type == uni_type::kControl        ? &have_control_
                 : type == uni_type::kQpackEncoder ? &have_encoder_
                 : type == uni_type::kQpackDecoder ? &have_decoder_
                                                   : nullptr;
    if (have) {
      if (*have) return error(h3err::kStreamCreation, "a second control or QPACK stream");
      *have = true;
      return {};
    }
    if (type == uni_type::kPush)
      return peer_is_server_ ? error(h3err::kIdError, "a push stream, with no push allowed")
                             : error(h3err::kStreamCreation, "a push stream from a client");
    return {0, {}, true};  // an extension we do not know (6.2.3): not read
  }
  return {};
}

PeerStreams::Verdict PeerStreams::control(Uni& u, std::span<const uint8_t> data) {
  for (;;) {
    if (!u.in_payload) {
      if (data.empty() || !u.frame.feed(data)) return {};
      u.frame_type = u.frame.type();
      u.remaining = u.frame.length();
      u.frame.reset();
      u.in_payload = true;
      u.payload.clear();
      if (Verdict v = frame_begins(u); v.error) return v;
    }
    std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(u.remaining, data.size()));
    if (u.frame_type != kSkipped)  // the known frames are short, and gathered
      u.payload.append(reinterpret_cast<const char*>(data.data()), take);
    data = data.subspan(take);
    u.remaining -= take;
    if (u.remaining > 0) return {};
    u.in_payload = false;
    if (Verdict v = frame_ends(u); v.error) return v;
  }
}

// A control frame's header is whole: may it come here, and is it short
// enough to gather?
PeerStreams::Verdict PeerStreams::frame_begins(Uni& u) {
  uint64_t type = u.frame_type;
  if (!u.settings_seen && type != frame_type::kSettings)
    return error(h3err::kMissingSettings, "the control stream does not start with SETTINGS");
  switch (type) {
    case frame_type::kSettings:
      if (u.settings_seen) return error(h3err::kFrameUnexpected, "a second SETTINGS frame");
      if (u.remaining > kMaxSettings) return error(h3err::kExcessiveLoad, "SETTINGS too large");
      return {};
    case frame_type::kGoaway:
    case frame_type::kMaxPushId:
    case frame_type::kCancelPush:
      if (u.remaining == 0 || u.remaining > 8)
        return error(h3err::kFrame, "a malformed control frame");
      return {};
    case frame_type::kData:
    case frame_type::kHeaders:
    case frame_type::kPushPromise:
      return error(h3err::kFrameUnexpected, "a request frame on the control stream");
    default:
      if (h2_only_frame(type)) return error(h3err::kFrameUnexpected, "an HTTP/2 frame type");
      u.frame_type = kSkipped;  // an extension frame (9): ignored
      return {};
  }
}

// A control frame's payload is whole (gathered in u.payload).
PeerStreams::Verdict PeerStreams::frame_ends(Uni& u) {
  if (u.frame_type == frame_type::kSettings) {
    u.settings_seen = true;
    return settings(u.payload);
  }
  if (u.frame_type == kSkipped) return {};
  // GOAWAY, MAX_PUSH_ID, CANCEL_PUSH: one varint. We push nothing, and a
  // client's GOAWAY names push IDs: nothing to act on but their order. A
  // server's names a request stream; it may not raise the push limit, and
  // there is no push of ours to cancel (7.2.3, 7.2.7).
  uint64_t v = 0;
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(u.payload.data()), u.payload.size());
  if (get_varint(bytes, v) != u.payload.size())
    return error(h3err::kFrame, "a malformed control frame");
  if (peer_is_server_) {
    if (u.frame_type == frame_type::kMaxPushId)
      return error(h3err::kFrameUnexpected, "a MAX_PUSH_ID from a server");
    if (u.frame_type == frame_type::kCancelPush)
      return error(h3err::kIdError, "a CANCEL_PUSH, with no push allowed");
    if (v % 4 != 0) return error(h3err::kIdError, "a GOAWAY naming no request stream");
  }
  if (u.frame_type == frame_type::kMaxPushId) {
    if (max_push_id_ && v < *max_push_id_) return error(h3err::kIdError, "MAX_PUSH_ID went down");
    max_push_id_ = v;
  } else if (u.frame_type == frame_type::kGoaway) {
    if (goaway_id_ && v > *goaway_id_) return error(h3err::kIdError, "a GOAWAY's ID went up");
    goaway_id_ = v;
  }
  return {};
}

// 7.2.4: identifier-value pairs, each identifier once, none of HTTP/2's.
PeerStreams::Verdict PeerStreams::settings(std::string_view payload) {
  auto in = std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  std::vector<uint64_t> seen;
  while (!in.empty()) {
    uint64_t id = 0, value = 0;
    std::size_t a = get_varint(in, id);
    std::size_t b = a ? get_varint(in.subspan(a), value) : 0;
    if (!b) return error(h3err::kFrame, "a malformed SETTINGS frame");
    in = in.subspan(a + b);
    if (id >= 0x02 && id <= 0x05) return error(h3err::kSettings, "an HTTP/2 setting");
    if (std::find(seen.begin(), seen.end(), id) != seen.end())
      return error(h3err::kSettings, "a setting twice");
    seen.push_back(id);
  }
  return {};
}

// RFC 9204 4.3: at capacity 0 the only valid instruction is Set Dynamic
// Table Capacity 0 (0x20); any insertion would exceed the table.
PeerStreams::Verdict PeerStreams::encoder(std::span<const uint8_t> data) {
  for (uint8_t b : data)
    if (b != 0x20)
      return error(h3err::kQpackEncoderStream, "a QPACK insertion into a table of capacity 0");
  return {};
}

// RFC 9204 4.4: Stream Cancellation (01, a 6-bit prefixed stream ID) is
// fine; a Section Acknowledgment (1) or an Insert Count Increment (00)
// acknowledges dynamic table use we never made.
PeerStreams::Verdict PeerStreams::decoder(Uni& u, std::span<const uint8_t> data) {
  for (uint8_t b : data) {
    if (u.continuing) {
      u.continuing = (b & 0x80) != 0;
      continue;
    }
    if ((b & 0xc0) != 0x40)
      return error(h3err::kQpackDecoderStream, "a QPACK acknowledgment of nothing we sent");
    u.continuing = (b & 0x3f) == 0x3f;
  }
  return {};
}

}  // namespace sluice::h3
