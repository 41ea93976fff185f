// One listening socket of one worker: accepts in batches and hands each new
// socket to the worker.
#pragma once

#include <string>

#include "core/loop/loop.hpp"
#include "core/net/tcp.hpp"

namespace sluice::serve {

class Worker;

class Listener final : private IoHandler {
 public:
  // alt_svc: what h1/h2 responses on its connections advertise ("" for none).
  Listener(Worker& worker, Fd fd, std::string alt_svc)
      : worker_(worker), fd_(std::move(fd)), alt_svc_(std::move(alt_svc)) {}
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
  std::string alt_svc_;
};

}  // namespace sluice::serve
