#include "cli/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

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

// curl's columns: % Total and Total count both directions (a -T upload and
// its response), then each direction on its own.
std::string ProgressMeter::table_line(const fetch::Progress& p) {
  uint64_t done = p.downloaded + p.uploaded;
  double dt = p.elapsed - last_time_;
  if (dt >= 0.4 || p.final) {
    current_speed_ = dt > 0 ? (done - last_bytes_) / dt : current_speed_;
    last_bytes_ = done;
    last_time_ = p.elapsed;
  }
  auto per_second = [&](uint64_t n) { return p.elapsed > 0 ? n / p.elapsed : 0; };
  auto percent = [](uint64_t n, uint64_t of) { return of ? static_cast<int>(100.0 * n / of) : 0; };
  double avg = per_second(done);
  uint64_t dl_total = p.download_total.value_or(0), total = dl_total + p.upload_total;
  double left = total && avg > 0 ? (total - std::min(total, done)) / avg : -1;
  return fmt::format("{:3d} {}  {:3d} {}  {:3d} {}  {}  {} {} {} {} {}", percent(done, total),
                     size5(total), percent(p.downloaded, dl_total), size5(p.downloaded),
                     percent(p.uploaded, p.upload_total), size5(p.uploaded),
                     size5(per_second(p.downloaded)), size5(per_second(p.uploaded)),
                     total ? hms(total / std::max(avg, 1.0)) : "--:--:--", hms(p.elapsed),
                     total ? hms(left) : "--:--:--", size5(current_speed_));
}

// curl's width: $COLUMNS, else the terminal's columns, else 79.
int ProgressMeter::terminal_width() {
  if (const char* env = std::getenv("COLUMNS")) {
    int n = std::atoi(env);
    if (n > 20 && n < 10000) return n;
  }
  winsize ws{};
  for (int fd : {STDIN_FILENO, STDERR_FILENO})
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 79;
}

std::string ProgressMeter::bar_line(const fetch::Progress& p) const {
  const int kWidth = std::max(20, width_ - 7);  // " 100.0%" after the bar, as curl
  uint64_t total = p.download_total.value_or(0) + p.upload_total;
  uint64_t done = p.downloaded + p.uploaded;
  if (total == 0) return fmt::format("{:>{}}", size5(done), kWidth + 7);
  double frac = std::min(1.0, double(done) / total);
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
  // A short blocking write is fine: a meter to a file or pipe is what curl writes too.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sluice::cli
