// The request body of `sluice get`, from curl's data flags in the order they
// were given: -d/--data-ascii, --data-binary, --data-raw, --data-urlencode
// and --json.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/util/error.hpp"

namespace sluice::cli {

enum class DataKind {
  ascii,      // -d, --data-ascii: @FILE read with CR and LF dropped
  binary,     // --data-binary: @FILE read as it is
  raw,        // --data-raw: no @FILE
  urlencode,  // --data-urlencode: content, =content, name=content, @file, name@file
  json,       // --json: as --data-binary, but glued to what came before without '&'
};

using DataPiece = std::pair<DataKind, std::string>;

// The pieces joined as curl joins them: with '&' between them, except that a
// --json piece is appended without one. Fails when a file cannot be read.
Result<std::string> assemble_data(const std::vector<DataPiece>& pieces);

// A whole input: the file at path, or stdin for "-". Shared by the data
// flags, -F's files, -K and -b's cookie files.
Result<std::string> read_source(const std::string& path);

// curl's file2string: every line of the file ("-": stdin), its CR and LF
// dropped; nullopt when it cannot be opened. -w @FILE and --etag-compare.
std::optional<std::string> read_joined_lines(const std::string& path);

// True when any piece is --json (which sets Content-Type and Accept).
bool has_json(const std::vector<DataPiece>& pieces);

// --url-query's arguments as one query: each encoded as --data-urlencode's,
// or sent as it is after a leading '+', joined with '&'.
Result<std::string> url_query(const std::vector<std::string>& args);

// url with `query` added to its query (for -G): "?" or "&" as needed, before
// any "#fragment".
std::string append_query(const std::string& url, const std::string& query);

}  // namespace sluice::cli
