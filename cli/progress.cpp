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

// curl's time2str: always eight columns. Whole seconds; under one is unknown,
// as curl shows a sub-second transfer. Past 99 hours, days and hours.
std::string ProgressMeter::hms(double s) {
  if (!(s >= 1)) return "--:--:--";  // also NaN
  constexpr double kMaxDays = 9999999;
  auto t = static_cast<int64_t>(std::min(std::floor(s), kMaxDays * 86400));
  if (t < 100 * 3600) return fmt::format("{:2d}:{:02d}:{:02d}", t / 3600, (t / 60) % 60, t % 60);
  int64_t days = t / 86400;
  if (days <= 999) return fmt::format("{:3d}d {:02d}h", days, (t / 3600) % 24);
  return fmt::format("{:7d}d", days);
}

uint64_t ProgressMeter::total_estimate(const fetch::Progress& p) {
  auto estimate = [&](uint64_t size, uint64_t done) -> uint64_t {
    double speed = p.elapsed > 0 ? std::floor(done / p.elapsed) : 0;
    if (size == 0 || speed < 1) return 0;
    return static_cast<uint64_t>(std::min(size / speed, 1e18));
  };
  return std::max(estimate(p.download_total.value_or(0), p.downloaded),
                  estimate(p.upload_total, p.uploaded));
}

void ProgressMeter::sample_speed(const fetch::Progress& p) {
  uint64_t done = p.downloaded + p.uploaded;
  auto second = static_cast<int64_t>(std::floor(p.elapsed));
  if (second != last_second_) {
    last_second_ = second;
    samples_[sample_count_ % kSamples] = {p.elapsed, done};
    ++sample_count_;
    const Sample& oldest = samples_[sample_count_ >= kSamples ? sample_count_ % kSamples : 0];
    current_speed_ = (done - oldest.bytes) / std::max(p.elapsed - oldest.time, 0.001);
  } else if (sample_count_ == 1) {
    current_speed_ = p.elapsed > 0 ? done / p.elapsed : 0;  // the first second: the average
  }
}

// curl's columns: % Total and Total count both directions (a -T upload and
// its response), then each direction on its own.
std::string ProgressMeter::table_line(const fetch::Progress& p) {
  sample_speed(p);
  uint64_t done = p.downloaded + p.uploaded;
  auto per_second = [&](uint64_t n) { return p.elapsed > 0 ? n / p.elapsed : 0; };
  auto percent = [](uint64_t n, uint64_t of) { return of ? static_cast<int>(100.0 * n / of) : 0; };
  uint64_t dl_total = p.download_total.value_or(0), total = dl_total + p.upload_total;
  uint64_t estimate = total_estimate(p), spent = static_cast<uint64_t>(p.elapsed);
  double left = estimate > spent ? static_cast<double>(estimate - spent) : 0;
  return fmt::format(
      "{:3d} {}  {:3d} {}  {:3d} {}  {}  {} {} {} {} {}", percent(done, total), size5(total),
      percent(p.downloaded, dl_total), size5(p.downloaded), percent(p.uploaded, p.upload_total),
      size5(p.uploaded), size5(per_second(p.downloaded)), size5(per_second(p.uploaded)),
      hms(static_cast<double>(estimate)), hms(p.elapsed), hms(left), size5(current_speed_));
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
