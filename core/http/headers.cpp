#include "core/http/headers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice {

// ASCII case folding, as HTTP field names need: std::tolower is a call and a
// locale lookup per character, and showed up in bench profiles.
bool iequals(std::string_view a, std::string_view b) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return fold(x) == fold(y); });
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

// By length first: the servers ask this of every response field they send,
// and the h2 and h3 readers of every field they receive.
bool is_hop_by_hop(std::string_view name) {
  switch (name.size()) {
    case 7:
      return iequals(name, "upgrade");
    case 10:
      return iequals(name, "connection") || iequals(name, "keep-alive");
    case 16:
      return iequals(name, "proxy-connection");
    case 17:
      return iequals(name, "transfer-encoding");
    default:
      return false;
  }
}

bool is_connection_specific(std::string_view name) {
  return is_hop_by_hop(name) || (name.size() == 4 && iequals(name, "host"));
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  add(std::string(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(list_, [&](const auto& h) { return iequals(h.first, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : list_)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

namespace {

// tchar (RFC 9110 5.6.2), by table: every field name of every h1 request
// goes through is_token (a test per class cost ~12 instructions a byte).
constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 32] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view next_list_item(std::string_view& rest) {
  auto comma = rest.find(',');
  std::string_view item = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  return trim_ows(item);
}

bool is_token(std::string_view s) {
  bool ok = !s.empty();
  for (unsigned char c : s) ok &= kTchar[c];
  return ok;
}

bool Headers::has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : list_) {
    if (!iequals(n, name)) continue;
    for (std::string_view rest = v; !rest.empty();)
      if (iequals(next_list_item(rest), token)) return true;
  }
  return false;
}

std::vector<std::string_view> Headers::items(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : list_) {
    if (!iequals(n, name)) continue;
    for (std::string_view rest = v; !rest.empty();)
      if (auto item = next_list_item(rest); !item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace sluice
