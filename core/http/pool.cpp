#include "core/http/pool.hpp"

#include <algorithm>

namespace sluice {

std::unique_ptr<Session> Pool::take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  while (!list.empty()) {
    auto s = std::move(list.back());
    list.pop_back();
    s->on_idle_close = nullptr;
    if (s->can_submit()) return s;
  }
  return nullptr;
}

void Pool::release(const std::string& key, std::unique_ptr<Session> s) {
  if (!s || !s->reusable()) return;
  Session* raw = s.get();
  // The server may close an idle connection: drop it from the pool then.
  s->on_idle_close = [this, key, raw] {
    auto it = idle_.find(key);
    if (it == idle_.end()) return;
    std::erase_if(it->second, [raw](const auto& p) { return p.get() == raw; });
  };
  idle_[key].push_back(std::move(s));
}

std::size_t Pool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [k, v] : idle_) n += v.size();
  return n;
}

}  // namespace sluice
