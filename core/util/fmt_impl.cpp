// fmt's compiled part, built once here.
//
// Why not fmt::fmt-header-only: it compiles fmt's implementation into every
// translation unit that formats (measured: 5.2 s instead of 0.8 s for one
// small file at -O2 -g, and ~95 KB of object code each; GCC's local clones of
// it survive the link, ~100 KB of duplicate text in the binary). Why not the
// shared libfmt: it needs the shared libstdc++, which the binary does without
// (CMakeLists.txt: static C++ runtime, ~1 MiB less RSS). So the sources use
// fmt's headers in its library mode, and this file is that library: the
// functions <fmt/format-inl.h> defines, and the template instances
// <fmt/format.h> and <fmt/core.h> declare for it (wide ones too, unused so far).
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
template auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl(locale_ref) -> wchar_t;

}  // namespace detail
FMT_END_NAMESPACE
