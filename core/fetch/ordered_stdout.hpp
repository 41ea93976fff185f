// stdout shared by concurrent transfers: each transfer writes into its own
// lane, and lanes reach stdout in the order they were opened (URL order), one
// after another, never interleaved. A lane that is not at the head yet keeps
// its bytes in memory; its above_high() makes the protocol stop (h1: stop
// reading, h2: no window back), so what waits is bounded by the high-water mark.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "core/http/output.hpp"

namespace sluice::fetch {

class OrderedStdout {
 public:
  OrderedStdout(Loop& loop, std::size_t high);
  ~OrderedStdout();

  class Lane;
  // A lane for the next transfer in order; close it when the transfer is done.
  std::unique_ptr<Lane> open();
  bool idle() const { return !writer_ || writer_->idle(); }
  const std::optional<Error>& error() const;
  // Fired once stdout has drained (or failed) after finish_when_idle().
  void finish_when_idle(std::function<void()> done);

 private:
  friend class Lane;
  OutputWriter& writer();
  void advance();  // the head lane closed: hand stdout to the next one

  Loop& loop_;
  std::size_t high_;
  std::unique_ptr<OutputWriter> writer_;
  std::deque<Lane*> lanes_;                     // open lanes, head first
  std::vector<std::unique_ptr<Lane>> orphans_;  // closed lanes whose bytes wait
};

class OrderedStdout::Lane final : public Output {
 public:
  explicit Lane(OrderedStdout& owner) : owner_(owner) {}
  ~Lane() override;
  bool write(std::string_view bytes) override;
  bool above_high() const override;
  bool idle() const override;
  const std::optional<Error>& error() const override { return owner_.error(); }
  // The transfer is done with it; the next lane may now reach stdout.
  void close();

 private:
  friend class OrderedStdout;
  bool head() const { return !owner_.lanes_.empty() && owner_.lanes_.front() == this; }
  void become_head();

  OrderedStdout& owner_;
  ChainBuffer waiting_;  // bytes written before this lane reached the head
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::fetch
