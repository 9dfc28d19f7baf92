#include "TestServer.h"

#include "WebRootFixture.h"
#include "amplitude/server/HttpServer.h"
#include "amplitude/server/Router.h"
#include "amplitude/server/api/Api.h"
#include "amplitude/server/live/LiveHub.h"
#include "amplitude/server/store/Migrations.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <random>
#include <thread>

namespace amplitude::server::testing {

namespace fs = std::filesystem;

std::string testBackend() {
  const char* url = std::getenv("AMPLITUDE_TEST_DATABASE_URL");
  return url && *url ? "postgresql" : "sqlite";
}

struct TestServer::Parts {
  WebRootFixture webRoot;
  std::unique_ptr<store::Database> database;
  std::unique_ptr<store::Repository> repository;
  std::unique_ptr<api::BlobStore> blobs;
  std::unique_ptr<api::PasswordHasher> passwords;
  std::unique_ptr<render::RenderService> renderer;  // before the API, which points at it
  std::unique_ptr<live::LiveHub> live;              // before the API and the server too
  std::unique_ptr<api::Api> api;
  std::unique_ptr<Router> router;
  std::unique_ptr<HttpServer> server;
  std::jthread serving;
};

TestServer::TestServer(TestServerOptions options) : parts_(std::make_unique<Parts>()) {
  spdlog::set_level(spdlog::level::warn);
  std::random_device random;
  dataDir_ = fs::temp_directory_path() / ("amplitude-api-test-" + std::to_string(random()));
  fs::create_directories(dataDir_);

  const char* url = std::getenv("AMPLITUDE_TEST_DATABASE_URL");
  parts_->database = store::openDatabase({url ? url : "", (dataDir_ / "test.sqlite3").string(), 4});
  if (parts_->database->dialect() == store::SqlDialect::postgres && options.resetDatabase) {
    parts_->database->transact(store::TransactionKind::write, [](store::SqlTransaction& tx) {
      tx.query("DROP SCHEMA public CASCADE");
      tx.query("CREATE SCHEMA public");
    });
  }
  store::applyMigrations(*parts_->database);
  parts_->repository = std::make_unique<store::Repository>(*parts_->database);
  parts_->blobs = std::make_unique<api::BlobStore>(dataDir_ / "assets");
  parts_->passwords = std::make_unique<api::PasswordHasher>();

  api::ApiConfig config;
  config.maxUploadBytes = options.maxUploadBytes;
  config.maxDocumentBytes = options.maxDocumentBytes;
  config.throttle.failuresPerAccount = options.failuresPerAccount;
  config.throttle.failuresPerAddress = options.failuresPerAddress;
  config.throttle.window = std::chrono::minutes{1};
  config.sessionLifetime = options.sessionLifetime;
  parts_->renderer = std::make_unique<render::RenderService>(
      dataDir_ / "renders", [blobs = parts_->blobs.get()](std::string_view sha256) { return blobs->pathOf(sha256); });
  config.renderer = parts_->renderer.get();
  config.clock = [this] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           clockOffsetMs_.load();
  };
  live::LiveOptions liveOptions;
  liveOptions.maxDocumentBytes = options.maxDocumentBytes;
  liveOptions.maxQueuedMessages = options.liveMaxQueuedMessages;
  liveOptions.maxQueuedBytes = options.liveMaxQueuedBytes;
  liveOptions.socketSendBufferBytes = options.liveSocketSendBufferBytes;
  liveOptions.presenceInterval = options.livePresenceInterval;
  liveOptions.closeGrace = options.liveCloseGrace;
  liveOptions.clock = config.clock;
  parts_->live = std::make_unique<live::LiveHub>(*parts_->repository, liveOptions);
  if (parts_->database->dialect() == store::SqlDialect::postgres) parts_->live->listenToPostgres(url);
  config.onRevisionSaved = [hub = parts_->live.get()](std::int64_t projectId) { hub->revisionCommitted(projectId); };
  parts_->api = std::make_unique<api::Api>(*parts_->repository, *parts_->blobs, *parts_->passwords, config);
  parts_->router = std::make_unique<Router>(StaticFiles{parts_->webRoot.root()}, parts_->api.get());
  ServerLimits limits;
  limits.readTimeout = std::chrono::seconds{5};
  limits.shutdownGrace = std::chrono::seconds{5};
  parts_->server = std::make_unique<HttpServer>(*parts_->router, "127.0.0.1", 0, limits, parts_->live.get());
  parts_->serving = std::jthread{[this] { parts_->server->run(2); }};
}

TestServer::~TestServer() {
  parts_->server->stop();
  parts_->serving.join();
  parts_.reset();
  std::error_code ignored;
  fs::remove_all(dataDir_, ignored);
}

std::uint16_t TestServer::port() const { return parts_->server->port(); }

std::size_t TestServer::blobFileCount() const {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator{dataDir_ / "assets" / "blobs"})
    if (entry.is_regular_file()) ++count;
  return count;
}

std::size_t TestServer::stagingFileCount() const {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator{dataDir_ / "assets" / "tmp"}, {}));
}

std::uint64_t TestServer::passwordVerifications() const { return parts_->passwords->verificationsRun(); }

std::string TestServer::queryScalar(const std::string& sql) {
  std::string value;
  parts_->database->transact(store::TransactionKind::read, [&](store::SqlTransaction& tx) {
    const auto rows = tx.query(sql);
    value = rows.empty() || rows[0].isNull(0) ? std::string{} : rows[0].text(0);
  });
  return value;
}

std::string makeWav(std::uint32_t frames, std::uint32_t sampleRate) {
  std::string wav;
  const auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) wav.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const auto u16 = [&](std::uint16_t v) {
    wav.push_back(static_cast<char>(v & 0xff));
    wav.push_back(static_cast<char>(v >> 8));
  };
  const std::uint32_t dataBytes = frames * 2;
  wav += "RIFF";
  u32(36 + dataBytes);
  wav += "WAVEfmt ";
  u32(16);
  u16(1);  // PCM
  u16(1);  // mono
  u32(sampleRate);
  u32(sampleRate * 2);
  u16(2);
  u16(16);
  wav += "data";
  u32(dataBytes);
  for (std::uint32_t i = 0; i < frames; ++i) u16(static_cast<std::uint16_t>(i * 37));
  return wav;
}

}  // namespace amplitude::server::testing
