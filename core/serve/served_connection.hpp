// What a worker holds for each client connection, whatever its protocol: an
// H1Connection (which also sniffs for h2) or an H2Connection it handed over to.
#pragma once

namespace sluice::serve {

class ServedConnection {
 public:
  virtual ~ServedConnection() = default;
  virtual void start() = 0;
  virtual void drain() = 0;      // graceful stop: finish what is in flight, then close
  virtual void close_now() = 0;  // destruction is deferred to the end of the loop iteration
};

}  // namespace sluice::serve
