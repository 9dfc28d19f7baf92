#pragma once
// Maps a request to its handler. Pure: no sockets, no threads, so every route is unit-tested by
// calling handle() directly (tests/RouterTest.cpp). /api/* answers in JSON, everything else is
// the web app.
#include "amplitude/server/HttpMessages.h"
#include "amplitude/server/StaticFiles.h"

#include <chrono>

namespace amplitude::server {

class Router {
public:
  explicit Router(StaticFiles webApp);

  Response handle(const Request& request) const;

private:
  Response handleApi(const Request& request, std::string_view path) const;
  Response health(const Request& request) const;

  StaticFiles webApp_;
  std::chrono::steady_clock::time_point startedAt_;
};

}  // namespace amplitude::server
