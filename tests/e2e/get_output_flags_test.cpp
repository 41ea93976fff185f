// `sluice get`'s output flags as curl has them: -C and -r (ranges and
// resuming), --output-dir, --create-dirs, --remote-name-all, -J,
// --remove-on-error, --stderr and --no-progress-meter. Each result is
// compared with curl's for the same command where curl 7.88 and 8.14 agree.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "get_helpers.hpp"

using Catch::Matchers::ContainsSubstring;
using namespace e2e;

namespace {

// A 200 with "Last-Modified: Thu, 02 Jan 2020 03:04:05 GMT" (1577934245),
// whatever the request's conditions say.
const std::string kLastModified2020 =
    "/response-headers?Last-Modified=Thu,%2002%20Jan%202020%2003:04:05%20GMT";

bool exists(const std::string& path) {
  return sh("test -e '" + path + "'").exit_code == 0;
}

}  // namespace

TEST_CASE("get -C resumes into the file as curl does: 206 appends, 416 is done, 200 is 33",
          "[get][output]") {
  Server s;
  std::string dir = tmpdir();
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    std::string f = dir + "/part";
    write_file(f, "abcd");
    auto r = sh(client + "-s -C - -o " + f + " -w '%{http_code}' " + s.base + "/bytes/10");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "206");
    CHECK(slurp(f) == "abcdefghij");
    auto again = sh(client + "-s -C - -o " + f + " -w '%{http_code}' " + s.base + "/bytes/10");
    CHECK(again.exit_code == 0);  // 416: the file was whole already
    CHECK(again.out == "416");
    CHECK(slurp(f) == "abcdefghij");
    write_file(f, "ab");
    auto no_ranges = sh(client + "-s -C - -o " + f + " " + s.base + "/headers");
    CHECK(no_ranges.exit_code == 33);
    CHECK(slurp(f) == "ab");  // untouched
    CHECK(sh(client + "-s -C 3 " + s.base + "/bytes/10").out == "defghij");
    CHECK(sh(client + "-s -r 2-4 " + s.base + "/bytes/10").out == "cde");
    CHECK(sh(client + "-s -r 5 " + s.base + "/bytes/10").out == "fghij");  // "5-", warned
  }
  CHECK(sh(get("-s -C x " + s.base + "/bytes/10")).exit_code == 2);
}

TEST_CASE("get --output-dir, --create-dirs and --remote-name-all place files as curl does",
          "[get][output]") {
  Server s;
  std::string dir = tmpdir() + "/names";
  auto r = sh("mkdir -p " + dir + " && cd " + dir + " && " +
              get("-s --output-dir " + dir + "/deep/er --create-dirs -O " + s.base +
                  "/bytes/5 --remote-name-all " + s.base + "/bytes/3"));
  CHECK(r.exit_code == 0);
  CHECK(slurp(dir + "/deep/er/5") == "abcde");
  CHECK(slurp(dir + "/deep/er/3") == "abc");
  auto missing = sh(get("-s --output-dir " + dir + "/not/there -O " + s.base + "/bytes/5"));
  CHECK(missing.exit_code == 23);
}

TEST_CASE("get -OJ takes Content-Disposition's name, without its directories", "[get][output]") {
  Server s;
  std::string dir = tmpdir() + "/j";
  std::string cd =
      "/response-headers?Content-Disposition=attachment%3B%20filename%3D%22..%2F..%2Fx.txt%22";
  auto r = sh("mkdir -p " + dir + " && cd " + dir + " && " + get("-s -OJ '" + s.base + cd + "'"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(slurp(dir + "/x.txt"), ContainsSubstring("Content-Disposition"));
  CHECK_FALSE(exists(tmpdir() + "/x.txt"));
  CHECK_FALSE(exists(dir + "/response-headers"));
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);  // -J names only -O's files: -o's name stands
    auto o = sh("cd " + dir + " && rm -f x.txt y.txt && " + client + "-s -J -o y.txt '" + s.base +
                cd + "'");
    CHECK(o.exit_code == 0);
    CHECK_THAT(slurp(dir + "/y.txt"), ContainsSubstring("Content-Disposition"));
    CHECK_FALSE(exists(dir + "/x.txt"));
  }
}

TEST_CASE("get --remove-on-error deletes a failed transfer's file, never a good one",
          "[get][output]") {
  Server s;
  std::string f = tmpdir() + "/maybe";
  auto cut = sh(
      get("-s --remove-on-error -m 1 -o " + f + " '" + s.base + "/drip?bytes=100000&rate=2000'"));
  CHECK(cut.exit_code == 28);
  CHECK_FALSE(exists(f));
  auto good = sh(get("-s --remove-on-error -o " + f + " " + s.base + "/bytes/7"));
  CHECK(good.exit_code == 0);
  CHECK(slurp(f) == "abcdefg");
}

