// -w/--write-out: curl's %{variable} templates, rendered from a transfer report.
#pragma once

#include <string>
#include <vector>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// What a -w template renders to: %{stderr} switches the rest to stderr and
// %{stdout} back, so one template may write to both.
struct WriteOut {
  std::string out, err;
};

// exit_code and errormsg are the transfer's own (0 and "" on success).
// Unknown variables render as nothing; their names are added to *unknown.
// %{onerror} ends the output there unless the transfer failed.
WriteOut render_write_out_streams(const std::string& tmpl, const fetch::Report& r, int exit_code,
                                  std::vector<std::string>* unknown = nullptr);
// The stdout part alone.
std::string render_write_out(const std::string& tmpl, const fetch::Report& r, int exit_code,
                             std::vector<std::string>* unknown = nullptr);
std::string report_json(const fetch::Report& r, int exit_code);
// Every variable -w knows, for --help and the man page.
std::string write_out_help();
// Every variable as written in a format ("%{http_code}", "%{json}", ...):
// what completion offers after -w.
std::vector<std::string> write_out_variables();

}  // namespace sluice::cli
