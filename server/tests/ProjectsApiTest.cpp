// Projects, revisions and sharing over real HTTP: every role sees and may do exactly its share.
#include "TestServer.h"

#include <gtest/gtest.h>

#include <thread>

namespace amplitude::server::testing {
namespace {

using nlohmann::json;
constexpr auto kPassword = "correct horse battery staple";

class ProjectsApiTest : public ::testing::Test {
protected:
  TestClient signedUp(const std::string& name) {
    auto client = server.client();
    EXPECT_EQ(client.registerAccount(name, kPassword).status, 201);
    EXPECT_EQ(client.logIn(name, kPassword).status, 201);
    return client;
  }
  std::string createProject(const TestClient& client, const std::string& name, const json& document = {{"tracks", json::array()}}) {
    const auto reply = client.post("/api/projects", {{"name", name}, {"document", document}});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return "/api/projects/" + std::to_string(reply.json()["project"]["id"].get<long>());
  }
  TestServer server;
  TestClient ada = signedUp("ada");
};

TEST_F(ProjectsApiTest, CreateOpenRenameList) {
  const auto path = createProject(ada, "First song", {{"tempo", 120.5}, {"tracks", {{{"id", "t1"}}}}});
  const auto opened = ada.get(path);
  ASSERT_EQ(opened.status, 200);
  EXPECT_EQ(opened.json()["project"]["name"], "First song");
  EXPECT_EQ(opened.json()["project"]["role"], "owner");
  EXPECT_EQ(opened.json()["revision"]["number"], 1);
  EXPECT_EQ(opened.json()["document"]["tempo"], 120.5);

  EXPECT_EQ(ada.patch(path, {{"name", "Renamed"}}).json()["project"]["name"], "Renamed");
  createProject(ada, "Second");
  const auto list = ada.get("/api/projects").json()["projects"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "Second") << "most recently changed first";
  EXPECT_EQ(list[1]["name"], "Renamed");
}

TEST_F(ProjectsApiTest, EverySaveIsARevisionAndAStaleBaseIs409) {
  const auto path = createProject(ada, "Song");
  const auto saved = ada.put(path + "/document", {{"baseRevision", 1}, {"document", {{"v", 2}}}});
  ASSERT_EQ(saved.status, 201) << saved.body;
  EXPECT_EQ(saved.json()["revision"], 2);
  EXPECT_EQ(ada.put(path + "/document", {{"baseRevision", 2}, {"document", {{"v", 3}}}}).json()["revision"], 3);

  const auto stale = ada.put(path + "/document", {{"baseRevision", 2}, {"document", {{"v", 99}}}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.errorCode(), "stale_revision");
  EXPECT_EQ(stale.json()["error"]["currentRevision"], 3);
  EXPECT_EQ(ada.get(path + "/document").json()["document"]["v"], 3) << "the stale save changed nothing";

  const auto revisions = ada.get(path + "/revisions").json()["revisions"];
  ASSERT_EQ(revisions.size(), 3u);
  EXPECT_EQ(revisions[0]["number"], 3);
  EXPECT_EQ(revisions[2]["number"], 1);
  EXPECT_EQ(ada.get(path + "/revisions/2").json()["document"]["v"], 2);
  EXPECT_EQ(ada.get(path + "/revisions/9").status, 404);
}

TEST_F(ProjectsApiTest, RestoringAnOldRevisionAppendsANewOne) {
  const auto path = createProject(ada, "Song", {{"v", 1}});
  ada.put(path + "/document", {{"baseRevision", 1}, {"document", {{"v", 2}}}});
  const auto restored = ada.post(path + "/revisions/1/restore");
  ASSERT_EQ(restored.status, 201) << restored.body;
  EXPECT_EQ(restored.json()["revision"], 3);
  EXPECT_EQ(ada.get(path).json()["document"]["v"], 1);
  EXPECT_EQ(ada.get(path + "/revisions").json()["revisions"][0]["restoredFrom"], 1);
  EXPECT_EQ(ada.post(path + "/revisions/1/restore", {{"baseRevision", 2}}).status, 409);
}

TEST_F(ProjectsApiTest, DuplicateCopiesTheHeadAsANewProject) {
  const auto path = createProject(ada, "Song", {{"v", 1}});
  ada.put(path + "/document", {{"baseRevision", 1}, {"document", {{"v", 2}}}});
  const auto copy = ada.post(path + "/duplicate", {{"name", "Song (live)"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  const auto copyPath = "/api/projects/" + std::to_string(copy.json()["project"]["id"].get<long>());
  EXPECT_NE(copyPath, path);
  EXPECT_EQ(ada.get(copyPath).json()["document"]["v"], 2);
  EXPECT_EQ(ada.get(copyPath).json()["revision"]["number"], 1);
  EXPECT_EQ(ada.post(path + "/duplicate").json()["project"]["name"], "Song (copy)");
}

TEST_F(ProjectsApiTest, DeleteIsSoftAndRestorable) {
  const auto path = createProject(ada, "Song");
  EXPECT_EQ(ada.del(path).status, 204);
  EXPECT_EQ(ada.get(path).status, 404);
  EXPECT_TRUE(ada.get("/api/projects").json()["projects"].empty());
  EXPECT_EQ(ada.get("/api/projects?deleted=true").json()["projects"].size(), 1u);
  EXPECT_EQ(ada.put(path + "/document", {{"baseRevision", 1}, {"document", json::object()}}).status, 404);
  const auto restored = ada.post(path + "/restore");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_TRUE(restored.json()["project"]["deletedAt"].is_null());
  EXPECT_EQ(ada.get(path).status, 200);
}

TEST_F(ProjectsApiTest, SharingGivesEachRoleItsRights) {
  auto bob = signedUp("bob");
  auto eve = signedUp("eve");
  const auto path = createProject(ada, "Shared", {{"v", 1}});

  // A stranger cannot tell the project exists.
  const auto strangerView = eve.get(path);
  EXPECT_EQ(strangerView.status, 404);
  EXPECT_EQ(strangerView.body, eve.get("/api/projects/987654").body);
  EXPECT_EQ(eve.put(path + "/document", {{"baseRevision", 1}, {"document", json::object()}}).status, 404);
  EXPECT_EQ(eve.post(path + "/members", {{"user", "eve"}, {"role", "editor"}}).status, 404);

  // Viewer: reads, never writes.
  ASSERT_EQ(ada.post(path + "/members", {{"user", "bob@example.com"}, {"role", "viewer"}}).status, 201);
  EXPECT_EQ(bob.get(path).json()["project"]["role"], "viewer");
  EXPECT_EQ(bob.get("/api/projects").json()["projects"][0]["name"], "Shared") << "listed as shared with me";
  EXPECT_EQ(bob.put(path + "/document", {{"baseRevision", 1}, {"document", {{"v", 2}}}}).status, 403);
  EXPECT_EQ(bob.patch(path, {{"name", "mine now"}}).status, 403);
  EXPECT_EQ(bob.post(path + "/revisions/1/restore").status, 403);
  EXPECT_EQ(bob.del(path).status, 403);
  EXPECT_EQ(bob.post(path + "/members", {{"user", "eve"}, {"role", "editor"}}).status, 403);
  EXPECT_EQ(ada.get(path).json()["revision"]["number"], 1) << "nothing a viewer did changed the project";

  // Editor: writes the document, cannot delete or share.
  ASSERT_EQ(ada.post(path + "/members", {{"user", "bob"}, {"role", "editor"}}).status, 200);
  EXPECT_EQ(bob.put(path + "/document", {{"baseRevision", 1}, {"document", {{"v", 2}}}}).status, 201);
  EXPECT_EQ(bob.del(path).status, 403);
  const auto members = ada.get(path + "/members").json()["members"];
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0]["role"], "owner");
  EXPECT_EQ(members[1]["username"], "bob");

  // Revoked: back to not existing.
  const auto bobId = members[1]["accountId"].get<long>();
  EXPECT_EQ(ada.del(path + "/members/" + std::to_string(bobId)).status, 204);
  EXPECT_EQ(bob.get(path).status, 404);
  EXPECT_EQ(ada.del(path + "/members/" + std::to_string(bobId)).status, 404);
  EXPECT_EQ(ada.post(path + "/members", {{"user", "nobody"}, {"role", "viewer"}}).status, 404);
  EXPECT_EQ(ada.post(path + "/members", {{"user", "bob"}, {"role", "owner"}}).errorCode(), "invalid_role");
}

TEST_F(ProjectsApiTest, ConcurrentSavesFromOneBaseCommitExactlyOnce) {
  const auto path = createProject(ada, "Race");
  std::vector<std::jthread> writers;
  std::atomic<int> created{0}, conflicts{0};
  for (int i = 0; i < 8; ++i)
    writers.emplace_back([&, i] {
      const auto reply = ada.put(path + "/document", {{"baseRevision", 1}, {"document", {{"writer", i}}}});
      if (reply.status == 201) ++created;
      if (reply.status == 409) ++conflicts;
    });
  writers.clear();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_EQ(ada.get(path + "/revisions").json()["revisions"].size(), 2u);
}

}  // namespace
}  // namespace amplitude::server::testing
