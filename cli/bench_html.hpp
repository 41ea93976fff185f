// `sluice bench report`: one self-contained HTML page of charts (latency by
// percentile, corrected vs uncorrected, requests and errors over time) and a
// summary per run, from the JSON that `sluice bench --json` writes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/error.hpp"

namespace sluice::cli {

// What the page shows of one result (the parsed JSON of one file), checked so
// that the page's script can trust it. The error is one line saying what is
// missing or malformed.
Result<nlohmann::json> bench_page_run(const nlohmann::json& result, const std::string& label);

// The whole page for runs made by bench_page_run, drawn in that order.
std::string render_bench_html(const std::vector<nlohmann::json>& page_runs);

// Legend labels for input paths: the file names when those differ, else the
// paths as given (a.json, b.json rather than /tmp/run-17/a.json ...).
std::vector<std::string> report_labels(const std::vector<std::string>& paths);

}  // namespace sluice::cli
