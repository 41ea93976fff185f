#include "cli/url_glob.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>

namespace sluice::cli {

namespace {

constexpr std::size_t kMaxPieces = 100;  // curl's GLOB_PATTERN_NUM: literals and globs

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

// "[...]" at the start of s holding an IPv6 address (a zone after '%' allowed):
// its length, else 0. curl asks its URL parser the same question.
std::size_t ipv6_literal(std::string_view s) {
  auto end = s.find(']');
  if (end == std::string_view::npos || end + 1 >= 128) return 0;
  std::string host(s.substr(1, end - 1));
  host = host.substr(0, host.find('%'));
  in6_addr addr{};
  return ::inet_pton(AF_INET6, host.c_str(), &addr) == 1 ? end + 1 : 0;
}

// Digits at s[i...] as a number; false when there are none or too many.
bool read_number(std::string_view s, std::size_t& i, uint64_t& n) {
  auto first = s.data() + i;
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), n);
  if (ec != std::errc{} || ptr == first) return false;
  i += static_cast<std::size_t>(ptr - first);
  return true;
}

// curl's test of a range's bounds and step.
bool good_range(uint64_t min, uint64_t max, uint64_t step) {
  if (step == 0) return false;
  if (min == max) return step == 1;
  return min < max && step <= max - min;
}

}  // namespace

class GlobParser {
 public:
  explicit GlobParser(std::string_view url) : s_(url) {}

  Result<UrlGlob> run() {
    std::string literal;
    while (i_ < s_.size()) {
      char c = s_[i_];
      std::size_t skip = c == '[' ? literal_brackets() : 0;
      if (skip) {
        literal += s_.substr(i_, skip);
        i_ += skip;
      } else if (c == '{' || c == '[') {
        if (auto r = add_literal(literal); !r) return std::unexpected(r.error());
        auto r = c == '{' ? set() : range();
        if (!r) return std::unexpected(r.error());
      } else if (c == '}' || c == ']') {
        return error("unmatched close brace/bracket", i_ + 1);
      } else {
        if (c == '\\' && i_ + 1 < s_.size() && std::string_view("{}[]").contains(s_[i_ + 1]))
          ++i_;  // curl lets '\' escape these four only
        literal += s_[i_++];
      }
    }
    if (auto r = add_literal(literal); !r) return std::unexpected(r.error());
    return std::move(glob_);
  }

 private:
  // "[]" and IPv6 literals are text, not ranges.
  std::size_t literal_brackets() const {
    std::size_t v6 = ipv6_literal(s_.substr(i_));
    if (v6) return v6;
    return i_ + 1 < s_.size() && s_[i_ + 1] == ']' ? 2 : 0;
  }

  std::unexpected<Error> error(std::string_view why, std::size_t pos) const {
    return std::unexpected(
        Error{Errc::bad_url, fmt::format("{} in URL position {}: {}", why, pos, s_)});
  }

  Result<void> add_literal(std::string& text) {
    if (text.empty()) return {};
    auto r = add({{std::move(text)}, false});
    text.clear();
    return r;
  }

