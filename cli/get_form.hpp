// `sluice get -F/--form-string`: a multipart/form-data body as curl builds
// it (RFC 7578): "name=value", "name=@file" (a file part, its name and a type
// guessed from the extension), "name=<file" (the file's bytes as the value),
// with ";type=" and ";filename=" after either; --form-string takes the value
// as it is. Files are read whole here (-T is the streaming upload).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/util/error.hpp"

namespace sluice::cli {

enum class FormKind { parsed, literal };  // -F, --form-string
using FormField = std::pair<FormKind, std::string>;

struct Form {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::string body;
};

// boundary: the separator to use (random in use, fixed in tests).
Result<Form> build_form(const std::vector<FormField>& fields, const std::string& boundary);

// "------------------------" and 22 random letters and digits, as curl 8 makes it.
std::string random_boundary();

}  // namespace sluice::cli
