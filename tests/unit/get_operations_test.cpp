// `get --next`: the command line split into operations before parsing.
#include "cli/get_operations.hpp"

#include <catch2/catch_test_macros.hpp>

#include "cli/option_binders.hpp"

using sluice::cli::CommandSpec;
using sluice::cli::flag;
using sluice::cli::split_operations;
using sluice::cli::value;
using Ops = std::vector<std::vector<std::string>>;

namespace {
struct Fixture {
  std::string data, out;
  bool silent = false, show_error = false;
  CommandSpec spec() {
    CommandSpec s;
    s.name = "get";
    s.options = {value("-d,--data", "DATA", "", data), value("-o,--output", "FILE", "", out),
                 flag("-s,--silent", "", silent), flag("-S,--show-error", "", show_error),
                 flag("--next", "", silent)};
    return s;
  }
};
}  // namespace

TEST_CASE("split_operations: --next and -: divide, in order", "[get][next]") {
  Fixture f;
  CHECK(split_operations(f.spec(), {"u1", "--next", "-s", "u2", "-:", "u3"}) ==
        Ops{{"u1"}, {"-s", "u2"}, {"u3"}});
  CHECK(split_operations(f.spec(), {}) == Ops{{}});
  CHECK(split_operations(f.spec(), {"--next"}) == Ops{{}, {}});  // the caller says what is missing
}

TEST_CASE("split_operations: an option's value is never a divider", "[get][next]") {
  Fixture f;
  // Detached values, a value glued on, and a cluster of switches whose last
  // letter takes the next argument.
  CHECK(split_operations(f.spec(), {"-d", "--next", "u1"}) == Ops{{"-d", "--next", "u1"}});
  CHECK(split_operations(f.spec(), {"--data", "-:", "u1", "--next", "u2"}) ==
        Ops{{"--data", "-:", "u1"}, {"u2"}});
  CHECK(split_operations(f.spec(), {"-sSo", "--next", "u1"}) == Ops{{"-sSo", "--next", "u1"}});
  CHECK(split_operations(f.spec(), {"-ofile", "--next", "u1"}) == Ops{{"-ofile"}, {"u1"}});
  CHECK(split_operations(f.spec(), {"--data=x", "--next", "u1"}) == Ops{{"--data=x"}, {"u1"}});
  // An unknown option is left to the parser, which names it.
  CHECK(split_operations(f.spec(), {"--bogus", "--next", "u1"}) == Ops{{"--bogus"}, {"u1"}});
  // After "--" nothing divides.
  CHECK(split_operations(f.spec(), {"u1", "--", "--next", "u2"}) ==
        Ops{{"u1", "--", "--next", "u2"}});
}
