// Header list that keeps order and case as received; lookups are case-insensitive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

bool iequals(std::string_view a, std::string_view b);

// RFC 9110 5.6.2: a token is one or more tchars (letters, digits and
// !#$%&'*+-.^_`|~). Field names and methods are tokens.
bool is_token(std::string_view s);

// s without leading and trailing spaces and tabs (RFC 9110's OWS).
std::string_view trim_ows(std::string_view s);

// Takes the next element off a comma-separated list, trimmed of OWS (maybe
// empty: "a, ,b" has an empty second element).
std::string_view next_list_item(std::string_view& rest);

// s with ASCII letters lower-cased: h2 and h3 field names on the wire.
std::string ascii_lower(std::string_view s);

// Hop-by-hop fields, which have no meaning in HTTP/2 and HTTP/3 and make a
// message that carries them malformed there (RFC 9113 8.2.2, RFC 9114 4.2):
// Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade.
bool is_hop_by_hop(std::string_view name);
// Those, and Host, which :authority replaces: what an h2 or h3 message
// built from HTTP/1-style fields leaves out.
bool is_connection_specific(std::string_view name);

class Headers {
 public:
  void add(std::string name, std::string value) {
    // One allocation for a typical head instead of growing 1, 2, 4, 8.
    if (list_.capacity() == 0) list_.reserve(kTypicalFields);
    list_.emplace_back(std::move(name), std::move(value));
  }
  // The same from views: each string built in place, copied once (a parser's
  // fields; add(std::string(n), std::string(v)) copied each twice).
  void add_copy(std::string_view name, std::string_view value) {
    if (list_.capacity() == 0) list_.reserve(kTypicalFields);
    list_.emplace_back(name, value);
  }
  void set(std::string_view name, std::string value);  // replaces all of that name
  // Appends " more" to the last field's value (an obsolete folded line).
  void extend_last(std::string_view more) {
    if (!list_.empty()) list_.back().second.append(" ").append(more);
  }
  void remove(std::string_view name);
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // True when a comma-separated header (e.g. Connection) holds token.
  bool has_token(std::string_view name, std::string_view token) const;
  // The elements of a comma-separated header across all its fields, in order,
  // trimmed, empty ones skipped: "gzip, chunked" -> {"gzip", "chunked"}.
  std::vector<std::string_view> items(std::string_view name) const;
  const auto& list() const { return list_; }
  bool empty() const { return list_.empty(); }
  void clear() { list_.clear(); }

 private:
  static constexpr std::size_t kTypicalFields = 8;
  std::vector<std::pair<std::string, std::string>> list_;
};

}  // namespace sluice
