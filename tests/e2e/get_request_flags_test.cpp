// `sluice get`'s request-shaping flags as pasted from curl commands: the data
// flags, -G, -u, --oauth2-bearer, -e and -D, checked against `sluice serve`'s
// inspection endpoints (/echo, /headers, /basic-auth, /bearer) and against
// curl itself for the same command line. Loopback only.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "get_helpers.hpp"

using Catch::Matchers::ContainsSubstring;
using namespace e2e;

namespace {

// The request headers /headers saw, as JSON.
nlohmann::json seen_headers(const std::string& cmd) {
  auto r = sh(cmd);
  INFO(cmd << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out)["headers"];
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("get's data flags: curl's forms, joined in command-line order", "[get][data]") {
  Server s;
  std::string f = tmpdir() + "/form.txt";
  { std::ofstream(f) << "a&b\nc"; }
  const std::string cases[] = {
      "-d a --data-binary b --data-raw c -d d",
      "--data-raw @" + f + " -d x",
      "--data-urlencode 'n=v&w' --data-urlencode '=a/b' --data-urlencode 'n@" + f + "'",
      "--data-ascii @" + f + " --data-binary @" + f,
      "--json '{\"k\":1}'",
  };
  for (const auto& args : cases) {
    INFO(args);
    auto mine = sh(get("-s " + args + " " + s.base + "/echo"));
    auto theirs = sh("curl -s " + args + " " + s.base + "/echo");
    CHECK(mine.exit_code == 0);
    CHECK(mine.out == theirs.out);
  }
  // curl 8's encoding of a space ('+'), and --json glued without '&'.
  CHECK(sh(get("-s --data-urlencode 'q=a b' " + s.base + "/echo")).out == "q=a+b");
  CHECK(sh(get("-s -d a --json '{\"x\"' --json ':1}' -d b " + s.base + "/echo")).out ==
        "a{\"x\":1}&b");
  auto missing = sh(get("-s --data-urlencode n@/nonexistent " + s.base + "/echo"));
  CHECK(missing.exit_code == 26);  // curl's "read error"
}

TEST_CASE("get --json sets Content-Type and Accept, and -H still wins", "[get][data]") {
  Server s;
  auto h = seen_headers(get("-s --json '{}' " + s.base + "/headers"));
  CHECK(h["Content-Type"] == "application/json");
  CHECK(h["Accept"] == "application/json");
  auto mine = seen_headers(get("-s --json '{}' -H 'Accept: text/x' " + s.base + "/headers"));
  CHECK(mine["Accept"] == "text/x");
}

TEST_CASE("get -G sends the data as the query of a GET, as curl does", "[get][data]") {
  Server s;
  std::string args =
      "-s -G -d a=1 --data-urlencode b=c/d -o /dev/null -w '%{method} %{url_effective}' ";
  auto mine = sh(get(args + s.base + "/headers?z=0"));
  CHECK(mine.out == "GET " + s.base + "/headers?z=0&a=1&b=c%2Fd");
  // curl 8 shows that escape as "%2f" in %{url_effective}: compared without one.
  std::string plain = "-s -G -d a=1 --data-urlencode b=c_d -o /dev/null -w '%{url_effective}' ";
  CHECK(sh("curl " + plain + s.base + "/headers").out == sh(get(plain + s.base + "/headers")).out);
  auto head = sh(get("-s -G -I -d a=1 -o /dev/null -w '%{method}' " + s.base + "/headers"));
  CHECK(head.out == "HEAD");
}

TEST_CASE("get -u and --oauth2-bearer authenticate; -u without a password and no terminal fails",
          "[get][auth]") {
  Server s;
  auto ok = sh(get("-s -u al:pw -w '%{http_code}' -o /dev/null " + s.base + "/basic-auth/al/pw"));
  CHECK(ok.out == "200");
  auto wrong =
      sh(get("-s -u al:no -w '%{http_code}' -o /dev/null " + s.base + "/basic-auth/al/pw"));
  CHECK(wrong.out == "401");
  // -u beats the URL's own credentials, as in curl.
  std::string in_url = "http://al:no@127.0.0.1:" + std::to_string(s.port) + "/basic-auth/al/pw";
  CHECK(sh(get("-s -u al:pw -w '%{http_code}' -o /dev/null " + in_url)).out == "200");
  CHECK(sh("curl -s -u al:pw -w '%{http_code}' -o /dev/null " + in_url).out == "200");
  auto bearer = sh(get("-s --oauth2-bearer t0k -w ' %{http_code}' " + s.base + "/bearer"));
  CHECK_THAT(bearer.out, ContainsSubstring("\"token\": \"t0k\""));
  CHECK_THAT(bearer.out, ContainsSubstring(" 200"));
  CHECK(sh(get("-s -w '%{http_code}' -o /dev/null " + s.base + "/bearer")).out == "401");
  // setsid: no controlling terminal, so nobody can be asked for the password.
  auto no_tty = sh("setsid -w " + get("-sS -u al " + s.base + "/basic-auth/al/pw") + " </dev/null");
  CHECK(no_tty.exit_code == 2);
  CHECK_THAT(no_tty.err, ContainsSubstring("-u al:PASSWORD"));
  CHECK(s.stat("requests") > 0);
}

TEST_CASE("get -e sets Referer, and ';auto' names the page each redirect leaves", "[get]") {
  Server s;
  auto plain = seen_headers(get("-s -e http://from/ " + s.base + "/headers"));
  CHECK(plain["Referer"] == "http://from/");
  std::string hop = s.base + "/redirect-to?url=/headers";
  auto autoref = seen_headers(get("-s -L -e 'http://from/;auto' '" + hop + "'"));
  CHECK(autoref["Referer"] == hop);
  auto theirs = seen_headers("curl -s -L -e 'http://from/;auto' '" + hop + "'");
  CHECK(theirs["Referer"] == autoref["Referer"]);
  auto none = seen_headers(get("-s -L -e ';auto' " + s.base + "/headers"));
  CHECK_FALSE(none.contains("Referer"));
}

TEST_CASE("get -D writes every head of a redirect chain, to a file or before the body", "[get]") {
  Server s;
  std::string file = tmpdir() + "/heads.txt";
  std::string url = s.base + "/redirect/2";
  auto r = sh(get("-s -L -D " + file + " -o /dev/null " + url));
  CHECK(r.exit_code == 0);
  std::string heads = slurp(file);
  CHECK(count_of(heads, "HTTP/1.1 302 Found\r\n") == 2);
  CHECK(count_of(heads, "HTTP/1.1 200 OK\r\n") == 1);
  CHECK(heads.ends_with("\r\n\r\n"));
  sh("curl -s -L -D " + file + ".curl -o /dev/null " + url);
  CHECK(count_of(slurp(file + ".curl"), "\r\n\r\n") == count_of(heads, "\r\n\r\n"));
  // -D -: the heads on stdout, then the body; with -o the body goes to the file.
  auto out = sh(get("-s -D - " + s.base + "/bytes/5"));
  CHECK(out.out.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(out.out.ends_with("\r\n\r\nabcde"));
  auto split = sh(get("-s -D - -o " + file + " " + s.base + "/bytes/5"));
  CHECK(split.out.ends_with("\r\n\r\n"));
  CHECK(slurp(file) == "abcde");
  auto bad = sh(get("-s -D /nonexistent/dir/h " + s.base + "/bytes/5"));
  CHECK(bad.exit_code == 23);
}

TEST_CASE("get -b/-c: cookies follow redirects, and jars pass between sluice and curl",
          "[get][cookies]") {
  Server s;
  std::string mine = tmpdir() + "/mine.jar", theirs = tmpdir() + "/theirs.jar";
  // Set by a 302, sent on the redirect it leads to, then written by -c.
  auto set = sh(get("-s -L -c " + mine + " '" + s.base + "/cookies/set?a=1&b=2'"));
  CHECK(nlohmann::json::parse(set.out)["cookies"] == nlohmann::json({{"a", "1"}, {"b", "2"}}));
  // curl reads sluice's jar...
  auto by_curl = sh("curl -s -b " + mine + " " + s.base + "/cookies");
  CHECK(nlohmann::json::parse(by_curl.out)["cookies"].size() == 2);
  // ...and sluice reads curl's, deletes one, and writes the rest back.
  sh("curl -s -L -c " + theirs + " '" + s.base + "/cookies/set?c=3'");
  auto del = sh(get("-s -L -b " + theirs + " -c " + theirs + " '" + s.base + "/cookies/delete?c'"));
  CHECK(nlohmann::json::parse(del.out)["cookies"].empty());
  CHECK(slurp(theirs).find("\tc\t") == std::string::npos);
  // -b with '=' is data, sent as it is beside the jar's cookies.
  auto both = sh(get("-s -b 'x=9' -b " + mine + " " + s.base + "/cookies"));
  CHECK(nlohmann::json::parse(both.out)["cookies"].size() == 3);
  // Without -b or -c there is no engine: a cookie set on the way is not sent.
  auto none = sh(get("-s -L '" + s.base + "/cookies/set?q=1'"));
  CHECK(nlohmann::json::parse(none.out)["cookies"].empty());
  auto engine = sh(get("-s -L -b '' '" + s.base + "/cookies/set?q=1'"));
  CHECK(nlohmann::json::parse(engine.out)["cookies"] == nlohmann::json({{"q", "1"}}));
  // -c - writes the jar to stdout after the body.
  auto out = sh(get("-s -L -c - '" + s.base + "/cookies/set?z=5'"));
  CHECK_THAT(out.out, ContainsSubstring("127.0.0.1\tFALSE\t/\tFALSE\t0\tz\t5\n"));
}

TEST_CASE("get: a curl flag sluice lacks is named in one line, exit 2, and nothing is fetched",
          "[get][cli]") {
  Server s;
  long before = s.stat("requests");
  auto socks = sh(get("-sS --socks5 127.0.0.1:1 " + s.base + "/bytes/1"));
  CHECK(socks.exit_code == 2);
  CHECK(socks.err ==
        "sluice get: option --socks5 is not supported (a curl option sluice does not have yet); "
        "see 'sluice get --help'\n");
  // --preproxy's argument is not taken for a URL: nothing at all is fetched.
  auto preproxy = sh(get("--preproxy " + s.base + "/x " + s.base + "/echo"));
  CHECK(preproxy.exit_code == 2);
  CHECK_THAT(preproxy.err, ContainsSubstring("option --preproxy is not supported"));
  auto cluster = sh(get("-sSfQ x " + s.base + "/bytes/1"));  // -Q inside a cluster of known ones
  CHECK_THAT(cluster.err, ContainsSubstring("option -Q is not supported"));
  auto bogus = sh(get("--no-such-flag " + s.base + "/bytes/1"));
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.err == "sluice get: option --no-such-flag is unknown; see 'sluice get --help'\n");
  // A bad value is named under -s too, as curl names it.
  for (const std::string& client : {get(""), std::string("curl ")}) {
    auto bad = sh(client + "-s --tls-max 9 " + s.base + "/bytes/1");
    CHECK(bad.exit_code == 2);
    CHECK_FALSE(bad.err.empty());
  }
  // Any option curl 8.14 lists gets the hint, long or short.
  for (const char* flag : {"--proxy-insecure", "--hsts x", "-M", "--libcurl x", "-B"})
    CHECK_THAT(sh(get(std::string(flag) + " " + s.base + "/bytes/1")).err,
               ContainsSubstring("a curl option sluice does not have yet"));
  CHECK(s.stat("requests") - before == 1);  // the /stats request itself
  // Values that look like flags stay values.
  CHECK(sh(get("-s -d -x " + s.base + "/echo")).out == "-x");
  CHECK(sh(get("-s --data=--z " + s.base + "/echo")).out == "--z");
  CHECK(sh(get("-s -H 'X-A: -F' " + s.base + "/bytes/2")).out == "ab");
  // curl's -V and "sluice help get".
  CHECK_THAT(sh(get("-V")).out, ContainsSubstring("sluice "));
  auto help = sh(std::string(sluice_bin()) + " help get");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, ContainsSubstring("Usage: sluice get"));
}

TEST_CASE("get -F sends the multipart body curl sends, boundary aside", "[get][form]") {
  Server s;
  std::string f = tmpdir() + "/up.txt";
  { std::ofstream(f) << "file body\n"; }
  std::string args = "-s -F a=b -F 'f=@" + f + "' -F 'g=<" + f + "' -F 'h=@" + f +
                     ";type=text/x;filename=z.bin' --form-string 'k=@raw' -F 'q=\"x;y\\\"\"' " +
                     "-F 'r=@\"" + f +
                     "\";filename=\"a;b\"' -F 'u=v;unknown' -F 'v=v;filename=x.txt' " +
                     "-F 'x=v;TYPE=text/bar' -F 'y=\"open' " + s.base + "/echo";
  // Both boundaries, curl 7.88's (16 hex digits) and 8's (22 letters), read alike.
  std::string norm = " | sed -E 's/-{24}[A-Za-z0-9]{16,22}/BOUNDARY/g'";
  auto mine = sh(get(args) + norm);
  auto theirs = sh("curl " + args + norm);
  CHECK(mine.exit_code == 0);
  CHECK(mine.out == theirs.out);
  CHECK_THAT(mine.out, ContainsSubstring("filename=\"z.bin\"\r\nContent-Type: text/x"));
  // "<file" names no file, as curl 8.14 sends it (not compared: older curls may differ).
  auto inline_file = sh(get("-s -F 'w=<" + f + ";filename=y.txt' " + s.base + "/echo"));
  CHECK_THAT(inline_file.out, ContainsSubstring("name=\"w\"\r\n\r\nfile body\n"));
  auto type = sh(get("-s -F a=b -o /dev/null -w '%{content_type}' " + s.base + "/echo"));
  CHECK_THAT(type.out, ContainsSubstring("multipart/form-data; boundary="));
  CHECK(sh(get("-s -F a=b -d c " + s.base + "/echo")).exit_code == 2);
  CHECK(sh(get("-s -F 'f=@/nonexistent' " + s.base + "/echo")).exit_code == 26);
}

TEST_CASE("get -K reads curl's config syntax; --url and -H @FILE as curl has them",
          "[get][config]") {
  Server s;
  std::string cfg = tmpdir() + "/get.cfg", hdrs = tmpdir() + "/headers.txt";
  {
    std::ofstream(cfg) << "# a comment, then every form curl reads\n"
                       << "url = \"" << s.base << "/headers\"\n"
                       << "--header \"X-A: 1 2\"\n"
                       << "silent\n"
                       << "-H X-B:3\n"
                       << "user-agent: \"a \\\"q\\\" b\"\n";
    std::ofstream(hdrs) << "X-C: c\r\nX-D: d\n";
  }
  auto mine = seen_headers(get("-K " + cfg));
  auto theirs = seen_headers("curl -K " + cfg);
  for (const char* name : {"X-A", "X-B", "User-Agent"}) {
    INFO(name);
    CHECK(mine[name] == theirs[name]);
  }
  CHECK(mine["User-Agent"] == "a \"q\" b");
  auto from_file = seen_headers(get("-s -H @" + hdrs + " --url " + s.base + "/headers"));
  CHECK(from_file["X-C"] == "c");
  CHECK(from_file["X-D"] == "d");
  auto piped = sh("echo 'url = \"" + s.base + "/bytes/3\"' | " + get("-s -K -"));
  CHECK(piped.out == "abc");
  CHECK(sh(get("-s -K /nonexistent/cfg")).exit_code == 26);
  { std::ofstream(cfg) << "no-such-option\n"; }
  auto bad = sh(get("-K " + cfg + " " + s.base + "/bytes/1"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, ContainsSubstring("--no-such-option is unknown"));
}

TEST_CASE("get -w: remote and local ends on a reused connection, %{url}, %header, -w @-",
          "[get][writeout]") {
  Server s;
  std::string w =
      "-o /dev/null -o /dev/null -w '%{urlnum} %{remote_ip}:%{remote_port} "
      "%{local_ip} %{num_connects} [%header{content-length}]\\n' ";
  auto two = sh(get("-s " + w + s.base + "/bytes/1 " + s.base + "/bytes/22"));
  std::string port = std::to_string(s.port);
  CHECK(two.out ==
        "0 127.0.0.1:" + port + " 127.0.0.1 1 [1]\n1 127.0.0.1:" + port + " 127.0.0.1 0 [22]\n");
  auto url = sh(get("-s -o /dev/null -w '%{url}' '" + s.base + "/bytes/1#frag'"));
  CHECK(url.out == s.base + "/bytes/1#frag");
  // As curl 8.14: a fragment stays in %{url_effective}; a repeated field's first
  // value in %header, the last Content-Type in %{content_type}.
  auto repeated =
      sh(get("-s -o /dev/null -w '%{url_effective} [%header{x-m}] [%{content_type}]' '" + s.base +
             "/response-headers?X-M=a&X-M=b#frag'"));
  CHECK(repeated.out == s.base + "/response-headers?X-M=a&X-M=b#frag [a] [application/json]");
  auto err =
      sh(get("-s -o /dev/null -o /dev/null -w 'fine%{onerror} broke %{exitcode}' "
             "http://127.0.0.1:1/ " +
             s.base + "/bytes/1"));
  CHECK(err.out == "fine broke 7fine");
  auto streams = sh(get("-s -o /dev/null -w 'to-out%{stderr}to-err' " + s.base + "/bytes/1"));
  CHECK(streams.out == "to-out");
  CHECK(streams.err == "to-err");
  auto piped = sh("echo '%{http_code}' | " + get("-s -o /dev/null -w @- " + s.base + "/bytes/1"));
  CHECK(piped.out == "200");
  auto hj = sh(get("-s -o /dev/null -w '%{header_json}' " + s.base + "/bytes/1"));
  auto parsed = nlohmann::json::parse(hj.out);
  CHECK(parsed["content-length"] == nlohmann::json::array({"1"}));
}

TEST_CASE("get --next: each operation its own options, globals for all, curl's exit codes",
          "[get][next]") {
  Server s;
  const std::string u = s.base;
  // Output and exit code as curl's for the same command line.
  const std::string cases[] = {
      u + "/bytes/5 --next -d hello " + u + "/echo -w ' %{http_code} %{method}\\n'",
      "-f " + u + "/status/404 --next " + u + "/bytes/3",  // the last transfer's code: 0
      u + "/bytes/3 --next -f " + u + "/status/404",       // 22
      "--fail-early -f " + u + "/status/404 --next " + u + "/bytes/3",  // global: 22, no "abc"
      "-d --next " + u + "/echo",                                       // a value, not a divider
      "-X PUT -d a " + u + "/echo -: -d b " + u + "/echo -w '%{method}'",
      "-I --next " + u + "/bytes/3",  // no URL before --next: 2, nothing fetched
  };
  for (const auto& args : cases) {
    INFO(args);
    auto mine = sh(get("-s " + args));
    auto theirs = sh("curl -s " + args);
    CHECK(mine.exit_code == theirs.exit_code);
    CHECK(mine.out == theirs.out);
  }
  // Headers are per operation; the cookie jar is shared.
  std::string f1 = tmpdir() + "/next1", f2 = tmpdir() + "/next2";
  auto r =
      sh(get("-s -H 'X-A: 1' " + u + "/headers -o " + f1 + " --next " + u + "/headers -o " + f2));
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(slurp(f1))["headers"]["X-A"] == "1");
  CHECK_FALSE(nlohmann::json::parse(slurp(f2))["headers"].contains("X-A"));
  std::string jar_args = "-L -c " + tmpdir() + "/next.jar '" + u + "/cookies/set?a=1' -o " + f1 +
                         " --next -b '' " + u + "/cookies";
  auto cookies = sh(get("-s " + jar_args));
  CHECK(cookies.out == sh("curl -s " + jar_args).out);
  CHECK(nlohmann::json::parse(cookies.out)["cookies"] == nlohmann::json({{"a", "1"}}));
  // -v holds for both operations; "next" divides in a -K file too.
  auto verbose = sh(get("-v " + u + "/bytes/1 --next " + u + "/bytes/2"));
  CHECK(count_of(verbose.err, "> GET /bytes/") == 2);
  std::string cfg = tmpdir() + "/next.cfg";
  {
    std::ofstream(cfg) << "url = \"" << u << "/bytes/2\"\nnext\ndata = \"z\"\nurl = \"" << u
                       << "/echo\"\n";
  }
  auto from_cfg = sh(get("-s -K " + cfg));
  CHECK(from_cfg.out == "abz");
  CHECK(from_cfg.out == sh("curl -s -K " + cfg).out);
}

TEST_CASE("get --proto, --proto-redir, --proto-default and --post302 as curl 8.14 has them",
          "[get][proto]") {
  Server s;
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    CHECK(sh(client + "-s --proto =https " + s.base + "/bytes/1").exit_code == 1);
    auto redir = sh(client + "-sL --proto-redir =https -o /dev/null -w '%{num_redirects}' " +
                    s.base + "/redirect/1");
    CHECK(redir.exit_code == 1);  // the hop to http:// is refused, and counted
    CHECK(redir.out == "1");
    auto allowed = sh(client + "-sL --proto-redir -all,http -o /dev/null -w '%{http_code}' " +
                      s.base + "/redirect/1");
    CHECK(allowed.exit_code == 0);
    CHECK(allowed.out == "200");
    auto bare = sh(client + "-q -s --tcp-nodelay --basic --proto-default http 127.0.0.1:" +
                   std::to_string(s.port) + "/bytes/3");
    CHECK(bare.exit_code == 0);
    CHECK(bare.out == "abc");
    auto post = sh(client + "-s --location-trusted --post302 -d a=1 -o /dev/null -w '%{method}' '" +
                   s.base + "/redirect-to?url=/echo'");
    CHECK(post.exit_code == 0);
    CHECK(post.out == "POST");
  }
}

