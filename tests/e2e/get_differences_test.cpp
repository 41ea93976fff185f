// The man page's DIFFERENCES FROM CURL, kept honest (issue 18): every
// difference it lists is run here, and a listed difference without a check
// fails the test, so the page cannot promise what sluice does not do.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <functional>
#include <string>
#include <vector>

#include "get_helpers.hpp"

using namespace e2e;
using Catch::Matchers::ContainsSubstring;

namespace {

// The bullets of the man page's DIFFERENCES FROM CURL, each on one line.
std::vector<std::string> documented_differences() {
  auto man = sh(std::string(sluice_bin()) + " --generate man");
  REQUIRE(man.exit_code == 0);
  auto at = man.out.find(".SH DIFFERENCES FROM CURL");
  REQUIRE(at != std::string::npos);
  std::string section = man.out.substr(at, man.out.find("\n.SH ", at + 1) - at);
  std::vector<std::string> bullets;
  std::size_t pos = 0;
  while (pos < section.size()) {
    std::size_t end = section.find('\n', pos);
    std::string line = section.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? section.size() : end + 1;
    for (std::size_t k; (k = line.find("\\-")) != std::string::npos;) line.replace(k, 2, "-");
    if (line.starts_with("  - "))
      bullets.push_back(line.substr(4));
    else if (line.starts_with("    ") && !bullets.empty())
      bullets.back() += " " + line.substr(4);
  }
  return bullets;
}

struct Check {
  std::string phrase;  // what the bullet says, enough to find it
  std::function<void()> run;
};

void curlrc_is_not_read() {
  std::string home = tmpdir() + "/home-with-curlrc";
  REQUIRE(sh("mkdir -p " + home).exit_code == 0);
  write_file(home + "/.curlrc", "header = \"X-From-Curlrc: 1\"\n");
  BadServer bs("head-echo");
  auto mine = sh("HOME=" + home + " " + get("-s " + bs.url));
  CHECK(mine.exit_code == 0);
  CHECK_THAT(mine.out, !ContainsSubstring("X-From-Curlrc"));
  CHECK_THAT(sh("HOME=" + home + " curl -s " + bs.url).out, ContainsSubstring("X-From-Curlrc"));
}

void no_upload_glob() {
  Server s;
  CHECK(sh(get("-s -T '{a,b}' " + s.base + "/echo")).exit_code == 26);  // a file named so
}

void next_without_url_fetches_nothing() {
  Server s;
  CHECK(sh(get("-s " + s.base + "/bytes/1 --next")).exit_code == 2);
  CHECK(s.stat("requests") == 1);  // the /stats request itself
}

void upload_of_a_directory() {
  Server s;
  CHECK(sh(get("-s -T " + tmpdir() + " " + s.base + "/echo")).exit_code == 26);
}

void http_proxies_only() {
  auto socks = sh(get("-sS -x socks5://127.0.0.1:9 http://127.0.0.1:9/"));
  CHECK(socks.exit_code == 7);
  CHECK_THAT(socks.err, ContainsSubstring("Unsupported proxy scheme"));
  CHECK(sh(get("-s --proxy-digest -x 127.0.0.1:9 http://127.0.0.1:9/")).exit_code == 2);
}

void both_unix_sockets() {
  CHECK(sh(get("-s --unix-socket /tmp/a --abstract-unix-socket b http://x/")).exit_code == 2);
}

void binary_refusal_shows_under_sS() {
  std::string dir = tmpdir() + "/differences-tty";
  REQUIRE(sh("mkdir -p " + dir).exit_code == 0);
  write_file(dir + "/zeros.bin", std::string("abc") + std::string(97, '\0'));
  Server s("--root " + dir);
  auto r = sh("script -qec \"" + get("-sS " + s.base + "/zeros.bin") + "\" /dev/null");
  CHECK(r.exit_code == 23);
  CHECK_THAT(r.out, ContainsSubstring("--output -"));
}

void own_wording() {
  auto r = sh(get("-sS http://127.0.0.1:9/"));
  CHECK(r.exit_code == 7);
  CHECK(r.err.starts_with("sluice: (7) "));
}

void body_held_within_max_buffer() {
  Server s;
  // 64 MB into a reader that sleeps first: the peak stays near the buffer.
  std::string rss = tmpdir() + "/max-buffer.rss";
  auto r = sh("set -o pipefail; /usr/bin/time -o " + rss + " -f '%M' " +
                  get("-s " + s.base + "/bytes/67108864") + " | (sleep 1; cat >/dev/null)",
              60);
  REQUIRE(r.exit_code == 0);
#ifndef SLUICE_SANITIZED                     // ASan's shadow memory swamps a peak-RSS bound
  CHECK(std::stol(slurp(rss)) < 32 * 1024);  // KiB
#endif
}

void disagreeing_lengths() {
  CHECK(sh(get("-s " + BadServer("dup-cl-differ").url)).exit_code == 8);
}

void truncated_coding() {
  CHECK(sh(get("-s --compressed " + BadServer("ce-truncated").url)).exit_code == 61);
}

void user_without_terminal() {
  Server s;
  auto r = sh("setsid -w " + get("-sS -u someone " + s.base + "/") + " </dev/null");
  CHECK(r.exit_code == 2);
}

void write_out_url_and_backslash() {
  Server s;
  std::string url = "'http://u:p@127.0.0.1:" + std::to_string(s.port) + "/bytes/1#frag'";
  auto r = sh(get("-s -o /dev/null -w 'a\\\\b|%{url_effective}' " + url));
  CHECK(r.out == "a\\b|" + s.base + "/bytes/1#frag");  // the fragment stays, as in curl
}

void decoded_size() {
  Server s;
  auto r = sh(
      get("-s --compressed -o /dev/null -w '%{size_download}' " + s.base + "/encoded/gzip/1000"));
  CHECK(r.out == "1000");
}

void head_by_method() {
  Server s;
  auto r = sh(get("-s -X HEAD -m 5 -w '%{http_code} %{size_download}' " + s.base + "/bytes/10"));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "200 0");
}

