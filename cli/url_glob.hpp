// `sluice get`'s URL globbing, curl's syntax: sets {a,b,c}, numeric ranges
// [1-10], [001-100], [0-100:10], letter ranges [a-z], [A-Z:2]; '\' escapes
// {}[]; "[]" and IPv6 literals such as [::1] stay as they are. Several globs
// give their cartesian product, the last one varying fastest, as in curl.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/error.hpp"

namespace sluice::cli {

// One URL as curl's globbing turns it into many: the literal text and the
// globs, each a list of values.
class UrlGlob {
 public:
  // Errc::bad_url (curl's exit 3) with curl's reason: unmatched brace, bad
  // range, nested brace, too many globs, range overflow...
  static Result<UrlGlob> parse(std::string_view url);

  uint64_t count() const { return count_; }  // how many URLs it makes
  // The i-th URL (0 <= i < count()), and in values the value each glob took.
  std::string at(uint64_t i, std::vector<std::string>* values = nullptr) const;

 private:
  // Literal text (one value), a set or letters (values), or numbers (kept
  // as bounds, so that [1-1000000000] costs nothing until it is walked).
  struct Piece {
    std::vector<std::string> values;
    bool glob = false;
    uint64_t min = 0, step = 0, n = 0;  // numbers: n values from min by step
    std::size_t width = 0;              // numbers: zero-padded to this width
    uint64_t size() const { return values.empty() ? n : values.size(); }
    std::string value(uint64_t k) const;
  };
  std::vector<Piece> pieces_;
  uint64_t count_ = 1;
  friend class GlobParser;
};

// curl's -o template for a globbed URL: "#N" becomes the value of glob N
// (1-based); a '#' naming no glob stays as it is.
std::string glob_file_name(std::string_view tmpl, const std::vector<std::string>& values);

}  // namespace sluice::cli