TEST_CASE("get --netrc-file, -n and --netrc-optional: credentials per host, as curl",
          "[get][netrc]") {
  Server s;
  std::string dir = tmpdir();
  std::string netrc = dir + "/netrc";
  write_file(netrc,
             "machine 127.0.0.1 login alice password s3cret\ndefault login anon password x\n");
  std::string url = s.base + "/basic-auth/alice/s3cret";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    CHECK(sh(client + "-s --netrc-file " + netrc + " -w '%{http_code}' -o /dev/null " + url).out ==
          "200");
    write_file(dir + "/.netrc", "machine 127.0.0.1 login alice password s3cret\n");
    CHECK(sh("HOME=" + dir + " " + client + "-s -n -w '%{http_code}' -o /dev/null " + url).out ==
          "200");
    sh("rm " + dir + "/.netrc");
    // The URL's own credentials win with --netrc-optional, -u over both.
    std::string bob = "http://bob:pw@127.0.0.1:" + std::to_string(s.port) + "/basic-auth/bob/pw";
    CHECK(sh(client + "-s --netrc-optional --netrc-file " + netrc +
             " -w '%{http_code}' -o /dev/null " + bob)
              .out == "200");
    CHECK(sh(client + "-s --netrc-file " + netrc + " -u carol:c -w '%{http_code}' -o /dev/null " +
             s.base + "/basic-auth/carol/c")
              .out == "200");
  }
  // No such file: curl 8.14's exit 26 (7.88 went on without credentials).
  auto missing = sh(get("-s --netrc-file " + dir + "/none " + url));
  CHECK(missing.exit_code == 26);
  CHECK(sh("HOME=" + dir + " " + get("-s -n " + url)).exit_code == 26);
  auto optional = sh(get("-s --netrc-optional --netrc-file " + dir +
                         "/none -o /dev/null -w '%{http_code}' " + url));
  CHECK(optional.exit_code == 0);
  CHECK(optional.out == "401");
}

