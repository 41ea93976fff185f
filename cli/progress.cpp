#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace sluice::cli {

// Five columns, like curl: "12345", "97.6k", " 976k", "1024M".
std::string ProgressMeter::size5(double b) {
  if (b < 100000) return fmt::format("{:5.0f}", b);
  const char* units = "kMGTPE";
  for (int i = 0; i < 6; ++i) {
    b /= 1024;
    if (b < 99.95) return fmt::format("{:4.1f}{}", b, units[i]);
    if (b < 9999.5) return fmt::format("{:4.0f}{}", b, units[i]);
  }
  return "  big";
}

std::string ProgressMeter::hms(double s) {
  if (s < 0 || !std::isfinite(s)) return "--:--:--";
  s = std::min(s, 9999.0 * 3600 + 3599);  // longer than 9999 hours shows as 9999:59:59
  auto t = static_cast<long>(s);
  return fmt::format("{}:{:02d}:{:02d}", t / 3600, (t / 60) % 60, t % 60);
}

std::string ProgressMeter::table_line(const fetch::Progress& p) {
  double dt = p.elapsed - last_time_;
  if (dt >= 0.4 || p.final) {
    current_speed_ = dt > 0 ? (p.downloaded - last_bytes_) / dt : current_speed_;
    last_bytes_ = p.downloaded;
    last_time_ = p.elapsed;
  }
  double avg = p.elapsed > 0 ? p.downloaded / p.elapsed : 0;
  uint64_t total = p.download_total.value_or(0);
  int pct = total ? static_cast<int>(100.0 * p.downloaded / total) : 0;
  double left = total && avg > 0 ? (total - std::min(total, p.downloaded)) / avg : -1;
  return fmt::format("{:3d} {}  {:3d} {}    0     0  {}      0 {} {} {} {}", pct, size5(total), pct,
                     size5(p.downloaded), size5(avg),
                     total ? hms(total / std::max(avg, 1.0)) : "--:--:--", hms(p.elapsed),
                     total ? hms(left) : "--:--:--", size5(current_speed_));
}

std::string ProgressMeter::bar_line(const fetch::Progress& p) const {
  constexpr int kWidth = 60;
  if (!p.download_total || *p.download_total == 0)
    return fmt::format("{:>{}}", size5(p.downloaded), kWidth + 7);
  double frac = std::min(1.0, double(p.downloaded) / *p.download_total);
  int fill = static_cast<int>(frac * kWidth);
  return std::string(fill, '#') + std::string(kWidth - fill, ' ') +
         fmt::format(" {:5.1f}%", frac * 100);
}

void ProgressMeter::update(const fetch::Progress& p) {
  std::string line;
  if (!bar_ && !header_done_) {
    header_done_ = true;
    line =
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        "                                 Dload  Upload   Total   Spent    Left  Speed\n";
  }
  line += "\r" + (bar_ ? bar_line(p) : table_line(p));
  if (p.final) line += "\n";
  // stderr is a terminal or the user asked for it; a short blocking write is fine.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sluice::cli
