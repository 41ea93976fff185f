#include "cli/write_out.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <string>

using sluice::cli::render_write_out;
using sluice::cli::report_json;
using sluice::fetch::Report;

namespace {

// A strict reader for one flat JSON object: {"key": string|number|true|false|null, ...}.
// Values come back as text: strings unescaped, everything else as written.
class FlatJson {
 public:
  explicit FlatJson(std::string_view s) : s_(s) {}

  std::optional<std::map<std::string, std::string>> parse() {
    std::map<std::string, std::string> out;
    ws();
    if (!eat('{')) return std::nullopt;
    ws();
    if (eat('}')) return end(out);
    while (true) {
      ws();
      auto key = string();
      if (!key) return std::nullopt;
      ws();
      if (!eat(':')) return std::nullopt;
      ws();
      auto val = value();
      if (!val || out.count(*key)) return std::nullopt;
      out[*key] = *val;
      ws();
      if (eat('}')) return end(out);
      if (!eat(',')) return std::nullopt;
    }
  }

 private:
  std::optional<std::map<std::string, std::string>> end(std::map<std::string, std::string>& m) {
    ws();
    if (i_ != s_.size()) return std::nullopt;
    return m;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool digit() const { return i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])); }
  std::optional<std::string> string() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) return std::nullopt;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return std::nullopt;
          unsigned v = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            if (!std::isxdigit(static_cast<unsigned char>(h))) return std::nullopt;
            v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : std::tolower(h) - 'a' + 10);
          }
          if (v >= 0x80) return std::nullopt;  // the tests only need ASCII
          out += static_cast<char>(v);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }
  // JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::optional<std::string> number() {
    std::size_t start = i_;
    eat('-');
    if (eat('0')) {
      if (digit()) return std::nullopt;  // no leading zeros
    } else if (digit()) {
      while (digit()) ++i_;
    } else {
      return std::nullopt;
    }
    if (eat('.')) {
      if (!digit()) return std::nullopt;
      while (digit()) ++i_;
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digit()) return std::nullopt;
      while (digit()) ++i_;
    }
    return std::string(s_.substr(start, i_ - start));
  }
  std::optional<std::string> value() {
    if (i_ >= s_.size()) return std::nullopt;
    if (s_[i_] == '"') return string();
    for (std::string_view lit : {"true", "false", "null"})
      if (s_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        return std::string(lit);
      }
    return number();
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

Report write_out_sample() {
  Report r;
  r.url_effective = "https://example.com/a?b=1";
  r.http_code = 200;
  r.http_version = "1.1";
  r.size_download = 12345;
  r.size_header = 210;
  r.size_upload = 7;
  r.time_namelookup = 0.001;
  r.time_connect = 0.0025;
  r.time_appconnect = 0.01;
  r.time_starttransfer = 0.02;
  r.time_total = 0.5;
  r.num_connects = 1;
  r.num_redirects = 2;
  r.remote_ip = "127.0.0.1";
  r.remote_port = 8443;
  r.content_type = "text/html; charset=utf-8";
  r.scheme = "https";
  r.method = "POST";
  r.redirect_url = "https://example.com/next";
  return r;
}

std::string render(const std::string& tmpl, const Report& r = write_out_sample(),
                   int exit_code = 0) {
  return render_write_out(tmpl, r, exit_code);
}

}  // namespace

TEST_CASE("write-out: every variable", "[write_out]") {
  CHECK(render("%{content_type}") == "text/html; charset=utf-8");
  CHECK(render("%{errormsg}") == "");
  CHECK(render("%{exitcode}", write_out_sample(), 7) == "7");
  CHECK(render("%{http_code}") == "200");
  CHECK(render("%{response_code}") == "200");
  CHECK(render("%{http_version}") == "1.1");
  CHECK(render("%{num_connects}") == "1");
  CHECK(render("%{num_redirects}") == "2");
  CHECK(render("%{remote_ip}") == "127.0.0.1");
  CHECK(render("%{remote_port}") == "8443");
  CHECK(render("%{size_download}") == "12345");
  CHECK(render("%{size_header}") == "210");
  CHECK(render("%{size_upload}") == "7");
  CHECK(render("%{speed_download}") == "24690");
  CHECK(render("%{time_appconnect}") == "0.010000");
  CHECK(render("%{time_connect}") == "0.002500");
  CHECK(render("%{time_namelookup}") == "0.001000");
  CHECK(render("%{time_starttransfer}") == "0.020000");
  CHECK(render("%{time_total}") == "0.500000");
  CHECK(render("%{url_effective}") == "https://example.com/a?b=1");
  CHECK(render("%{scheme}") == "https");
  CHECK(render("%{method}") == "POST");
  CHECK(render("%{redirect_url}") == "https://example.com/next");
}