TEST_CASE("get --stderr and --no-progress-meter send messages where curl sends them",
          "[get][output]") {
  Server s;
  std::string log = tmpdir() + "/err.log";
  auto r = sh(get("--stderr " + log + " -sS http://127.0.0.1:1/"));
  CHECK(r.exit_code == 7);
  CHECK(r.err.empty());
  CHECK_THAT(slurp(log), ContainsSubstring("(7)"));
  auto to_out = sh(get("--stderr - -sS http://127.0.0.1:1/"));
  CHECK_THAT(to_out.out, ContainsSubstring("(7)"));
  // No meter, but errors still shown (unlike -s).
  auto quiet = sh(get("--no-progress-meter -o /dev/null -# http://127.0.0.1:1/"));
  CHECK(quiet.exit_code == 7);
  CHECK_THAT(quiet.err, ContainsSubstring("(7)"));
  CHECK(sh(get("-N -s " + s.base + "/bytes/3")).out == "abc");
}

// stdout a terminal (`script` gives the command a pseudo-terminal): a body with
// a NUL byte in its first 2000 (or in the read that reaches past them) is
// refused with 23, as curl refuses it, unless
// -o - asks for stdout; a pipe, a text body or a late NUL goes through.
TEST_CASE("get to a terminal: a binary body is curl's 23, unless -o - or a pipe",
          "[get][output][tty]") {
  std::string dir = tmpdir() + "/tty";
  REQUIRE(sh("mkdir -p " + dir).exit_code == 0);
  write_file(dir + "/zeros.bin", std::string("abc") + std::string(97, '\0'));
  write_file(dir + "/text.txt", "plain text\n");
  // Far past 2000 bytes, in a later read than any that starts before them.
  write_file(dir + "/late.bin", std::string(1 << 20, 'a') + std::string(10, '\0'));
  Server s("--root " + dir);
  auto on_tty = [](const std::string& cmd) { return sh("script -qec \"" + cmd + "\" /dev/null"); };
  for (std::string tool : {get(""), std::string("curl")}) {
    INFO(tool);
    CHECK(on_tty(tool + " -s " + s.base + "/zeros.bin").exit_code == 23);
    auto text = on_tty(tool + " -s " + s.base + "/text.txt");
    CHECK(text.exit_code == 0);
    CHECK_THAT(text.out, ContainsSubstring("plain text"));
    CHECK(on_tty(tool + " -s -o - " + s.base + "/zeros.bin").exit_code == 0);
    CHECK(on_tty(tool + " -s " + s.base + "/late.bin").exit_code == 0);
    auto piped = sh(tool + " -s " + s.base + "/zeros.bin | wc -c");
    CHECK(piped.out == "100\n");
  }
  // One line, saying what to do.
  auto err = on_tty(get("-sS " + s.base + "/zeros.bin"));
  CHECK_THAT(err.out, ContainsSubstring("--output -"));
  CHECK(std::count(err.out.begin(), err.out.end(), '\n') == 1);
}

TEST_CASE("get -z: If-Modified-Since from a date or a file, a 304 leaves the file alone",
          "[get][output][time_cond]") {
  Server s("--root " + tmpdir());
  std::string dir = tmpdir();
  write_file(dir + "/doc.txt", "fresh");
  sh("touch -d '2020-01-02 03:04:05 UTC' " + dir + "/doc.txt");
  std::string url = s.base + "/doc.txt";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    std::string f = dir + "/copy";
    write_file(f, "kept");  // newer than the document: the server answers 304
    auto r = sh(client + "-s -z " + f + " -o " + f + " -w '%{http_code}' " + url);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "304");
    CHECK(slurp(f) == "kept");
    r = sh(client + "-s -z 'Jan 1 2019' -o " + f + " -w '%{http_code}' " + url);
    CHECK(r.out == "200");
    CHECK(slurp(f) == "fresh");
    r = sh(client + "-s -z '-1 Jan 2019' -o /dev/null -w '%{http_code}' " + url);
    CHECK(r.out == "412");  // If-Unmodified-Since: the document is newer
    // Not a date and no such file: a warning, and no condition.
    r = sh(client + "-z 'no such date' -w '%{http_code}' " + url + " 2>&1 >/dev/null");
    CHECK_THAT(r.out, ContainsSubstring("Illegal date format for -z"));
  }
}

