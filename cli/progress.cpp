#include "cli/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sluice::cli {

// curl's max5data: five columns, truncated, never rounded: "12345", "  97k",
// "11.7M", "1024M", "10.5G".
std::string ProgressMeter::size5(uint64_t b) {
  constexpr uint64_t K = 1024, M = K * K, G = M * K, T = G * K, P = T * K;
  // At most 9: curl's (b % unit) / (unit / 10) reads 10 in a unit's last few
  // bytes and prints "99.10" with its unit cut off.
  auto tenths = [&](uint64_t unit) { return std::min<uint64_t>((b % unit) / (unit / 10), 9); };
  if (b < 100000) return fmt::format("{:5d}", b);
  if (b < 10000 * K) return fmt::format("{:4d}k", b / K);
  if (b < 100 * M) return fmt::format("{:2d}.{:d}M", b / M, tenths(M));
  if (b < 10000 * M) return fmt::format("{:4d}M", b / M);
  if (b < 100 * G) return fmt::format("{:2d}.{:d}G", b / G, tenths(G));
  if (b < 10000 * G) return fmt::format("{:4d}G", b / G);
  if (b < 10000 * T) return fmt::format("{:4d}T", b / T);
  return fmt::format("{:4d}P", std::min<uint64_t>(b / P, 9999));
}

// curl's time2str: eight columns; none (0, as in a sub-second transfer) shows
// as unknown. Past 99 hours, days and hours.
std::string ProgressMeter::hms(int64_t t) {
  if (t <= 0) return "--:--:--";
  if (t < 100 * 3600) return fmt::format("{:2d}:{:02d}:{:02d}", t / 3600, (t / 60) % 60, t % 60);
  int64_t days = t / 86400;
  if (days <= 999) return fmt::format("{:3d}d {:02d}h", days, (t / 3600) % 24);
  return fmt::format("{:7d}d", std::min<int64_t>(days, 9999999));
}

namespace {

// curl's trspeed: bytes per second, in whole bytes.
uint64_t per_second(uint64_t bytes, uint64_t us) {
  if (us == 0) return bytes;
  return static_cast<uint64_t>(static_cast<long double>(bytes) * 1000000 / us);
}

// curl's pgrs_est_percent, integer arithmetic and all.
int percent_of(uint64_t total, uint64_t done) {
  uint64_t pct = total > 10000 ? done / (total / 100) : total > 0 ? done * 100 / total : 0;
  return static_cast<int>(std::min<uint64_t>(pct, 999));
}

// One direction's seconds in all and percent done; both 0 until its size is
// known and it has moved (curl's pgrs_estimates).
struct Estimate {
  uint64_t secs = 0;
  int percent = 0;
};
Estimate estimate(bool size_known, uint64_t size, uint64_t done, uint64_t speed) {
  if (!size_known || speed == 0) return {};
  return {size / speed, percent_of(size, done)};
}

}  // namespace

void ProgressMeter::sample_speed(double elapsed, uint64_t done, uint64_t average) {
  auto second = static_cast<int64_t>(std::floor(elapsed));
  if (second != last_second_) {
    last_second_ = second;
    samples_[sample_count_ % kSamples] = {elapsed, done};
    ++sample_count_;
    const Sample& oldest = samples_[sample_count_ >= kSamples ? sample_count_ % kSamples : 0];
    current_speed_ =
        static_cast<uint64_t>((done - oldest.bytes) / std::max(elapsed - oldest.time, 0.001));
  } else if (sample_count_ == 1) {
    current_speed_ = average;  // the first second
  }
}

// curl's columns. A size not known counts as what has moved so far, so the
// first % reads 100 during a download of unknown length, as curl's does.
std::string ProgressMeter::table_line(const fetch::Progress& p) {
  const auto us = static_cast<uint64_t>(std::llround(std::max(0.0, p.elapsed) * 1e6));
  const uint64_t dl_speed = per_second(p.downloaded, us), ul_speed = per_second(p.uploaded, us);
  sample_speed(p.elapsed, p.downloaded + p.uploaded, dl_speed + ul_speed);
  const bool dl_known = p.download_total.has_value(), ul_known = p.upload_total > 0;
  const Estimate dl = estimate(dl_known, p.download_total.value_or(0), p.downloaded, dl_speed);
  const Estimate ul = estimate(ul_known, p.upload_total, p.uploaded, ul_speed);
  const uint64_t dl_expected = dl_known ? *p.download_total : p.downloaded;
  const uint64_t ul_expected = ul_known ? p.upload_total : p.uploaded;
  const uint64_t expected = dl_expected + std::min(ul_expected, UINT64_MAX - dl_expected);
  const auto total =
      static_cast<int64_t>(std::min<uint64_t>(std::max(dl.secs, ul.secs), INT64_MAX));
  const auto spent = static_cast<int64_t>(us / 1000000);
  return fmt::format("{:3d} {}  {:3d} {}  {:3d} {}  {}  {} {} {} {} {}",
                     percent_of(expected, p.downloaded + p.uploaded), size5(expected), dl.percent,
                     size5(p.downloaded), ul.percent, size5(p.uploaded), size5(dl_speed),
                     size5(ul_speed), hms(total), hms(spent), hms(total > 0 ? total - spent : 0),
                     size5(current_speed_));
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
