// `get -K`: curl's config file syntax into arguments.
#include "cli/config_file.hpp"

#include <catch2/catch_test_macros.hpp>

#include "cli/option_binders.hpp"

using sluice::cli::CommandSpec;
using sluice::cli::config_arguments;
using sluice::cli::flag;
using sluice::cli::value;

namespace {
struct Fixture {
  std::string out;
  std::vector<std::string> headers;
  bool silent = false;
  CommandSpec spec() {
    CommandSpec s;
    s.name = "get";
    s.options = {value("-o,--output", "FILE", "", out), value("-H,--header", "LINE", "", headers),
                 flag("-s,--silent", "", silent), value("--url", "URL", "", out)};
    return s;
  }
};
}  // namespace

TEST_CASE("config_arguments: names with or without dashes, '=', ':' or spaces, quotes",
          "[get][config]") {
  Fixture f;
  auto args = config_arguments(f.spec(),
                               "# comment\n"
                               "\n"
                               "url = \"http://h/a b\"\r\n"
                               "output:out.txt\n"
                               "  --header \"X: \\\"1\\\"\\t2\"\n"
                               "-H Y:3 ignored\n"
                               "silent\n"
                               "unknown-thing value\n");
  REQUIRE(args);
  CHECK(*args == std::vector<std::string>{"--url", "http://h/a b", "--output", "out.txt",
                                          "--header", "X: \"1\"\t2", "-H", "Y:3", "--silent",
                                          "--unknown-thing"});
}

TEST_CASE("config_arguments: a value missing or a quote left open is an error", "[get][config]") {
  Fixture f;
  CHECK_FALSE(config_arguments(f.spec(), "output\n"));
  CHECK_FALSE(config_arguments(f.spec(), "url = \"http://h/\n"));
}
