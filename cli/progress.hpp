// curl's progress meter on stderr: the classic table, or a bar with -#.
#pragma once

#include <string>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

class ProgressMeter {
 public:
  explicit ProgressMeter(bool bar) : bar_(bar), width_(terminal_width()) {}
  void update(const fetch::Progress& p);

  // Exposed for tests: "1024M", "12.3k", "  999".
  static std::string size5(double bytes);
  static std::string hms(double seconds);  // "0:00:07", "--:--:--" when unknown
  static int terminal_width();

 private:
  std::string table_line(const fetch::Progress& p);
  std::string bar_line(const fetch::Progress& p) const;
  bool bar_;
  int width_;  // columns, for the -# bar
  bool header_done_ = false;
  uint64_t last_bytes_ = 0;
  double last_time_ = 0, current_speed_ = 0;
};

}  // namespace sluice::cli