void trace_without_tls_records() {
  Server s("", true);
  auto r = sh(get("-sk --trace-ascii - -o /dev/null " + s.base + "/bytes/1"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("<= Recv data, 1 bytes (0x1)"));
  CHECK_THAT(r.out, !ContainsSubstring("SSL data"));
}

void netrc_under_url_credentials() {
  Server s;
  std::string netrc = tmpdir() + "/differences-netrc";
  write_file(netrc, "machine 127.0.0.1 login bob password fromnetrc\n");
  std::string url = "http://bob:pw@127.0.0.1:" + std::to_string(s.port) + "/basic-auth/bob/pw";
  auto r = sh(get("-s -n --netrc-file " + netrc + " -o /dev/null -w '%{http_code}' " + url));
  CHECK(r.out == "200");
}

}  // namespace

TEST_CASE("get: each difference from curl the man page lists holds", "[get][curl][man]") {
  const std::vector<Check> checks = {
      {"No ~/.curlrc is read", curlrc_is_not_read},
      {"No -T globbing", no_upload_glob},
      {"--next operations run one after another", next_without_url_fetches_nothing},
      {"-T of a directory is exit 26", upload_of_a_directory},
      {"Proxies are HTTP proxies", http_proxies_only},
      {"--unix-socket and --abstract-unix-socket together are exit 2", both_unix_sockets},
      {"binary-output refusal (exit 23) is an error message", binary_refusal_shows_under_sS},
      {"worded differently", own_wording},
      {"never held beyond --max-buffer", body_held_within_max_buffer},
      {"Two Content-Length headers that disagree are exit 8", disagreeing_lengths},
      {"coded stream stops short", truncated_coding},
      {"-u USER without a password and without a terminal", user_without_terminal},
      {"%{url_effective} (and %{urle.*}) leave out user:password", write_out_url_and_backslash},
      {"%{size_download} and %{speed_download} count the decoded", decoded_size},
      {"-X HEAD reads no body", head_by_method},
      {"With -n, a URL that names both user and password", netrc_under_url_credentials},
      {"--trace and --trace-ascii show the HTTP bytes but no TLS records",
       trace_without_tls_records},
  };
  auto bullets = documented_differences();
  REQUIRE(bullets.size() >= checks.size());
  for (const auto& bullet : bullets) {
    INFO(bullet);
    const Check* check = nullptr;
    for (const auto& c : checks)
      if (bullet.find(c.phrase) != std::string::npos) check = &c;
    REQUIRE(check != nullptr);  // a documented difference needs its check here
    check->run();
  }
}