TEST_CASE("get -z: a 2xx whose Last-Modified fails the condition is taken as a 304",
          "[get][output][time_cond]") {
  Server s;
  std::string url = s.base + kLastModified2020;
  std::string dir = tmpdir();
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto newer = sh(client + "-s -z 'Jan 1 2021' -o " + dir +
                    "/n -w '%{http_code} %{size_download}' '" + url + "'");
    CHECK(newer.exit_code == 0);
    CHECK(newer.out == "304 0");
    CHECK_FALSE(exists(dir + "/n"));  // no body, so no file
    auto older = sh(client + "-s -z 'Jan 1 2019' -o /dev/null -w '%{http_code}' '" + url + "'");
    CHECK(older.out == "200");
    auto unmod = sh(client + "-s -z '-Jan 1 2019' -o /dev/null -w '%{http_code}' '" + url + "'");
    CHECK(unmod.out == "304");
  }
}

TEST_CASE("get -R gives the file the Last-Modified time; --no-clobber never overwrites",
          "[get][output]") {
  Server s;
  std::string url = s.base + kLastModified2020;
  std::string dir = tmpdir();
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    std::string f = dir + "/stamped";
    REQUIRE(sh(client + "-s -R -o " + f + " '" + url + "'").exit_code == 0);
    CHECK(sh("stat -c %Y " + f).out == "1577934245\n");
    sh("rm -f " + f);
    REQUIRE(sh(client + "-s -R '" + url + "' > /dev/null").exit_code ==
            0);  // stdout: nothing to stamp

    std::string kept = dir + "/kept";
    write_file(kept, "mine");
    auto r = sh(client + "-s --no-clobber -o " + kept + " -w '%{filename_effective}' " + s.base +
                "/bytes/3");
    CHECK(r.exit_code == 0);
    CHECK(r.out == kept + ".1");
    CHECK(slurp(kept) == "mine");
    CHECK(slurp(kept + ".1") == "abc");
    r = sh(client + "-s --no-clobber -o " + kept + " -w '%{filename_effective}' " + s.base +
           "/bytes/3");
    CHECK(r.out == kept + ".2");
    sh("rm -f " + kept + "*");
  }
  // Every name taken: curl's 23, and no file is touched.
  std::string full = dir + "/full";
  for (int i = 0; i < 100; ++i) write_file(full + (i ? "." + std::to_string(i) : ""), "x");
  auto r = sh(get("-s --no-clobber -o " + full + " " + s.base + "/bytes/3"));
  CHECK(r.exit_code == 23);
  CHECK(slurp(full) == "x");
  CHECK(slurp(full + ".99") == "x");
}

TEST_CASE("get --etag-save and --etag-compare: curl's file, and If-None-Match from it",
          "[get][output]") {
  Server s;
  std::string dir = tmpdir();
  std::string with_etag = s.base + "/response-headers?ETag=%22v1%22";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    std::string f = dir + "/etag";
    REQUIRE(sh(client + "-s --etag-save " + f + " -o /dev/null '" + with_etag + "'").exit_code ==
            0);
    CHECK(slurp(f) == "\"v1\"\n");
    auto sent = sh(client + "-s --etag-compare " + f + " " + s.base + "/headers");
    CHECK(nlohmann::json::parse(sent.out)["headers"]["If-None-Match"] == "\"v1\"");
    sh("rm -f " + f);
  }
  // No ETag in the answer: the file is made, and what it held stays.
  std::string f = dir + "/etag2";
  write_file(f, "\"old\"\n");
  REQUIRE(sh(get("-s --etag-save " + f + " -o /dev/null " + s.base + "/bytes/1")).exit_code == 0);
  CHECK(slurp(f) == "\"old\"\n");
  auto none = sh(get("--etag-compare " + dir + "/missing " + s.base + "/headers"));
  CHECK(nlohmann::json::parse(none.out)["headers"]["If-None-Match"] == "\"\"");
  CHECK_THAT(none.err, ContainsSubstring("Failed to open"));
}

TEST_CASE("get --xattr stores the URL, Content-Type and Referer as curl does", "[get][output]") {
  Server s;
  std::string dir = tmpdir();
  std::string url = "'" + s.base + "/bytes/3?q=1#frag'";
  auto attrs = [](const std::string& path) {  // all but user.creator ("curl" or "sluice")
    return sh(std::string(SLUICE_PYTHON3) + " -c \"import os,sys; p=sys.argv[1]; " +
              "print(sorted((k, os.getxattr(p, k)) for k in os.listxattr(p) " +
              "if k != 'user.creator'))\" " + path)
        .out;
  };
  REQUIRE(sh(get("-s --xattr -e http://ref.example/ -o " + dir + "/mine " + url)).exit_code == 0);
  REQUIRE(sh("curl -s --xattr -e http://ref.example/ -o " + dir + "/theirs " + url).exit_code == 0);
  CHECK(attrs(dir + "/mine") == attrs(dir + "/theirs"));
  // Where the file system takes user attributes, the URL is there, credentials not.
  std::string with_user = "'http://u:p@127.0.0.1:" + std::to_string(s.port) + "/bytes/3'";
  REQUIRE(sh(get("-s --xattr -o " + dir + "/user " + with_user)).exit_code == 0);
  std::string mine = attrs(dir + "/user");
  if (mine != "[]\n") CHECK_THAT(mine, ContainsSubstring("'http://127.0.0.1:"));
}

