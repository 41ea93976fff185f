// -F/--form-string: the multipart/form-data body curl would send.
#include "cli/get_form.hpp"

#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <fstream>

using sluice::cli::build_form;
using sluice::cli::FormKind;
using sluice::cli::random_boundary;

TEST_CASE("build_form: fields, file parts, inline files, type= and filename=", "[get][form]") {
  std::string dir = "/tmp/sluice-form-" + std::to_string(::getpid());
  std::string file = dir + ".txt";
  std::ofstream(file, std::ios::binary) << "hi\n";
  auto f = build_form({{FormKind::parsed, "a=b"},
                       {FormKind::parsed, "f=@" + file},
                       {FormKind::parsed, "g=<" + file},
                       {FormKind::parsed, "h=@" + file + ";type=text/x;filename=z.bin"},
                       {FormKind::literal, "k=@not;type=kept"},
                       {FormKind::parsed, "j=v;type=text/csv"},
                       {FormKind::parsed, "q=\"x;y\\\"\";other"},
                       {FormKind::parsed, "r=@\"" + file + "\";filename=\"a;b\""}},
                      "BB");
  REQUIRE(f);
  std::string base = file.substr(file.rfind('/') + 1);
  CHECK(f->content_type == "multipart/form-data; boundary=BB");
  CHECK(f->body ==
        "--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n"
        "--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" +
            base +
            "\"\r\nContent-Type: text/plain\r\n\r\nhi\n\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"g\"\r\n\r\nhi\n\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"h\"; filename=\"z.bin\"\r\n"
            "Content-Type: text/x\r\n\r\nhi\n\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n@not;type=kept\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"j\"\r\nContent-Type: text/csv\r\n"
            "\r\nv\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nx;y\"\r\n"
            "--BB\r\nContent-Disposition: form-data; name=\"r\"; filename=\"a;b\"\r\n"
            "Content-Type: text/plain\r\n\r\nhi\n\r\n"
            "--BB--\r\n");
  std::remove(file.c_str());
}

TEST_CASE("build_form: names are quoted safely, bad fields and missing files fail", "[get][form]") {
  auto f = build_form({{FormKind::parsed, "a\"b\r\nc=1"}}, "BB");
  REQUIRE(f);
  CHECK(f->body.find("name=\"a%22b%0D%0Ac\"") != std::string::npos);
  CHECK_FALSE(build_form({{FormKind::parsed, "novalue"}}, "BB"));
  CHECK_FALSE(build_form({{FormKind::parsed, "=x"}}, "BB"));
  auto missing = build_form({{FormKind::parsed, "f=@/nonexistent/file"}}, "BB");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == sluice::Errc::read_failed);
  std::string b = random_boundary();
  CHECK(b.size() == 46);
  CHECK(b.starts_with(std::string(24, '-')));
  CHECK(b != random_boundary());
}
