// amplitude-server: serves the built web app with the headers a cross-origin-isolated page needs,
// and the /api endpoints. `make run` starts it on http://127.0.0.1:8080 with SQLite under ./data.
#include "amplitude/server/HttpServer.h"
#include "amplitude/server/Router.h"
#include "amplitude/server/StaticFiles.h"
#include "amplitude/server/api/Api.h"
#include "amplitude/server/live/LiveHub.h"
#include "amplitude/server/store/Migrations.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <thread>

namespace {

/// A PostgreSQL server that starts together with us may not accept connections yet.
int migrateWhenReachable(amplitude::server::store::Database& database) {
  for (int attempt = 1;; ++attempt) {
    try {
      return amplitude::server::store::applyMigrations(database);
    } catch (const amplitude::server::store::DatabaseUnavailable& e) {
      if (attempt >= 30) throw;
      spdlog::warn("database not reachable yet ({}), retrying", e.what());
      std::this_thread::sleep_for(std::chrono::seconds{1});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace server = amplitude::server;
  CLI::App app{"Amplitude server: the web app and its API"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string webRoot = "web/dist";
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  unsigned workers = 4;
  std::string logLevel = "info";
  std::string dataDir = "data";
  std::string databaseUrl;
  bool secureCookies = false;
  std::vector<std::string> allowedOrigins;
  unsigned sessionDays = 30;
  std::uint64_t maxUploadMiB = 512;
  unsigned shutdownGraceSeconds = 10;
  app.add_option("--host", host, "Address to listen on")->envname("AMPLITUDE_HOST")->capture_default_str();
  app.add_option("--port", port, "Port to listen on (0 picks a free one)")
      ->envname("AMPLITUDE_PORT")
      ->capture_default_str();
  app.add_option("--web-root", webRoot, "Directory of the built web app")
      ->envname("AMPLITUDE_WEB_ROOT")
      ->capture_default_str();
  app.add_option("--threads", threads, "I/O threads")->check(CLI::Range(1u, 64u))->capture_default_str();
  app.add_option("--workers", workers, "Worker threads for handlers and database work (also the connection pool size)")
      ->envname("AMPLITUDE_WORKERS")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--data-dir", dataDir, "Directory for the SQLite database and uploaded audio")
      ->envname("AMPLITUDE_DATA_DIR")
      ->capture_default_str();
  app.add_option("--database-url", databaseUrl, "postgresql://user@host:port/db; empty means SQLite in --data-dir")
      ->envname("AMPLITUDE_DATABASE_URL");
  app.add_flag("--secure-cookies", secureCookies, "Mark session cookies Secure (set when clients reach us over TLS)")
      ->envname("AMPLITUDE_SECURE_COOKIES");
  app.add_option("--allowed-origin", allowedOrigins, "Extra origin accepted on state-changing requests (repeatable)")
      ->envname("AMPLITUDE_ALLOWED_ORIGINS")
      ->delimiter(',');
  app.add_option("--session-days", sessionDays, "Session lifetime in days")
      ->envname("AMPLITUDE_SESSION_DAYS")
      ->check(CLI::Range(1u, 365u))
      ->capture_default_str();
  app.add_option("--max-upload-mib", maxUploadMiB, "Largest audio upload in MiB")
      ->envname("AMPLITUDE_MAX_UPLOAD_MIB")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{16384}))
      ->capture_default_str();
  app.add_option("--shutdown-grace-seconds", shutdownGraceSeconds, "How long in-flight requests may take on shutdown")
      ->envname("AMPLITUDE_SHUTDOWN_GRACE_SECONDS")
      ->capture_default_str();
  app.add_option("--log-level", logLevel, "trace, debug, info, warn, error or off")
      ->envname("AMPLITUDE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr, one line per event, key=value after the level; stdout carries only the
  // line that says where we listen (scripts read it).
  spdlog::set_default_logger(spdlog::stderr_color_mt("amplitude"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_level(spdlog::level::from_str(logLevel));

  try {
    std::filesystem::create_directories(dataDir);
    const auto database = server::store::openDatabase(
        {databaseUrl, (std::filesystem::path{dataDir} / "amplitude.sqlite3").string(), workers});
    spdlog::info("database {}", database->describe());
    migrateWhenReachable(*database);
    server::store::Repository repository{*database};
    server::api::BlobStore blobs{std::filesystem::path{dataDir} / "assets"};
    server::api::PasswordHasher passwords;
    server::api::ApiConfig config;
    config.secureCookies = secureCookies;
    config.allowedOrigins = allowedOrigins;
    config.sessionLifetime = std::chrono::hours{24 * sessionDays};
    config.maxUploadBytes = maxUploadMiB * 1024 * 1024;
    server::render::RenderService renderer{std::filesystem::path{dataDir} / "renders",
                                           [&blobs](std::string_view sha256) { return blobs.pathOf(sha256); }};
    config.renderer = &renderer;
    // Live editing (docs/collaboration.md): before the server, which hands it connections.
    server::live::LiveOptions liveOptions;
    liveOptions.maxDocumentBytes = config.maxDocumentBytes;
    server::live::LiveHub live{repository, liveOptions};
    if (database->dialect() == server::store::SqlDialect::postgres) live.listenToPostgres(databaseUrl);
    config.onRevisionSaved = [&live](std::int64_t projectId) { live.revisionCommitted(projectId); };
    server::api::Api api{repository, blobs, passwords, config};

    const server::Router router{server::StaticFiles{webRoot}, &api};
    server::ServerLimits limits;
    limits.workerThreads = workers;
    limits.shutdownGrace = std::chrono::seconds{shutdownGraceSeconds};
    server::HttpServer httpServer{router, host, port, limits, &live};
    httpServer.stopOnSignals({SIGINT, SIGTERM});
    std::cout << "amplitude-server listening on " << httpServer.url() << std::endl;
    spdlog::info("serving {} on {} with {} I/O threads and {} workers", webRoot, httpServer.url(), threads, workers);
    httpServer.run(threads);
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