TEST_CASE("write-out: values of an empty report", "[write_out]") {
  Report r;
  CHECK(render("%{http_code}", r) == "000");
  CHECK(render("%{http_connect}", r) == "000");  // no CONNECT, as curl prints it
  CHECK(render("%{http_version}", r) == "0");
  CHECK(render("%{remote_port}", r) == "0");  // curl's value when nothing was connected
  CHECK(render("%{speed_download}", r) == "0");
  CHECK(render("%{time_total}", r) == "0.000000");
  CHECK(render("[%{scheme}][%{redirect_url}]", r) == "[][]");
  auto obj = FlatJson(report_json(r, 7)).parse();
  REQUIRE(obj);
  CHECK((*obj)["scheme"] == "null");  // as curl: nothing connected, nothing to name
  CHECK((*obj)["redirect_url"] == "null");
  CHECK((*obj)["errormsg"] == "null");
  CHECK((*obj)["http_connect"] == "0");
}

TEST_CASE("write-out: errormsg and exitcode of a failed transfer", "[write_out]") {
  Report r = write_out_sample();
  r.error = sluice::Error{sluice::Errc::connect_failed, "Failed to connect to 127.0.0.1 port 1", 0};
  CHECK(render("%{exitcode}: %{errormsg}", r, 7) == "7: Failed to connect to 127.0.0.1 port 1");
}

TEST_CASE("write-out: text around variables, escapes and %%", "[write_out]") {
  CHECK(render("code=%{http_code} t=%{time_total}\\n") == "code=200 t=0.500000\n");
  CHECK(render("a\\tb\\rc\\\\d") == "a\tb\rc\\d");
  CHECK(render("\\x") == "\\x");      // unknown escape kept as typed
  CHECK(render("end\\") == "end\\");  // trailing backslash kept
  CHECK(render("100%%") == "100%");
  CHECK(render("%%{http_code}") == "%{http_code}");
  CHECK(render("50% off") == "50% off");
  CHECK(render("%") == "%");
  CHECK(render("") == "");
  CHECK(render("%{http_code}%{http_code}") == "200200");
}

TEST_CASE("write-out: unknown and unterminated variables", "[write_out]") {
  // As curl: an unknown variable renders as nothing and is named for a warning.
  std::vector<std::string> unknown;
  CHECK(sluice::cli::render_write_out("[%{no_such_var}]%{}", write_out_sample(), 0, &unknown) ==
        "[]");
  CHECK(unknown == std::vector<std::string>{"no_such_var", ""});
  CHECK(render("[%{no_such_var}]") == "[]");
  CHECK(render("x %{http_code") == "x %{http_code");
}

TEST_CASE("write-out: %{json} is valid JSON holding the values", "[write_out]") {
  auto json = render("%{json}");
  INFO(json);
  auto obj = FlatJson(json).parse();
  REQUIRE(obj);
  auto& m = *obj;
  CHECK(m["url_effective"] == "https://example.com/a?b=1");
  CHECK(m["http_code"] == "200");
  CHECK(m["response_code"] == "200");
  CHECK(m["http_version"] == "1.1");
  CHECK(m["content_type"] == "text/html; charset=utf-8");
  CHECK(m["remote_ip"] == "127.0.0.1");
  CHECK(m["remote_port"] == "8443");
  CHECK(m["size_download"] == "12345");
  CHECK(m["size_header"] == "210");
  CHECK(m["size_upload"] == "7");
  CHECK(m["num_connects"] == "1");
  CHECK(m["num_redirects"] == "2");
  CHECK(m["exitcode"] == "0");
  CHECK(m["errormsg"] == "null");  // as curl: no error is null, not an empty string
  CHECK(m["time_total"] == "0.500000");
  CHECK(m["time_connect"] == "0.002500");
  CHECK(m["speed_download"] == "24690");
  CHECK(m["scheme"] == "https");
  CHECK(m["method"] == "POST");
  CHECK(m["redirect_url"] == "https://example.com/next");
  // Every plain variable is in the object.
  for (const char* key : {"content_type", "errormsg",        "exitcode",
                          "http_code",    "http_version",    "method",
                          "num_connects", "num_redirects",   "redirect_url",
                          "remote_ip",    "remote_port",     "response_code",
                          "scheme",       "size_download",   "size_header",
                          "size_upload",  "speed_download",  "time_appconnect",
                          "time_connect", "time_namelookup", "time_starttransfer",
                          "time_total",   "url_effective"}) {
    INFO(key);
    CHECK(m.count(key) == 1);
  }
  // report_json is what %{json} prints.
  CHECK(report_json(write_out_sample(), 0) == json);
  // Text around %{json} is kept.
  CHECK(render("<%{json}>\\n") == "<" + json + ">\n");
}

