// -z/--time-cond: a date in any of the forms curl_getdate(3) reads, or the
// modification time of a file of that name.
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string_view>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// curl_getdate's free-form dates, in UTC unless a zone is given: words for
// weekdays ("Sun", "Sunday"), months ("Nov") and zones ("GMT", "PST", "CEST",
// a military letter), "HH:MM[:SS]", "+HHMM"/"-HHMM", "YYYYMMDD", a day of
// the month and a year (two digits: 71-99 the 1900s, 00-70 the 2000s), in
// any order. "Sun, 06 Nov
// 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37
// 1994", "20040912 15:05:58 -0700", "12 Aug 2007". nullopt for anything else.
std::optional<std::time_t> parse_curl_date(std::string_view text);

// -z's argument: "DATE" (modified since), "+DATE" too, "-DATE" (not modified
// since), "=DATE" (curl's Last-Modified request header); a DATE that is no
// date is a file whose mtime is taken. Neither: warned about, and no
// condition, as curl goes on without one.
fetch::TimeCondition time_cond_arg(std::string_view arg,
                                   const std::function<void(std::string_view)>& warn);

}  // namespace sluice::cli
