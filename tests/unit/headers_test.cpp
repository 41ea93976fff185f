#include "core/http/headers.hpp"

#include <catch2/catch_test_macros.hpp>

using sluice::Headers;
using sluice::iequals;

TEST_CASE("iequals compares ASCII case-insensitively", "[headers]") {
  CHECK(iequals("Content-Length", "content-length"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("abc", "abd"));
  CHECK_FALSE(iequals("abc", "abcd"));
  CHECK_FALSE(iequals("a-b", "a_b"));
}

TEST_CASE("Headers: get is case-insensitive and returns the first match", "[headers]") {
  Headers h;
  CHECK(h.empty());
  CHECK_FALSE(h.get("X").has_value());
  h.add("Content-Type", "text/plain");
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  CHECK_FALSE(h.empty());
  REQUIRE(h.get("content-type"));
  CHECK(*h.get("CONTENT-TYPE") == "text/plain");
  CHECK(*h.get("Set-Cookie") == "a=1");
  CHECK(h.has("SET-COOKIE"));
  CHECK_FALSE(h.has("Content"));
  CHECK(h.list().size() == 3);
}

TEST_CASE("Headers: add keeps order and case as given", "[headers]") {
  Headers h;
  h.add("X-B", "2");
  h.add("x-a", "1");
  REQUIRE(h.list().size() == 2);
  CHECK(h.list()[0].first == "X-B");
  CHECK(h.list()[1].first == "x-a");
  CHECK(h.list()[1].second == "1");
}

TEST_CASE("Headers: set replaces every header of that name", "[headers]") {
  Headers h;
  h.add("Accept", "*/*");
  h.add("X-Other", "o");
  h.add("ACCEPT", "text/html");
  h.set("accept", "application/json");
  REQUIRE(h.list().size() == 2);
  CHECK(h.list()[0].first == "X-Other");
  CHECK(h.list()[1].first == "accept");
  CHECK(*h.get("Accept") == "application/json");

  h.set("New", "");
  REQUIRE(h.get("new"));
  CHECK(h.get("new")->empty());
  CHECK(h.has("NEW"));
}

TEST_CASE("Headers: remove is case-insensitive and removes all", "[headers]") {
  Headers h;
  h.add("Cookie", "a");
  h.add("Host", "h");
  h.add("cookie", "b");
  h.remove("COOKIE");
  REQUIRE(h.list().size() == 1);
  CHECK(h.list()[0].first == "Host");
  h.remove("missing");
  CHECK(h.list().size() == 1);
  h.clear();
  CHECK(h.empty());
}

TEST_CASE("Headers: has_token", "[headers]") {
  Headers h;
  h.add("Connection", "keep-alive, Upgrade");
  h.add("connection", "\tClose\t");
  h.add("Transfer-Encoding", "gzip,chunked");
  CHECK(h.has_token("connection", "upgrade"));
  CHECK(h.has_token("CONNECTION", "KEEP-ALIVE"));
  CHECK(h.has_token("Connection", "close"));  // from the second header line
  CHECK(h.has_token("transfer-encoding", "chunked"));
  CHECK(h.has_token("transfer-encoding", "GZIP"));
  CHECK_FALSE(h.has_token("Connection", "keep"));
  CHECK_FALSE(h.has_token("Connection", "alive"));
  CHECK_FALSE(h.has_token("Connection", ""));
  CHECK_FALSE(h.has_token("Upgrade", "keep-alive"));
  CHECK_FALSE(h.has_token("Transfer-Encoding", "gzip,chunked"));
}

TEST_CASE("is_connection_specific: the hop-by-hop names, any case, and no others", "[headers]") {
  for (const char* n :
       {"connection", "Keep-Alive", "PROXY-CONNECTION", "transfer-encoding", "Upgrade", "host"})
    CHECK(sluice::is_connection_specific(n));
  for (const char* n : {"", "hosts", "te", "content-length", "connectio", "keep-alivE2",
                        "upgrade-insecure-requests", "transfer-encodings", "x-host"})
    CHECK_FALSE(sluice::is_connection_specific(n));
  // Host is left out of h2/h3 messages built from HTTP/1-style fields, but it
  // is no hop-by-hop field: an h2 request or an h3 response may carry it.
  CHECK_FALSE(sluice::is_hop_by_hop("host"));
  CHECK(sluice::is_hop_by_hop("Transfer-Encoding"));
  CHECK(sluice::is_hop_by_hop("keep-alive"));
}