TEST_CASE("get --url-query and --path-as-is shape the request target as curl's do", "[get][data]") {
  Server s;
  std::string args =
      "-s -v -o /dev/null --url-query 'a=b c' --url-query '+x=y' "
      "--url-query '=q&r' ";
  std::string path_args = "-s -v -o /dev/null --path-as-is ";
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto q = sh(client + args + "'" + s.base + "/bytes/1?z=1#frag' 2>&1");
    CHECK_THAT(q.out, ContainsSubstring("> GET /bytes/1?z=1&a=b+c&x=y&q%26r HTTP/1.1"));
    auto p = sh(client + path_args + s.base + "/a/./../bytes/1 2>&1");
    CHECK_THAT(p.out, ContainsSubstring("> GET /a/./../bytes/1 HTTP/1.1"));
    auto squashed = sh(client + "-s -v -o /dev/null " + s.base + "/a/./../bytes/1 2>&1");
    CHECK_THAT(squashed.out, ContainsSubstring("> GET /bytes/1 HTTP/1.1"));
  }
}

TEST_CASE("get -j: -b's session cookies are not sent, those with an expiry are", "[get][cookies]") {
  Server s;
  std::string jar = tmpdir() + "/junk-jar";
  write_file(jar,
             "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t1\n"
             "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tkept\t2\n");
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto all = seen_headers(client + "-s -b " + jar + " " + s.base + "/headers");
    CHECK(all["Cookie"] == "session=1; kept=2");
    auto junk = seen_headers(client + "-s -j -b " + jar + " " + s.base + "/headers");
    CHECK(junk["Cookie"] == "kept=2");
  }
}

