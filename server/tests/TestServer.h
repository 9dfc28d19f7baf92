#pragma once
// The whole server in-process for the API tests: a fresh database (SQLite in a temp file, or the
// PostgreSQL named by AMPLITUDE_TEST_DATABASE_URL, emptied first), migrations, the API and a
// real HttpServer on a free port, with a clock the test can move forward.
#include "TestClient.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace amplitude::server::testing {

/// "postgresql" when AMPLITUDE_TEST_DATABASE_URL is set, else "sqlite".
std::string testBackend();

struct TestServerOptions {
  std::uint64_t maxUploadBytes = 1024 * 1024;
  std::size_t maxDocumentBytes = 64 * 1024;
  int failuresPerAccount = 3;
  int failuresPerAddress = 6;
  std::chrono::milliseconds sessionLifetime{std::chrono::hours{1}};
  // The live channel's limits (live/LiveOptions.h), shrunk by some tests.
  std::size_t liveMaxQueuedMessages = 256;
  std::size_t liveMaxQueuedBytes = 8 * 1024 * 1024;
  int liveSocketSendBufferBytes = 0;
  std::chrono::milliseconds livePresenceInterval{100};
  std::chrono::milliseconds liveCloseGrace{std::chrono::seconds{5}};
  /// Empty the PostgreSQL database first; false for a second server sharing the first's.
  bool resetDatabase = true;
};

class TestServer {
public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const;
  TestClient client() const { return TestClient{port()}; }
  /// Moves the API's clock forward (sessions expire, rate-limit windows end).
  void advanceClock(std::chrono::milliseconds by) { clockOffsetMs_ += by.count(); }
  const std::filesystem::path& dataDir() const { return dataDir_; }
  /// Number of stored blob files.
  std::size_t blobFileCount() const;
  /// Files left in the upload staging directory.
  std::size_t stagingFileCount() const;
  /// Runs one SQL statement directly, returning the first column of the first row ("" if none).
  std::string queryScalar(const std::string& sql);
  /// argon2id verifications the server's password hasher has run.
  std::uint64_t passwordVerifications() const;

private:
  struct Parts;
  std::filesystem::path dataDir_;
  std::atomic<std::int64_t> clockOffsetMs_{0};
  std::unique_ptr<Parts> parts_;
};

/// A WAV file (PCM 16-bit mono) of `frames` samples of a ramp, built byte by byte.
std::string makeWav(std::uint32_t frames, std::uint32_t sampleRate = 48000);

}  // namespace amplitude::server::testing
