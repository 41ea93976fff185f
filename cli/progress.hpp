// curl's progress meter on stderr: the classic table, or a bar with -#.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

class ProgressMeter {
 public:
  explicit ProgressMeter(bool bar) : bar_(bar), width_(terminal_width()) {}
  void update(const fetch::Progress& p);

  // Exposed for tests: "1024M", "12.3k", "  999".
  static std::string size5(double bytes);
  static std::string hms(double seconds);  // " 0:00:07", "  4d 03h"; "--:--:--" under 1 s
  static int terminal_width();
  // curl's Total: the slower direction's size at its average speed, in whole
  // seconds (0: unknown). Left is Total less the whole seconds spent.
  static uint64_t total_estimate(const fetch::Progress& p);
  std::string table_line(const fetch::Progress& p);  // one update's line, without the \r

 private:
  std::string bar_line(const fetch::Progress& p) const;
  void sample_speed(const fetch::Progress& p);
  bool bar_;
  int width_;  // columns, for the -# bar
  bool header_done_ = false;
  // curl's Current Speed: the bytes of the last five seconds, from a sample
  // taken as each second of the transfer begins; the average in the first.
  struct Sample {
    double time = 0;
    uint64_t bytes = 0;
  };
  static constexpr std::size_t kSamples = 6;  // curl's CURR_TIME: five spans
  std::array<Sample, kSamples> samples_{};    // [0]: nothing at the start
  uint64_t sample_count_ = 1;
  int64_t last_second_ = 0;
  double current_speed_ = 0;
};

}  // namespace sluice::cli