TEST_CASE("get --trace-ascii and --trace: curl's blocks for headers and bodies, both ways",
          "[get][output][trace]") {
  Server s;
  // The blocks' labels and sizes, and the body blocks whole; curl's own
  // "== Info:" lines and a TLS record aside, the two traces match.
  std::string keep = " | grep -v '^== Info' | sed -E '/Date: /s/[0-9]/9/g'";
  std::string args = "-s -A agent -d hello=world -o /dev/null " + s.base + "/echo";
  for (const char* style : {"--trace-ascii", "--trace"}) {
    INFO(style);
    auto mine = sh(get(std::string(style) + " - " + args) + keep);
    auto theirs = sh("curl " + std::string(style) + " - " + args + keep);
    CHECK_THAT(mine.out, ContainsSubstring("=> Send data, 11 bytes (0xb)\n"));
    CHECK_THAT(mine.out, ContainsSubstring("<= Recv data, 11 bytes (0xb)\n"));
    // Labels in order (curl sends Content-Length before Content-Type: same size).
    auto labels = [](const std::string& t) {
      std::string out;
      for (std::size_t at = 0; at < t.size();) {
        auto end = std::min(t.find('\n', at), t.size());
        std::string line = t.substr(at, end - at);
        if (line.starts_with("=> ") || line.starts_with("<= ")) out += line + "\n";
        at = end + 1;
      }
      return out;
    };
    CHECK(labels(mine.out) == labels(theirs.out));
  }
  std::string file = tmpdir() + "/trace.txt";
  REQUIRE(sh(get("-s --trace-ascii " + file + " --trace-time " + s.base + "/bytes/3")).out ==
          "abc");
  std::string t = slurp(file);
  CHECK_THAT(t, ContainsSubstring("<= Recv data, 3 bytes (0x3)\n"));
  CHECK(t.size() > 15);
  CHECK(t[2] == ':');  // "HH:MM:SS.uuuuuu "
}

TEST_CASE("get --skip-existing leaves an existing file and fetches nothing; --show-headers is -i",
          "[get][output]") {
  Server s;
  std::string dir = tmpdir();
  // Both flags are curl 8.10's: compared with curl only where it has them (not 7.88).
  std::vector<std::string> clients = {get("")};
  if (sh("curl --help all | grep -q -- --skip-existing").exit_code == 0) clients.push_back("curl ");
  for (const std::string& client : clients) {
    INFO(client);
    std::string f = dir + "/exists";
    write_file(f, "old");
    long before = s.stat("requests");
    auto r =
        sh(client + "-s --skip-existing -o " + f + " -w '%{http_code}' " + s.base + "/bytes/3");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "000");
    CHECK(slurp(f) == "old");
    CHECK(s.stat("requests") - before == 1);  // the /stats request itself
    sh("rm " + f);
    CHECK(sh(client + "-s --skip-existing -o " + f + " " + s.base + "/bytes/3").exit_code == 0);
    CHECK(slurp(f) == "abc");
    auto shown = sh(client + "-s --show-headers " + s.base + "/bytes/2");
    CHECK(shown.out.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(shown.out.ends_with("\r\n\r\nab"));
  }
}

TEST_CASE("get: review fixes to -z with ranges, --trace to a slow pipe and -y/-Y's zeros",
          "[get][output]") {
  Server s;
  std::string url = s.base + kLastModified2020;
  // A ranged request is not judged by its date (curl's rule): the 200 stands.
  CHECK(sh(get("-s -z 'Jan 1 2021' -r 0-3 -o /dev/null -w '%{http_code}' '" + url + "'")).out ==
        "200");
  // --trace - while stdout is a pipe that stalls: every byte is traced, none lost.
  auto traced =
      sh("set -o pipefail; " + get("-s --trace-ascii - -o /dev/null " + s.base + "/bytes/3000000") +
             " | (sleep 1; grep '^<= Recv data' | awk '{s += $4} END {print s}')",
         60);
  CHECK(traced.out == "3000000\n");
  // -Y 0 or -y 0 turns the check off, as curl has it.
  CHECK(sh(get("-s -y 1 -Y 0 -o /dev/null " + s.base + "/delay/1500")).exit_code == 0);
  CHECK(sh(get("-s -Y 100 -y 0 -o /dev/null " + s.base + "/delay/1500")).exit_code == 0);
}