  Result<void> add(UrlGlob::Piece piece) {
    if (glob_.pieces_.size() + 1 >= kMaxPieces) return error("too many globs", i_);
    uint64_t n = piece.size();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) /
                glob_.count_)  // curl counts in curl_off_t
      return error("range overflow", i_);
    glob_.count_ *= n;
    glob_.pieces_.push_back(std::move(piece));
    return {};
  }

  // {one,two,...}: empty elements count, "{}" is an error, nothing nests.
  Result<void> set() {
    std::size_t open = i_++;
    UrlGlob::Piece piece{{""}, true};
    for (std::size_t start = i_;; ++i_) {
      if (i_ >= s_.size()) return error("unmatched brace", open + 1);
      char c = s_[i_];
      if (c == '{' || c == '[') return error("nested brace", i_ + 1);
      if (c == ']') return error("unexpected close bracket", i_ + 1);
      if (c == '}' && i_ == start) return error("empty string within braces", i_ + 1);
      if (c == '}') break;
      if (c == ',') {
        piece.values.emplace_back();
        continue;
      }
      if (c == '\\' && i_ + 1 < s_.size()) ++i_;
      piece.values.back() += s_[i_];
    }
    ++i_;
    return add(std::move(piece));
  }

  Result<void> range() {
    if (i_ + 1 < s_.size() && is_alpha(s_[i_ + 1])) return letters();
    if (i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) return numbers();
    return error("bad range specification", i_ + 1);
  }

  // ":STEP]" or "]" after a range's bounds; step 0 marks it bad.
  uint64_t step_and_close() {
    uint64_t step = 1;
    if (i_ < s_.size() && s_[i_] == ':' && !read_number(s_, ++i_, step)) return 0;
    if (i_ >= s_.size() || s_[i_] != ']') return 0;
    ++i_;
    return step;
  }

  // [a-z] or [A-Z:2]: one case, at most 26 letters.
  Result<void> letters() {
    bool shape = i_ + 3 < s_.size() && s_[i_ + 2] == '-';
    // Unsigned: as a (signed) char, a bound over 0x7f passed the checks below
    // and made a glob of no values, so a URL of no URLs.
    uint8_t min = shape ? uint8_t(s_[i_ + 1]) : 0, max = shape ? uint8_t(s_[i_ + 3]) : 0;
    i_ += shape ? 4 : 1;
    uint64_t step = shape ? step_and_close() : 0;
    if (!good_range(min, max, step) || max - min > 'z' - 'a') return error("bad range", i_);
    UrlGlob::Piece piece{{}, true};
    for (int c = min; c <= max; c += static_cast<int>(step)) piece.values.emplace_back(1, char(c));
    return add(std::move(piece));
  }

  // [1-10], [001-100] (zero-padded to the first number's width), [0-100:10].
  Result<void> numbers() {
    std::size_t first = ++i_;
    uint64_t min = 0, max = 0, step = 0;
    bool ok = read_number(s_, i_, min) && i_ < s_.size() && s_[i_] == '-';
    std::size_t width = s_[first] == '0' ? i_ - first : 0;
    if (ok) {
      ++i_;
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
      ok = read_number(s_, i_, max);
    }
    if (ok) step = step_and_close();
    if (!good_range(min, max, step)) return error("bad range", i_);
    // [0-18446744073709551615] has 2^64 values: the count would wrap to 0.
    if ((max - min) / step >= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return error("range overflow", i_);
    return add({{}, true, min, step, (max - min) / step + 1, width});
  }

  std::string_view s_;
  std::size_t i_ = 0;
  UrlGlob glob_;
};

Result<UrlGlob> UrlGlob::parse(std::string_view url) {
  return GlobParser(url).run();
}

std::string UrlGlob::Piece::value(uint64_t k) const {
  return values.empty() ? fmt::format("{:0{}}", min + k * step, width) : values[k];
}

std::string UrlGlob::at(uint64_t i, std::vector<std::string>* values) const {
  std::string url;
  std::vector<std::string> picked(pieces_.size());
  for (std::size_t k = pieces_.size(); k-- > 0;) {  // the last glob varies fastest
    picked[k] = pieces_[k].value(i % pieces_[k].size());
    i /= pieces_[k].size();
  }
  if (values) values->clear();
  for (std::size_t k = 0; k < pieces_.size(); ++k) {
    url += picked[k];
    if (values && pieces_[k].glob) values->push_back(picked[k]);
  }
  return url;
}

std::string glob_file_name(std::string_view tmpl, const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    uint64_t n = 0;
    std::size_t end = i + 1;
    if (tmpl[i] == '#' && read_number(tmpl, end, n) && n >= 1 && n <= values.size()) {
      out += values[n - 1];
      i = end;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

}  // namespace sluice::cli
