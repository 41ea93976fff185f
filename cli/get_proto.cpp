#include "cli/get_proto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/http/headers.hpp"

namespace sluice::cli {

namespace {

// What curl's --proto accepts besides http and https: no effect here, no warning.
constexpr std::array<std::string_view, 27> kOtherCurlProtocols = {
    "dict", "file", "ftp",   "ftps", "gopher", "gophers", "imap", "imaps", "ipfs",
    "ipns", "ldap", "ldaps", "mqtt", "pop3",   "pop3s",   "rtmp", "rtsp",  "scp",
    "sftp", "smb",  "smbs",  "smtp", "smtps",  "telnet",  "tftp", "ws",    "wss"};

void set_all(fetch::SchemeSet& s, bool on) {
  s.http = s.https = on;
}

}  // namespace

fetch::SchemeSet apply_proto_list(std::string_view list, fetch::SchemeSet set,
                                  const std::function<void(std::string_view)>& warn) {
  for (std::string_view rest = list; !rest.empty();) {
    std::string_view token = next_list_item(rest);
    bool add = true;
    while (!token.empty() && (token[0] == '=' || token[0] == '-' || token[0] == '+')) {
      if (token[0] == '=') set_all(set, false);
      add = token[0] != '-';
      token.remove_prefix(1);
    }
    if (token.empty()) continue;
    if (iequals(token, "all")) {
      set_all(set, add);
    } else if (iequals(token, "http")) {
      set.http = add;
    } else if (iequals(token, "https")) {
      set.https = add;
    } else if (std::ranges::none_of(kOtherCurlProtocols,
                                    [&](std::string_view p) { return iequals(token, p); })) {
      warn(fmt::format("unrecognized protocol '{}'", token));
    }
  }
  return set;
}

}  // namespace sluice::cli
