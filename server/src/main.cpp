// amplitude-server: serves the built web app with the headers a cross-origin-isolated page needs,
// and the /api endpoints. `make run` starts it on http://127.0.0.1:8080.
#include "amplitude/server/HttpServer.h"
#include "amplitude/server/Router.h"
#include "amplitude/server/StaticFiles.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  CLI::App app{"Amplitude server: the web app and its API"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string webRoot = "web/dist";
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::string logLevel = "info";
  app.add_option("--host", host, "Address to listen on")->envname("AMPLITUDE_HOST")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0 picks a free one)")
      ->envname("AMPLITUDE_PORT")
      ->capture_default_str();
  app.add_option("--web-root", webRoot, "Directory of the built web app")
      ->envname("AMPLITUDE_WEB_ROOT")
      ->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->check(CLI::Range(1u, 64u))->capture_default_str();
  app.add_option("--log-level", logLevel, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout carries only the line that says where we listen (scripts read it).
  spdlog::set_default_logger(spdlog::stderr_color_mt("amplitude"));
  spdlog::set_level(spdlog::level::from_str(logLevel));

  try {
    const amplitude::server::Router router{amplitude::server::StaticFiles{webRoot}};
    amplitude::server::HttpServer server{router, host, port};
    server.stopOnSignals({SIGINT, SIGTERM});
    std::cout << "amplitude-server listening on " << server.url() << std::endl;
    spdlog::info("serving {} on {} with {} threads", webRoot, server.url(), threads);
    server.run(threads);
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
