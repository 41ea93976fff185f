#include "cli/get_netrc.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sluice::cli {

namespace {

// Splits a .netrc text into tokens, comments and macro bodies dropped.
class NetrcLexer {
 public:
  explicit NetrcLexer(std::string_view text) : s_(text) {}

  // The next token; false at the end.
  bool next(std::string& token) {
    skip_blanks_and_comments();
    if (at_ >= s_.size()) return false;
    token.clear();
    if (s_[at_] == '"') return quoted(token);
    while (at_ < s_.size() && !blank(s_[at_])) token += s_[at_++];
    return true;
  }

  // macdef's body: every line up to an empty one.
  void skip_macro() {
    auto end = s_.find("\n\n", at_);
    at_ = end == std::string_view::npos ? s_.size() : end + 2;
  }

 private:
  static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  void skip_blanks_and_comments() {
    for (;;) {
      while (at_ < s_.size() && blank(s_[at_])) ++at_;
      if (at_ >= s_.size() || s_[at_] != '#') return;
      auto nl = s_.find('\n', at_);
      at_ = nl == std::string_view::npos ? s_.size() : nl;
    }
  }

  bool quoted(std::string& token) {
    ++at_;
    while (at_ < s_.size() && s_[at_] != '"') {
      char c = s_[at_++];
      if (c == '\\' && at_ < s_.size()) {
        c = s_[at_++];
        c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
      }
      token += c;
    }
    if (at_ < s_.size()) ++at_;  // the closing quote
    return true;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<fetch::NetrcEntry> parse_netrc(std::string_view text) {
  std::vector<fetch::NetrcEntry> out;
  NetrcLexer lex(text);
  std::string token, value;
  while (lex.next(token)) {
    if (token == "machine" || token == "default") {
      out.push_back({});
      if (token == "machine" && lex.next(value)) out.back().machine = value;
    } else if (token == "macdef") {
      lex.next(value);  // its name
      lex.skip_macro();
    } else if (token == "login" || token == "password" || token == "account") {
      if (!lex.next(value)) break;
      if (out.empty() || token == "account") continue;
      (token == "login" ? out.back().login : out.back().password) = value;
    }
  }
  return out;
}

Result<std::vector<fetch::NetrcEntry>> load_netrc(const std::string& file, bool optional) {
  std::string path = file;
  if (path.empty()) {
    const char* home = std::getenv("HOME");
    path = std::string(home ? home : "") + "/.netrc";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (optional) return std::vector<fetch::NetrcEntry>{};
    return fail(Errc::read_failed, ".netrc error: no such file");
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_netrc(text);
}

}  // namespace sluice::cli
