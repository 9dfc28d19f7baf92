// PostgreSQL goes away under a running server (pg_ctl stop -m immediate) and comes back: health
// says degraded meanwhile, writes are refused (not acknowledged), then the server reconnects by
// itself and every acknowledged write is still there. run-api-tests.sh passes the commands in
// AMPLITUDE_TEST_PG_STOP and AMPLITUDE_TEST_PG_START; without them this test is skipped.
#include "TestServer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

namespace amplitude::server::testing {
namespace {

TEST(DatabaseRestart, DegradedWhileDownThenRecoversWithoutLosingAcknowledgedWrites) {
  const char* stop = std::getenv("AMPLITUDE_TEST_PG_STOP");
  const char* start = std::getenv("AMPLITUDE_TEST_PG_START");
  if (testBackend() != "postgresql" || !stop || !start) GTEST_SKIP() << "needs PostgreSQL and the pg_ctl commands";

  TestServer server;
  auto ada = server.client();
  ASSERT_EQ(ada.registerAccount("ada", "correct horse battery staple").status, 201);
  ASSERT_EQ(ada.logIn("ada", "correct horse battery staple").status, 201);
  const auto path = "/api/projects/" + std::to_string(ada.post("/api/projects", {{"name", "Live"}}).json()["project"]["id"].get<long>());
  std::int64_t head = 1;
  std::vector<std::int64_t> acknowledged;
  const auto save = [&](int value) {
    const auto reply = ada.put(path + "/document", {{"baseRevision", head}, {"document", {{"value", value}}}});
    if (reply.status == 201) {
      head = reply.json()["revision"];
      acknowledged.push_back(value);
    }
    return reply.status;
  };
  for (int i = 0; i < 20; ++i) ASSERT_EQ(save(i), 201);

  ASSERT_EQ(std::system(stop), 0);
  const auto degraded = ada.get("/api/health");
  EXPECT_EQ(degraded.status, 503);
  EXPECT_EQ(degraded.json()["status"], "degraded");
  EXPECT_EQ(degraded.json()["error"]["code"], "database_unavailable");
  const auto refused = save(1000);
  EXPECT_EQ(refused, 503) << "nothing is acknowledged while the database is down";

  ASSERT_EQ(std::system(start), 0);
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = ada.get("/api/health").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  ASSERT_EQ(status, 200) << "the server reconnects by itself";
  for (int i = 20; i < 30; ++i) EXPECT_EQ(save(i), 201);

  const auto revisions = ada.get(path + "/revisions").json()["revisions"];
  EXPECT_EQ(revisions.size(), acknowledged.size() + 1);
  for (std::size_t i = 0; i < acknowledged.size(); ++i)
    EXPECT_EQ(ada.get(path + "/revisions/" + std::to_string(i + 2)).json()["document"]["value"], acknowledged[i]);
  EXPECT_EQ(ada.get(path).json()["document"]["value"], 29);
}

}  // namespace
}  // namespace amplitude::server::testing
