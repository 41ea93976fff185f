// The request body of `sluice get` from curl's data flags: their forms, their
// order, and -G's query.
#include "cli/get_data.hpp"

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "cli/get_netrc.hpp"
#include "cli/get_proto.hpp"
#include "core/util/percent.hpp"
#include "temp_file.hpp"

using sluice::form_urlencode;
using sluice::cli::append_query;
using sluice::cli::apply_proto_list;
using sluice::cli::assemble_data;
using sluice::cli::DataKind;
using sluice::cli::DataPiece;
using sluice::fetch::SchemeSet;

namespace {

std::string body(const std::vector<DataPiece>& pieces) {
  auto b = assemble_data(pieces);
  REQUIRE(b);
  return *b;
}

}  // namespace

TEST_CASE("form_urlencode: curl 8's --data-urlencode alphabet", "[get][data]") {
  CHECK(form_urlencode("aZ09-._~") == "aZ09-._~");
  CHECK(form_urlencode("a b") == "a+b");
  CHECK(form_urlencode("&=+*/%") == "%26%3D%2B%2A%2F%25");
  CHECK(form_urlencode("\xc3\xa9\n") == "%C3%A9%0A");
  CHECK(form_urlencode(std::string("\0", 1)) == "%00");
}

TEST_CASE("assemble_data: the data flags joined in their order, as curl joins them",
          "[get][data]") {
  CHECK(body({{DataKind::ascii, "a"}, {DataKind::binary, "b"}, {DataKind::raw, "c"}}) == "a&b&c");
  // --json glues to what came before it without '&'; what follows it uses one.
  CHECK(body({{DataKind::ascii, "a"},
              {DataKind::json, "{\"x\""},
              {DataKind::json, ":1}"},
              {DataKind::ascii, "b"}}) == "a{\"x\":1}&b");
  CHECK(body({{DataKind::raw, "@not-a-file"}}) == "@not-a-file");
  CHECK(body({{DataKind::ascii, ""}}).empty());
}

TEST_CASE("assemble_data: --data-urlencode's five forms", "[get][data]") {
  TempFile file("a b\n&c");
  const std::string& f = file.path;
  CHECK(body({{DataKind::urlencode, "plain text&"}}) == "plain+text%26");
  CHECK(body({{DataKind::urlencode, "=x y"}}) == "x+y");
  CHECK(body({{DataKind::urlencode, "a b=c&d"}}) == "a b=c%26d");  // the name as given
  CHECK(body({{DataKind::urlencode, "@" + f}}) == "a+b%0A%26c");
  CHECK(body({{DataKind::urlencode, "n@" + f}}) == "n=a+b%0A%26c");
}

TEST_CASE("assemble_data: @FILE is read whole, with CR and LF dropped only by -d", "[get][data]") {
  TempFile file("l1\r\nl2\n");
  const std::string& f = file.path;
  CHECK(body({{DataKind::ascii, "@" + f}}) == "l1l2");
  CHECK(body({{DataKind::binary, "@" + f}}) == "l1\r\nl2\n");
  CHECK(body({{DataKind::json, "@" + f}}) == "l1\r\nl2\n");
  auto missing = assemble_data({{DataKind::binary, "@/nonexistent/x"}});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == sluice::Errc::read_failed);
  CHECK_FALSE(assemble_data({{DataKind::urlencode, "n@/nonexistent/x"}}));
}

TEST_CASE("append_query: -G's data join the URL's query, before a fragment", "[get][data]") {
  CHECK(append_query("http://h/p", "a=1") == "http://h/p?a=1");
  CHECK(append_query("http://h/p?z=0", "a=1") == "http://h/p?z=0&a=1");
  CHECK(append_query("http://h/p?z=0#f", "a=1") == "http://h/p?z=0&a=1#f");
}

// --proto and --proto-redir lists (cli/get_proto.cpp).

namespace {

struct ProtoApplied {
  SchemeSet set;
  std::vector<std::string> warnings;
};

ProtoApplied apply_proto(std::string_view list, SchemeSet from = {}) {
  ProtoApplied a;
  a.set = apply_proto_list(list, from, [&](std::string_view w) { a.warnings.emplace_back(w); });
  return a;
}

}  // namespace

TEST_CASE("apply_proto_list: '=' sets, '-' removes, '+' and none add", "[proto]") {
  auto only_https = apply_proto("=https").set;
  CHECK_FALSE(only_https.allows("http"));
  CHECK(only_https.allows("https"));
  auto no_http = apply_proto("-http").set;
  CHECK_FALSE(no_http.allows("http"));
  CHECK(no_http.allows("https"));
  auto back = apply_proto("-all,+http", {}).set;
  CHECK(back.allows("http"));
  CHECK_FALSE(back.allows("https"));
  auto plain = apply_proto("=http,https").set;
  CHECK(plain.allows("http"));
  CHECK(plain.allows("https"));
  CHECK_FALSE(apply_proto("=").set.allows("https"));
  CHECK_FALSE(SchemeSet{}.allows("ftp"));
}

TEST_CASE("apply_proto_list: curl's other protocols change nothing; unknown ones are warned of",
          "[proto]") {
  auto ftp_only = apply_proto("=ftp,sftp");
  CHECK_FALSE(ftp_only.set.allows("http"));
  CHECK_FALSE(ftp_only.set.allows("https"));
  CHECK(ftp_only.warnings.empty());
  auto odd = apply_proto("=https,gemini");
  CHECK(odd.set.allows("https"));
  REQUIRE(odd.warnings.size() == 1);
  CHECK(odd.warnings[0] == "unrecognized protocol 'gemini'");
  CHECK(apply_proto("HTTPS").set.allows("https"));  // case does not matter
}

TEST_CASE("parse_netrc: machines, default, quoting, comments and macros", "[get][netrc]") {
  auto e = sluice::cli::parse_netrc(
      "# a comment\n"
      "machine example.com login alice password s3cret\n"
      "macdef init\ncd /pub\nmachine fake login no\n\n"
      "machine other.org\n  login \"a b\"\n  password \"p\\\"q\" account acct # trailing\n"
      "default login anon password guest\n");
  REQUIRE(e.size() == 3);
  CHECK((e[0].machine == "example.com" && e[0].login == "alice" && e[0].password == "s3cret"));
  CHECK((e[1].machine == "other.org" && e[1].login == "a b" && e[1].password == "p\"q"));
  CHECK((e[2].machine.empty() && e[2].login == "anon" && e[2].password == "guest"));
  CHECK(sluice::cli::parse_netrc("").empty());
  CHECK(sluice::cli::parse_netrc("login orphan password x").empty());
}

TEST_CASE("load_netrc: a missing file is exit 26 unless optional", "[get][netrc]") {
  auto missing = sluice::cli::load_netrc("/no/such/netrc", false);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == sluice::Errc::read_failed);
  auto optional = sluice::cli::load_netrc("/no/such/netrc", true);
  REQUIRE(optional);
  CHECK(optional->empty());
  TempFile f("machine h login u password p\n");
  auto read = sluice::cli::load_netrc(f.path, false);
  REQUIRE(read);
  CHECK(read->size() == 1);
}
