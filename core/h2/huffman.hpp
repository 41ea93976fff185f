// HPACK's Huffman code (RFC 7541 5.2 and Appendix B) for string literals in
// HTTP/2 header blocks: encode our own, decode the peer's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::hpack {

// Bytes that huffman_encode() would produce for s.
std::size_t huffman_size(std::string_view s);
// Appends s, Huffman-coded and padded with the EOS prefix (all ones).
void huffman_encode(std::string_view s, std::string& out);
// Appends the decoded bytes of a Huffman-coded string literal. False (out
// then holds junk) on what RFC 7541 5.2 calls a decoding error: a code that
// is the EOS symbol, padding longer than 7 bits, or padding that is not the
// EOS prefix.
bool huffman_decode(std::string_view in, std::string& out);

}  // namespace sluice::hpack
