// One listening socket of one worker: accepts in batches and hands each new
// socket to the worker.
#pragma once

#include "core/loop/loop.hpp"
#include "core/net/tcp.hpp"

namespace sluice::serve {

class Worker;

class Listener final : private IoHandler {
 public:
  Listener(Worker& worker, Fd fd) : worker_(worker), fd_(std::move(fd)) {}
  ~Listener() override { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Result<void> start();
  void close();  // stop accepting: the kernel refuses new connections

 private:
  void on_io(uint32_t events) override;
  void pause();  // out of file descriptors: retry a little later instead of spinning

  Worker& worker_;
  Fd fd_;
  TimerId retry_ = 0;
};

}  // namespace sluice::serve
