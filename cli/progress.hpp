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

  // Exposed for tests.
  static std::string size5(uint64_t bytes);  // "12345", "  97k", "11.7M"
  static std::string hms(int64_t seconds);   // " 0:00:07", "  4d 03h"; "--:--:--" for 0
  static int terminal_width();
  std::string table_line(const fetch::Progress& p);  // one update's line, without the \r

 private:
  std::string bar_line(const fetch::Progress& p) const;
  void sample_speed(double elapsed, uint64_t done, uint64_t average);
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
  uint64_t current_speed_ = 0;
};

}  // namespace sluice::cli
