// Builds the Request for one hop of a transfer from the user's options, with
// curl's defaults and header override rules.
#pragma once

#include "core/fetch/fetch.hpp"

namespace sluice::fetch {

// upload: -T's body for this target (PUT unless cfg.method says otherwise).
Request build_request(const FetchConfig& cfg, const Url& url,
                      std::shared_ptr<BodySource> upload = nullptr);

struct RedirectRules {
  bool auto_referer = false;  // -e ";auto": the Referer names the URL left
  bool trusted = false;       // --location-trusted: credentials go to another origin too
  bool post301 = false, post302 = false, post303 = false;  // --post30x: keep the POST
};

// The request for the next hop of a redirect (curl's rules: 301/302 turn a POST
// into a GET, 303 turns anything but HEAD into a GET, its body dropped, unless
// --post30x says otherwise).
Request redirect_request(const Request& prev, int status, const Url& next,
                         const RedirectRules& rules = {});

// "user:password" for url: -u's, else the URL's, else the .netrc entry's.
std::optional<std::string> credentials(const FetchConfig& cfg, const Url& url);
// Authorization's value for them: "Basic dXNlcjpwYXNz".
std::string basic_authorization(std::string_view credentials);

bool is_redirect(int status);
bool is_transient_status(int status);  // worth a --retry

}  // namespace sluice::fetch
