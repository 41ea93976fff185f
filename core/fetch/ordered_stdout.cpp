#include "core/fetch/ordered_stdout.hpp"

#include <unistd.h>

#include <algorithm>

namespace sluice::fetch {

OrderedStdout::OrderedStdout(Loop& loop, std::size_t high) : loop_(loop), high_(high) {}

OrderedStdout::~OrderedStdout() {
  for (Lane* l : lanes_) l->closed_ = true;
}

OutputWriter& OrderedStdout::writer() {
  // Created on first use: a run whose bodies all go to files never touches fd 1.
  if (!writer_)
    writer_ = std::make_unique<OutputWriter>(loop_, STDOUT_FILENO, false, high_, high_ / 4);
  return *writer_;
}

const std::optional<Error>& OrderedStdout::error() const {
  static const std::optional<Error> none;
  return writer_ ? writer_->error() : none;
}

std::unique_ptr<OrderedStdout::Lane> OrderedStdout::open() {
  auto lane = std::make_unique<Lane>(*this);
  lanes_.push_back(lane.get());
  if (lanes_.size() == 1) lane->become_head();
  return lane;
}

void OrderedStdout::advance() {
  if (!lanes_.empty()) lanes_.front()->become_head();
}

void OrderedStdout::finish_when_idle(std::function<void()> done) {
  if (idle() || error()) return done();
  writer().on_empty = done;
  writer().on_failed = done;
  writer().on_low = nullptr;
  writer().on_written = nullptr;
}

void OrderedStdout::Lane::become_head() {
  OutputWriter& w = owner_.writer();
  // The writer's events now belong to this lane.
  w.on_low = [this] {
    if (on_low) on_low();
  };
  w.on_empty = [this] {
    if (on_empty) on_empty();
  };
  w.on_failed = [this] {
    if (on_failed) on_failed();
  };
  w.on_written = [this](std::size_t n) {
    if (on_written) on_written(n);
  };
  while (!waiting_.empty()) {
    std::string_view chunk = waiting_.front();
    w.write(chunk);
    waiting_.consume(chunk.size());
  }
  if (closed_) {  // a closed lane's leftovers: handed over, so the next one goes
    owner_.lanes_.pop_front();
    w.on_low = w.on_empty = w.on_failed = nullptr;
    w.on_written = nullptr;
    owner_.advance();
    return;
  }
  // Its transfer may be paused, or waiting for everything to be written,
  // since before its turn: tell it now (from the loop, if the lane still exists).
  owner_.loop_.defer([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired() || closed_ || !head()) return;
    if (on_low) on_low();
    if (!alive.expired() && owner_.idle() && on_empty) on_empty();
  });
}

OrderedStdout::Lane::~Lane() {
  close();
}

void OrderedStdout::Lane::close() {
  if (closed_) return;
  closed_ = true;
  bool was_head = head();
  if (!was_head && !waiting_.empty()) {
    // Its bytes still wait for their turn: an orphan lane owned by the
    // OrderedStdout keeps them in this lane's place.
    auto orphan = std::make_unique<Lane>(owner_);
    orphan->waiting_ = std::move(waiting_);
    orphan->closed_ = true;
    std::replace(owner_.lanes_.begin(), owner_.lanes_.end(), this, orphan.get());
    owner_.orphans_.push_back(std::move(orphan));
    return;
  }
  auto& lanes = owner_.lanes_;
  lanes.erase(std::remove(lanes.begin(), lanes.end(), this), lanes.end());
  if (was_head) {
    OutputWriter& w = owner_.writer();
    w.on_low = w.on_empty = w.on_failed = nullptr;
    w.on_written = nullptr;
    owner_.advance();
  }
}

bool OrderedStdout::Lane::write(std::string_view bytes) {
  if (head()) return owner_.writer().write(bytes);
  if (owner_.error()) return false;
  waiting_.append(bytes);
  return true;
}

bool OrderedStdout::Lane::above_high() const {
  return head() ? owner_.writer().above_high() : waiting_.size() >= owner_.high_;
}

bool OrderedStdout::Lane::idle() const {
  return head() && owner_.idle() && waiting_.empty();
}

}  // namespace sluice::fetch
