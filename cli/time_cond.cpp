#include "cli/time_cond.hpp"

#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "core/http/headers.hpp"

namespace sluice::cli {

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

struct Zone {
  std::string_view name;
  int minutes_west;
};
// curl's table (parsedate.c): the offset to add to local time for UTC.
constexpr Zone kZones[] = {
    {"gmt", 0},     {"ut", 0},      {"utc", 0},     {"wet", 0},     {"bst", -60},   {"wat", 60},
    {"ast", 240},   {"adt", 180},   {"est", 300},   {"edt", 240},   {"cst", 360},   {"cdt", 300},
    {"mst", 420},   {"mdt", 360},   {"pst", 480},   {"pdt", 420},   {"yst", 540},   {"ydt", 480},
    {"hst", 600},   {"hdt", 540},   {"cat", 600},   {"ahst", 600},  {"nt", 660},    {"idlw", 720},
    {"cet", -60},   {"met", -60},   {"mewt", -60},  {"mest", -120}, {"mesz", -120}, {"swt", -60},
    {"sst", -120},  {"fwt", -60},   {"fst", -120},  {"eet", -120},  {"wast", -420}, {"wadt", -480},
    {"cct", -480},  {"jst", -540},  {"east", -600}, {"eadt", -660}, {"gst", -600},  {"nzt", -720},
    {"nzst", -720}, {"nzdt", -780}, {"idle", -720}, {"cest", -120},
};

std::optional<int> weekday(std::string_view w) {
  for (std::size_t i = 0; i < kWeekdays.size(); ++i)
    if (w.size() == 3 ? iequals(w, kWeekdays[i].substr(0, 3)) : iequals(w, kWeekdays[i]))
      return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> month(std::string_view w) {  // three letters only, as curl
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (iequals(w, kMonths[i])) return static_cast<int>(i);
  return std::nullopt;
}

// Seconds to add to the local time for UTC: a zone's name or a military letter.
std::optional<int> zone(std::string_view w) {
  for (const Zone& z : kZones)
    if (iequals(w, z.name)) return z.minutes_west * 60;
  if (w.size() != 1 || !std::isalpha(static_cast<unsigned char>(w[0]))) return std::nullopt;
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  if (c == 'J') return std::nullopt;
  if (c == 'Z') return 0;
  // curl's table (and its signs): A..I add 1..9 hours, K..M 10..12, N..Y take 1..12.
  if (c < 'J') return (c - 'A' + 1) * 3600;
  if (c <= 'M') return (c - 'A') * 3600;
  return -(c - 'N' + 1) * 3600;
}

struct DateParts {
  int year = -1, mon = -1, mday = -1, hour = -1, min = -1, sec = -1;
  std::optional<int> zone_offset;
  bool weekday_seen = false, day_next = true;  // a lone number is the day first, then the year
};

bool take_word(std::string_view w, DateParts& d) {
  if (!d.weekday_seen && weekday(w)) return d.weekday_seen = true;
  if (d.mon < 0)
    if (auto m = month(w)) return d.mon = *m, true;
  if (!d.zone_offset)
    if (auto z = zone(w)) return d.zone_offset = z, true;
  return false;
}

// "HH:MM" or "HH:MM:SS" at the start of s; the characters used, or 0.
std::size_t take_time(std::string_view s, DateParts& d) {
  int v[3] = {-1, -1, 0};
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    if (i > 0 && (at >= s.size() || s[at] != ':')) break;
    if (i > 0) ++at;
    std::size_t start = at;
    while (at < s.size() && at - start < 2 && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    if (at == start) return 0;
    std::from_chars(s.data() + start, s.data() + at, v[i]);
  }
  if (v[1] < 0) return 0;
  d.hour = v[0], d.min = v[1], d.sec = v[2];
  return at;
}

bool take_number(std::string_view digits, char before, DateParts& d) {
  long val = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), val);
  if (!d.zone_offset && digits.size() == 4 && val <= 1400 && (before == '+' || before == '-')) {
    int secs = static_cast<int>((val / 100 * 60 + val % 100) * 60);
    d.zone_offset = before == '+' ? -secs : secs;
    return true;
  }
  if (digits.size() == 8 && d.year < 0 && d.mon < 0 && d.mday < 0) {  // YYYYMMDD
    d.year = static_cast<int>(val / 10000);
    d.mon = static_cast<int>(val % 10000 / 100) - 1;
    d.mday = static_cast<int>(val % 100);
    return true;
  }
  if (d.day_next && d.mday < 0) {
    d.day_next = false;
    if (val > 0 && val < 32) return d.mday = static_cast<int>(val), true;
  }
  if (!d.day_next && d.year < 0) {
    d.year = static_cast<int>(val < 100 ? val + (val > 70 ? 1900 : 2000) : val);
    if (d.mday < 0) d.day_next = true;
    return true;
  }
  return false;
}

}  // namespace

std::optional<std::time_t> parse_curl_date(std::string_view s) {
  DateParts d;
  std::size_t at = 0;
  while (at < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[at]);
    if (!std::isalnum(c)) {
      ++at;
      continue;
    }
    std::size_t start = at;
    if (std::isalpha(c)) {
      while (at < s.size() && std::isalpha(static_cast<unsigned char>(s[at]))) ++at;
      if (at - start > 31 || !take_word(s.substr(start, at - start), d)) return std::nullopt;
      continue;
    }
    if (d.sec < 0)
      if (std::size_t n = take_time(s.substr(at), d)) {
        at += n;
        continue;
      }
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    if (at - start > 9) return std::nullopt;
    char before = start > 0 ? s[start - 1] : '\0';
    if (!take_number(s.substr(start, at - start), before, d)) return std::nullopt;
  }
  if (d.sec < 0) d.hour = d.min = d.sec = 0;
  if (d.mday < 1 || d.mday > 31 || d.mon < 0 || d.mon > 11 || d.year < 1583 || d.hour > 23 ||
      d.min > 59 || d.sec > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = d.year - 1900;
  tm.tm_mon = d.mon;
  tm.tm_mday = d.mday;
  tm.tm_hour = d.hour;
  tm.tm_min = d.min;
  tm.tm_sec = d.sec;
  return ::timegm(&tm) + d.zone_offset.value_or(0);
}

fetch::TimeCondition time_cond_arg(std::string_view arg,
                                   const std::function<void(std::string_view)>& warn) {
  using Kind = fetch::TimeCondition::Kind;
  fetch::TimeCondition tc{Kind::modified_since, 0};
  if (arg.starts_with('-') || arg.starts_with('=') || arg.starts_with('+')) {
    if (arg[0] == '-') tc.kind = Kind::unmodified_since;
    if (arg[0] == '=') tc.kind = Kind::last_modified;
    arg.remove_prefix(1);
  }
  if (auto t = parse_curl_date(arg)) {
    tc.when = *t;
    return tc;
  }
  struct stat st {};
  if (::stat(std::string(arg).c_str(), &st) == 0) {
    tc.when = st.st_mtime;
    return tc;
  }
  warn(fmt::format("Failed to get filetime: {}", std::strerror(errno)));
  warn(
      "Illegal date format for -z, --time-cond (and not a filename). Disabling time condition. "
      "See curl_getdate(3) for valid date syntax.");
  return {};
}

}  // namespace sluice::cli
