// -w/--write-out: curl's %{variable} templates, rendered from a transfer report.
#pragma once

#include <string>

#include "core/fetch/fetch.hpp"

namespace sluice::cli {

// exit_code and errormsg are the transfer's own (0 and "" on success).
std::string render_write_out(const std::string& tmpl, const fetch::Report& r, int exit_code);
std::string report_json(const fetch::Report& r, int exit_code);

}  // namespace sluice::cli
