// Client sessions per origin (scheme, host, port). The pool owns every session;
// a transfer leases one for a request and releases it afterwards. An h1 session
// serves one lease at a time, an h2 session as many as it has stream slots.
// While a connection to an origin is being set up, other transfers may wait for
// it instead of opening their own (so parallel h2 transfers share one).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http/client_session.hpp"
#include "core/loop/loop.hpp"

namespace sluice {

class Pool {
 public:
  explicit Pool(Loop& loop) : loop_(loop) {}
  ~Pool();
  static std::string key(const std::string& scheme, const std::string& host, uint16_t port) {
    return fmt::format("{}://{}:{}", scheme, host, port);
  }

  // A session of this origin that can take a request now (leased), or nullptr.
  ClientSession* acquire(const std::string& key);
  // Takes ownership of a new session and leases it once.
  ClientSession* add(const std::string& key, std::unique_ptr<ClientSession> s);
  // Ends a lease. A session nobody leases that cannot be reused is dropped.
  void release(ClientSession* s);

  // Connection set-up bookkeeping, so followers can wait for the leader.
  bool connecting(const std::string& key) const;
  void connect_started(const std::string& key);
  void connect_finished(const std::string& key);  // wakes the waiters (deferred)
  void wait(const std::string& key, std::function<void()> wake);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    std::unique_ptr<ClientSession> session;
    int leases = 0;
  };
  Entry* find(ClientSession* s);
  void drop(ClientSession* s);
  void watch_idle_close(Entry& e);

  Loop& loop_;
  std::vector<std::unique_ptr<Entry>> entries_;
  long next_id_ = 0;
  std::map<std::string, int> connecting_;
  std::map<std::string, std::vector<std::function<void()>>> waiters_;
};

}  // namespace sluice
