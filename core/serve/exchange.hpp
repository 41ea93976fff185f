// The contract between a connection and the endpoint producing one response.
//
// Backpressure: the connection calls pull() only while its output queue is
// below its high-water mark (has_room()); an endpoint writes at most one read
// (64 KiB, four blocks) per has_room() check and returns Pull::more, so a slow
// client never makes the server hold more than the mark plus one read.
//
// Re-entrancy: writer methods only queue bytes and flags; they never call
// back into the endpoint. The connection calls the endpoint only from its own
// event handling.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string_view>

#include "core/h1/server_session.hpp"
#include "core/loop/loop.hpp"
#include "core/util/small_alloc.hpp"

namespace sluice::serve {

enum class Pull {
  more,  // call again when there is room
  wait,  // waiting on a timer or on the request body: call again after wake()
  done,  // end() was called
};

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual const RequestHead& request() const = 0;
  // length: Content-Length; nullopt: chunked (or close-delimited for HTTP/1.0).
  // For HEAD (and 204/304) the response is complete once the head is queued.
  virtual void head(int status, const Headers& headers, std::optional<uint64_t> length) = 0;
  virtual void write(std::string_view bytes) = 0;
  virtual void end() = 0;
  virtual bool has_room() const = 0;
  // Zero-copy file bytes (plain TCP only), sent after what is already queued.
  // The fd must stay open until the endpoint is destroyed.
  virtual bool can_sendfile() = 0;
  virtual void sendfile(int fd, uint64_t offset, uint64_t length) = 0;
  virtual void wake() = 0;   // after Pull::wait, from the endpoint's timer
  virtual void abort() = 0;  // cannot finish (e.g. read error): close the connection
  virtual Loop& loop() = 0;
  // Room for up to max body bytes in up to `count` spans, written in place,
  // in order, and then committed (commit_body): a file read by one preadv
  // straight into the queue that sends it, not through a buffer of the
  // endpoint's. Returns how many spans; 0: this writer has none, use write().
  virtual int body_rooms(std::size_t /*max*/, std::span<char>* /*spans*/, int /*count*/) {
    return 0;
  }
  virtual void commit_body(std::size_t /*n*/) {}
};

// Created by the router once a request head is parsed; destroyed when the
// exchange is over or the connection closes. Destructors cancel their timers,
// so nothing an endpoint scheduled outlives it.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  // An endpoint lives for one request and they come in bursts (ten streams
  // of a connection at a time): from the per-thread block cache, not glibc's
  // arena, whose path a burst overflowed into (core/util/small_alloc.hpp).
  static void* operator new(std::size_t n) {
    if (void* p = small_alloc::allocate(n)) return p;
    throw std::bad_alloc();
  }
  static void operator delete(void* p) { small_alloc::release(p); }
  // The cache's blocks are aligned as malloc's: an over-aligned endpoint
  // (none today) goes to the global aligned allocation instead.
  static void* operator new(std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
  static void operator delete(void* p, std::align_val_t a) { ::operator delete(p, a); }
  // First called right after the head is parsed (before any body byte).
  virtual Pull pull(ResponseWriter& w) = 0;
  virtual void on_body(ResponseWriter&, std::string_view) {}  // de-chunked request body
  virtual void on_body_end(ResponseWriter&) {}
};

// What a connection engine outside core/serve (the HTTP/3 module) needs of
// the server: an endpoint per request, and the counters /stats and the final
// report show. Each worker is one; it is called on that worker's thread only.
class RequestRouter {
 public:
  virtual ~RequestRouter() = default;
  virtual std::unique_ptr<Endpoint> route(const RequestHead& req) = 0;
  virtual void count_connection() = 0;  // a connection was accepted
  virtual void count_request() = 0;     // a request head was routed
  virtual void count_retry() = 0;       // a QUIC Retry was sent (address validation)
};

}  // namespace sluice::serve