TEST_CASE("get --request-target sends its target instead of the URL's, as curl", "[get][data]") {
  Server s;
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto star =
        sh(client + "-s -v -X OPTIONS --request-target '*' -o /dev/null -w '%{http_code}' " +
           s.base + "/x 2>&1");
    CHECK_THAT(star.out, ContainsSubstring("> OPTIONS * HTTP/1.1"));
    CHECK(star.out.ends_with("200"));
    auto h2 =
        sh(client + "-s --http2-prior-knowledge --request-target '/bytes/2' " + s.base + "/x");
    CHECK(h2.out == "ab");
  }
}

TEST_CASE("get --digest and --anyauth answer a 401's challenge as curl does", "[get][auth]") {
  struct Case {
    std::string mode, flag, want;
  };
  for (const auto& [mode, flag, want] : {Case{"md5", "--digest", "ok digest /p?q=1\n"},
                                         Case{"sha256", "--digest", "ok digest /p?q=1\n"},
                                         Case{"md5-sess", "--anyauth", "ok digest /p?q=1\n"},
                                         Case{"noqop", "--digest", "ok digest /p?q=1\n"},
                                         Case{"digest+basic", "--anyauth", "ok digest /p?q=1\n"},
                                         Case{"basic-only", "--anyauth", "ok basic /p?q=1\n"},
                                         Case{"basic-only", "--digest", "denied\n"}}) {
    INFO(mode << " " << flag);
    BadServer peer(mode, "digestserver.py");
    std::string args = "-s " + flag + " -u alice:s3cret '" + peer.url + "p?q=1'";
    auto mine = sh(get(args)), theirs = sh("curl " + args);
    CHECK(mine.exit_code == 0);
    CHECK(mine.out == want);
    CHECK(mine.out == theirs.out);
  }
  BadServer peer("md5", "digestserver.py");
  // A wrong password: one answer, then the 401 stands (-f: 22); a POST's body goes again.
  CHECK(sh(get("-s --digest -u alice:nope -w '%{http_code}' " + peer.url)).out == "denied\n401");
  CHECK(sh(get("-sf --digest -u alice:nope " + peer.url)).exit_code == 22);
  auto post =
      sh(get("-s --digest -u alice:s3cret -d hello -w ' %{size_upload}' " + peer.url + "post"));
  CHECK(post.out == "ok digest /post\n 5");
}

TEST_CASE("get -j leaves the session cookies an earlier --next operation received",
          "[get][cookies]") {
  Server s;
  std::string empty = tmpdir() + "/empty-jar";
  write_file(empty, "");
  for (const std::string& client : {get(""), std::string("curl ")}) {
    INFO(client);
    auto r = sh(client + "-s -b '' -o /dev/null '" + s.base + "/cookies/set?sess=1' --next -j -b " +
                empty + " " + s.base + "/headers");
    CHECK_THAT(r.out, ContainsSubstring("sess=1"));
  }
}
