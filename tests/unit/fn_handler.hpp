// An IoHandler that calls a function, for unit tests that watch descriptors.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "core/loop/loop.hpp"

struct FnHandler : sluice::IoHandler {
  std::function<void(uint32_t)> fn;
  explicit FnHandler(std::function<void(uint32_t)> f) : fn(std::move(f)) {}
  void on_io(uint32_t events) override { fn(events); }
};
