// Idle client sessions kept alive per origin (scheme, host, port, protocol).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http/session.hpp"
#include "core/loop/loop.hpp"

namespace sluice {

class Pool {
 public:
  explicit Pool(Loop& loop) : loop_(loop) {}
  static std::string key(const std::string& scheme, const std::string& host, uint16_t port) {
    return fmt::format("{}://{}:{}", scheme, host, port);
  }
  // An idle session that can take a request, or nullptr.
  std::unique_ptr<Session> take(const std::string& key);
  // Keeps the session if it is reusable; otherwise it is destroyed.
  void release(const std::string& key, std::unique_ptr<Session> s);
  std::size_t idle_count() const;

 private:
  Loop& loop_;
  std::map<std::string, std::vector<std::unique_ptr<Session>>> idle_;
};

}  // namespace sluice
