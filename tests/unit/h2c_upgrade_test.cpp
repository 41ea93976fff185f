#include "core/h2/h2c_upgrade.hpp"

#include <nghttp2/nghttp2.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "core/util/base64.hpp"

using sluice::H2ClientConfig;
using sluice::H2ClientSession;
using sluice::H2cUpgradeSession;
using sluice::Request;

TEST_CASE("h2c upgrade: the request asks for h2c with our SETTINGS", "[h2][upgrade]") {
  Request req;
  req.headers.add("Accept", "*/*");
  H2ClientConfig cfg;
  cfg.stream_window = 65536 * 3;
  Request up = H2cUpgradeSession::with_upgrade(req, cfg);
  CHECK(up.headers.has_token("connection", "upgrade"));
  CHECK(up.headers.has_token("connection", "http2-settings"));
  CHECK(up.headers.get("upgrade") == "h2c");
  auto settings = up.headers.get("http2-settings");
  REQUIRE(settings);
  CHECK(settings->find('=') == std::string_view::npos);  // no padding
  auto decoded = sluice::base64url_decode(*settings);
  REQUIRE(decoded);
  std::string payload = *decoded;
  CHECK(payload == H2ClientSession::settings_payload(cfg));
  // 6 bytes per entry: push off, the stream window, the concurrency cap.
  REQUIRE(payload.size() == 18);
  auto value_of = [&](uint16_t id) -> int64_t {
    for (std::size_t i = 0; i < payload.size(); i += 6) {
      auto b = [&](std::size_t k) { return static_cast<uint8_t>(payload[i + k]); };
      if (((b(0) << 8) | b(1)) == id)
        return (int64_t{b(2)} << 24) | (b(3) << 16) | (b(4) << 8) | b(5);
    }
    return -1;
  };
  CHECK(value_of(NGHTTP2_SETTINGS_ENABLE_PUSH) == 0);
  CHECK(value_of(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) == 65536 * 3);
  CHECK(value_of(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) == cfg.max_concurrent_streams);
  CHECK(req.headers.list().size() == 1);  // the original is untouched
}

TEST_CASE("base64url: round trips, no padding, strict alphabet", "[upgrade]") {
  const std::vector<std::string> samples = {
      "", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)};
  for (const auto& s : samples) {
    auto enc = sluice::base64url_encode(s);
    CHECK(enc.find('=') == std::string::npos);
    auto dec = sluice::base64url_decode(enc);
    REQUIRE(dec);
    CHECK(*dec == s);
  }
  CHECK(sluice::base64url_encode("foobar") == "Zm9vYmFy");
  CHECK(sluice::base64url_encode(std::string("\xfb\xff", 2)) == "-_8");  // '-' and '_', not '+' '/'
  CHECK(sluice::base64url_decode("Zm9vYg==") == "foob");                 // padding tolerated
  CHECK_FALSE(sluice::base64url_decode("Zm9v+g"));                       // not base64url
  CHECK_FALSE(sluice::base64url_decode("Z"));                            // impossible length
}