TEST_CASE("write-out: %{json} escapes strings", "[write_out]") {
  Report r = write_out_sample();
  r.url_effective = "http://h/\"quoted\"\\path";
  r.content_type = "a\tb\x01";
  r.error = sluice::Error{sluice::Errc::recv_failed, "line1\nline2", 0};
  auto json = report_json(r, 56);
  INFO(json);
  auto obj = FlatJson(json).parse();
  REQUIRE(obj);
  CHECK((*obj)["url_effective"] == r.url_effective);
  CHECK((*obj)["content_type"] == r.content_type);
  CHECK((*obj)["errormsg"] == "line1\nline2");
  CHECK((*obj)["exitcode"] == "56");
}

TEST_CASE("write-out: %{json} of a transfer without a response is valid JSON", "[write_out][bug]") {
  // No response: http_code is 0. As text curl prints "000", but JSON numbers cannot
  // have leading zeros, so %{json} must say 0 there.
  Report r;
  r.url_effective = "http://127.0.0.1:1/";
  r.error = sluice::Error{sluice::Errc::connect_failed, "Failed to connect", 111};
  auto json = report_json(r, 7);
  INFO(json);
  auto obj = FlatJson(json).parse();
  REQUIRE(obj);
  CHECK((*obj)["http_code"] == "0");
  CHECK((*obj)["response_code"] == "0");
  CHECK((*obj)["remote_port"] == "0");
  CHECK((*obj)["exitcode"] == "7");
}

TEST_CASE("write-out: curl 8's newer variables", "[write_out]") {
  Report r = write_out_sample();
  r.url = "example.com/a?b=1";
  r.url_num = 3;
  r.filename_effective = "out/file.txt";
  r.local_ip = "127.0.0.2";
  r.local_port = 40000;
  r.time_pretransfer = 0.0125;
  r.time_redirect = 0.25;
  r.headers.add("Content-Type", "text/plain");
  r.headers.add("Set-Cookie", "a=1");
  r.headers.add("set-cookie", "b=\"2\"");
  CHECK(render("%{url} %{urlnum}", r) == "example.com/a?b=1 3");
  CHECK(render("%{filename_effective}", r) == "out/file.txt");
  CHECK(render("%{local_ip}:%{local_port}", r) == "127.0.0.2:40000");
  CHECK(render("%{time_pretransfer} %{time_redirect}", r) == "0.012500 0.250000");
  CHECK(render("%{speed_upload}", r) == "14");  // 7 bytes in 0.5 s
  CHECK(render("%{num_headers}", r) == "3");
  // A repeated field gives its first value, as curl's curl_easy_header(name, 0).
  CHECK(render("[%header{content-type}][%header{SET-COOKIE}][%header{none}]", r) ==
        "[text/plain][a=1][]");
  CHECK(render("%{header_json}", r) ==
        "{\"content-type\":[\"text/plain\"],\n\"set-cookie\":[\"a=1\",\"b=\\\"2\\\"\"]\n}");
  auto obj = report_json(r, 0);
  for (const char* key : {"\"url\":", "\"urlnum\":3", "\"filename_effective\":", "\"local_port\":"})
    CHECK(obj.find(key) != std::string::npos);
}

TEST_CASE("write-out: %{onerror}, %{stderr}, %{stdout} and an escaped backslash", "[write_out]") {
  CHECK(render("a%{onerror}b", write_out_sample(), 0) == "a");
  CHECK(render("a%{onerror}b", write_out_sample(), 7) == "ab");
  auto both =
      sluice::cli::render_write_out_streams("1%{stderr}2%{stdout}3\\\\", write_out_sample(), 0);
  CHECK(both.out == "13\\");
  CHECK(both.err == "2");
}
