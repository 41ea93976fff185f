// `sluice get`'s URL globbing ({a,b}, [1-3], [01-10:2], [a-z]) compared with
// curl's by behaviour only (exit codes, bodies, -w output, files written),
// as curl 7.88 and 8.14 both behave.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "get_helpers.hpp"

using namespace e2e;

namespace {

// The same arguments through sluice get and curl.
std::pair<RunResult, RunResult> both(const std::string& args) {
  return {sh(get(args)), sh(kCurl + args)};
}

}  // namespace

TEST_CASE("get expands sets and ranges in curl's order, the last glob fastest", "[get][glob]") {
  Server s;
  std::string w = "-s -w '\\n%{url} %{urlnum} %{http_code} %{size_download}\\n' ";
  auto [ours, curls] = both(w + "'" + s.base + "/bytes/{1,2}[1-5:2]' '" + s.base +
                            "/status/2[00-04:2]' '" + s.base + "/bytes/1[a-c:2]'");
  CHECK(ours.exit_code == curls.exit_code);
  CHECK(ours.out == curls.out);
  CHECK(ours.out.find(s.base + "/bytes/23 0 200 23\n") != std::string::npos);
  CHECK(ours.out.find(s.base + "/status/204 1 204 0\n") != std::string::npos);
}

TEST_CASE("get -o 'f_#1_#2' names a file per expansion, -O too, as curl does",
          "[get][glob][output]") {
  Server s;
  for (const std::string& client : {get(""), kCurl}) {
    INFO(client);
    std::string dir = tmpdir() + (client == kCurl ? "/curl" : "/sluice");
    auto r = sh("mkdir -p " + dir + " && cd " + dir + " && " + client + "-s -o 'f_#1_#2_#3.txt' '" +
                s.base + "/bytes/{1,2}[3-4]' -O '" + s.base + "/bytes/[5-6]'");
    CHECK(r.exit_code == 0);
    auto list = sh("cd " + dir + " && ls | tr '\\n' ' ' && cat f_2_4_#3.txt 6");
    CHECK(list.out ==
          "5 6 f_1_3_#3.txt f_1_4_#3.txt f_2_3_#3.txt f_2_4_#3.txt "
          "abcdefghijklmnopqrstuvwxabcdef");
  }
}

TEST_CASE("get -g sends braces and brackets as they are; IPv6 literals are no range",
          "[get][glob]") {
  Server s;
  std::string w = "-s -o /dev/null -w '%{url} %{http_code}\\n' ";
  auto [ours, curls] = both("-g " + w + "'" + s.base + "/bytes/{1,2}[1-2]'");
  CHECK(ours.exit_code == curls.exit_code);
  CHECK(ours.out == curls.out);
  CHECK(ours.out.starts_with(s.base + "/bytes/{1,2}[1-2] "));
  for (std::string opts : {"", "-g "}) {  // nothing listens there: 7, not 3
    auto [v6, curl_v6] = both("-s " + opts + "'http://[::1]:1/'");
    CHECK(v6.exit_code == 7);
    CHECK(curl_v6.exit_code == 7);
  }
}

TEST_CASE("get's malformed globs are exit 3 before anything is sent, as in curl", "[get][glob]") {
  Server s;
  for (const std::string path : {"{a,b", "a}", "[5-1]", "[a-9]", "{a,{b}}", "{}", "[1-2", "[1-3:0]",
                                 "[x]", "[A-z]", "[1-9999999999][1-9999999999]"}) {
    INFO(path);
    auto [ours, curls] = both("-s '" + s.base + "/bytes/" + path + "'");
    CHECK(ours.exit_code == 3);
    CHECK(curls.exit_code == 3);
    CHECK(ours.out.empty());
  }
  CHECK(s.stat("requests") == 1);  // the /stats request itself
  // A bad glob in a later URL: the URLs before it are fetched first.
  auto [later, curl_later] = both("-s '" + s.base + "/bytes/[1-2]' '" + s.base + "/bytes/[2-1]'");
  CHECK(later.exit_code == 3);
  CHECK(curl_later.exit_code == 3);
  CHECK(later.out == curl_later.out);
  CHECK(later.out == "aab");
}

TEST_CASE("get's expansions are separate transfers: -Z, -f's exit code, -K", "[get][glob]") {
  Server s;
  // curl -Z writes -w as transfers end; sluice keeps URL order: compared sorted.
  std::string w = "-s -o /dev/null -o /dev/null -w '%{urlnum}:%{http_code}:%{size_download}\\n' ";
  std::string urls = "'" + s.base + "/bytes/[1-4]' '" + s.base + "/bytes/5'";
  auto par = sh(get("-Z " + w + urls));
  auto curl_par = sh(kCurl + "-Z " + w + urls + " | sort");
  CHECK(par.exit_code == 0);
  CHECK(par.out == "0:200:1\n0:200:2\n0:200:3\n0:200:4\n1:200:5\n");
  CHECK(par.out == curl_par.out);
  auto [last_ok, curl_last_ok] = both("-sf -o /dev/null '" + s.base + "/status/{404,200}'");
  CHECK(last_ok.exit_code == 0);
  CHECK(curl_last_ok.exit_code == 0);
  auto [last_bad, curl_last_bad] = both("-sf -o /dev/null '" + s.base + "/status/{200,404}'");
  CHECK(last_bad.exit_code == 22);
  CHECK(curl_last_bad.exit_code == 22);
  auto cfg = sh("echo 'url = \"" + s.base + "/bytes/{1,3}\"' | " + get("-s -K -"));
  CHECK(cfg.out == "aabc");
}
