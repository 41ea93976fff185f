#include "core/http/pool.hpp"

#include <algorithm>

namespace sluice {

Pool::~Pool() {
  for (auto& e : entries_) e->session->on_idle_close = nullptr;
}

Pool::Entry* Pool::find(ClientSession* s) {
  for (auto& e : entries_)
    if (e->session.get() == s) return e.get();
  return nullptr;
}

ClientSession* Pool::acquire(const std::string& key) {
  for (auto& e : entries_) {
    if (e->key != key || !e->session->can_submit()) continue;
    e->leases++;
    return e->session.get();
  }
  return nullptr;
}

ClientSession* Pool::add(const std::string& key, std::unique_ptr<ClientSession> s) {
  s->conn_id = next_id_++;
  auto e = std::make_unique<Entry>(Entry{key, std::move(s), 1});
  ClientSession* raw = e->session.get();
  watch_idle_close(*e);
  entries_.push_back(std::move(e));
  return raw;
}

void Pool::watch_idle_close(Entry& e) {
  ClientSession* raw = e.session.get();
  // The server may close a connection nobody uses: forget it then.
  e.session->on_idle_close = [this, raw] {
    Entry* entry = find(raw);
    if (entry && entry->leases == 0) drop(raw);
  };
}

void Pool::release(ClientSession* s) {
  Entry* e = find(s);
  if (!e) return;
  if (e->leases > 0) e->leases--;
  if (e->leases == 0 && !s->reusable()) drop(s);
}

void Pool::drop(ClientSession* s) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [s](const auto& e) { return e->session.get() == s; });
  if (it == entries_.end()) return;
  // Destroyed after this iteration: the session may be on the call stack.
  std::shared_ptr<Entry> doomed(std::move(*it));
  entries_.erase(it);
  doomed->session->on_idle_close = nullptr;
  loop_.defer([doomed] {});
}

bool Pool::connecting(const std::string& key) const {
  auto it = connecting_.find(key);
  return it != connecting_.end() && it->second > 0;
}

void Pool::connect_started(const std::string& key) {
  connecting_[key]++;
}

void Pool::connect_finished(const std::string& key) {
  if (--connecting_[key] <= 0) connecting_.erase(key);
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return;
  auto wakes = std::move(it->second);
  waiters_.erase(it);
  for (auto& w : wakes) loop_.defer(std::move(w));
}

void Pool::wait(const std::string& key, std::function<void()> wake) {
  waiters_[key].push_back(std::move(wake));
}

}  // namespace sluice
