// Real-time collaboration over the live channel (docs/collaboration.md), with real WebSocket
// clients against the whole server: ordering, convergence, rebase and reject rules, idempotent
// retries, resumption, REST saves, roles, origins, malformed input, slow clients, presence, and
// (on PostgreSQL) two server processes sharing one database.
#include "TestLiveClient.h"
#include "TestServer.h"
#include "amplitude/server/live/DocumentOps.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

namespace amplitude::server::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
constexpr auto kPassword = "correct horse battery staple";

json exampleDocument() {
  std::ifstream file{std::string{AMPLITUDE_PROJECT_EXAMPLES} + "/full.json"};
  return json::parse(file);
}

json setOp(const json& target, const std::vector<std::string>& path, const json& value) {
  return {{"op", "set"}, {"target", target}, {"path", path}, {"value", value}};
}

json editMessage(const std::string& clientId, std::int64_t seq, std::optional<std::int64_t> base, const json& ops) {
  return {{"type", "edit"}, {"clientId", clientId}, {"seq", seq},
          {"baseRevision", base ? json(*base) : json(nullptr)}, {"ops", ops}};
}

json hello(const std::string& clientId, std::optional<std::int64_t> resumeFrom = std::nullopt) {
  return {{"type", "hello"}, {"clientId", clientId}, {"resumeFrom", resumeFrom ? json(*resumeFrom) : json(nullptr)}};
}

/// A client's copy of the document, kept as a browser tab would keep it: the snapshot, then
/// every op (others') and ack (its own, applied then) strictly in revision order.
struct Replica {
  json document;
  std::int64_t revision = 0;
  std::map<std::int64_t, json> unacknowledged;  ///< seq -> ops
  std::map<std::int64_t, std::int64_t> acks;    ///< seq -> revision
  std::vector<json> rejects;
  std::vector<json> errors;
  std::vector<std::string> problems;

  void send(LiveClient& client, const std::string& clientId, std::int64_t seq, const json& ops,
            std::optional<std::int64_t> base = std::nullopt) {
    unacknowledged[seq] = ops;
    client.send(editMessage(clientId, seq, base ? base : std::optional<std::int64_t>{revision}, ops));
  }

  void apply(const json& message) {
    const auto type = message.value("type", "");
    if (type == "snapshot") {
      document = message["document"];
      revision = message["revision"];
    } else if (type == "op" || type == "ack") {
      const auto number = message["revision"].get<std::int64_t>();
      if (type == "ack" && message.value("duplicate", false)) {
        acks[message["seq"]] = number;
        unacknowledged.erase(message["seq"].get<std::int64_t>());
        return;
      }
      if (number != revision + 1) problems.push_back("revision " + std::to_string(number) + " after " + std::to_string(revision));
      const auto ops = type == "op" ? message["ops"] : unacknowledged[message["seq"]];
      if (type == "ack") {
        acks[message["seq"]] = number;
        unacknowledged.erase(message["seq"].get<std::int64_t>());
      }
      if (const auto failure = live::applyOps(document, ops)) problems.push_back("cannot apply: " + failure->detail);
      revision = number;
    } else if (type == "reject") {
      unacknowledged.erase(message["seq"].get<std::int64_t>());
      rejects.push_back(message);
    } else if (type == "error") {
      errors.push_back(message);
    }
  }
};

/// Reads and applies messages until `done` (a test failure if they stop coming first).
void pump(LiveClient& client, Replica& replica, const std::function<bool()>& done, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto message = left.count() > 0 ? client.next(left) : std::nullopt;
    if (!message) {
      ADD_FAILURE() << "messages stopped at revision " << replica.revision;
      return;
    }
    replica.apply(*message);
  }
}

class LiveFixture : public ::testing::Test {
protected:
  explicit LiveFixture(TestServerOptions options = {}) : server(options) {}

  TestClient signedUp(const std::string& name) {
    auto client = server.client();
    EXPECT_EQ(client.registerAccount(name, kPassword).status, 201);
    EXPECT_EQ(client.logIn(name, kPassword).status, 201);
    return client;
  }

  void SetUp() override {
    const auto created = ada.post("/api/projects", {{"name", "Live"}, {"document", exampleDocument()}});
    ASSERT_EQ(created.status, 201) << created.body;
    projectId = created.json()["project"]["id"].get<std::int64_t>();
    path = "/api/projects/" + std::to_string(projectId);
    ASSERT_EQ(ada.post(path + "/members", {{"user", "bob"}, {"role", "editor"}}).status, 201);
    ASSERT_EQ(ada.post(path + "/members", {{"user", "cara"}, {"role", "viewer"}}).status, 201);
  }

  std::unique_ptr<LiveClient> connect(const TestClient& who, LiveClientOptions options = {},
                                      const TestServer* on = nullptr) {
    const auto port = (on ? on : &server)->port();
    options.cookie = who.sessionCookie;
    if (options.origin.empty()) options.origin = "http://127.0.0.1:" + std::to_string(port);
    return std::make_unique<LiveClient>(port, path + "/live", options);
  }

  /// Connected, hello said, welcome and snapshot read (into `replica` if given).
  std::unique_ptr<LiveClient> join(const TestClient& who, const std::string& clientId, Replica* replica = nullptr,
                                   const TestServer* on = nullptr) {
    auto client = connect(who, {}, on);
    EXPECT_TRUE(client->upgraded()) << "refused with " << client->refusalStatus();
    client->send(hello(clientId));
    const auto welcome = client->expect("welcome");
    const auto snapshot = client->expect("snapshot");
    EXPECT_EQ(snapshot["revision"], welcome["revision"]);
    if (replica) replica->apply(snapshot);
    return client;
  }

  json head() { return ada.get(path + "/document").json(); }
  std::int64_t operationRows() {
    return std::stoll(server.queryScalar("SELECT COUNT(*) FROM project_operations WHERE project_id = " +
                                         std::to_string(projectId)));
  }

  TestServer server;
  TestClient ada = signedUp("ada");
  TestClient bob = signedUp("bob");
  TestClient cara = signedUp("cara");
  TestClient eve = signedUp("eve");
  std::int64_t projectId = 0;
  std::string path;
};

class CollaborationTest : public LiveFixture {};

TEST_F(CollaborationTest, TwoClientsSeeEachOthersEditsInOneOrderAndConverge) {
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b);
  for (int i = 0; i < 10; ++i) {  // sent without waiting: the server interleaves them
    a.send(*tabA, "tab-a", i, json::array({setOp("mk-intro", {"name"}, fmt::format("a{}", i))}));
    b.send(*tabB, "tab-b", i, json::array({setOp("trk-drums", {"strip", "volumeDb"}, -i),
                                           setOp("mk-intro", {"name"}, fmt::format("b{}", i))}));
  }
  pump(*tabA, a, [&] { return a.revision == 21 && a.unacknowledged.empty(); });
  pump(*tabB, b, [&] { return b.revision == 21 && b.unacknowledged.empty(); });
  EXPECT_TRUE(a.problems.empty()) << a.problems.front();
  EXPECT_TRUE(b.problems.empty()) << b.problems.front();
  EXPECT_EQ(a.document, b.document);
  const auto stored = head();
  EXPECT_EQ(stored["revision"]["number"], 21);
  EXPECT_EQ(stored["document"], a.document) << "both converge on what REST reports as the head";
  EXPECT_EQ(operationRows(), 20);
}

TEST_F(CollaborationTest, ConcurrentSetsOfOnePropertyLastInServerOrderWins) {
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b);
  a.send(*tabA, "tab-a", 1, json::array({setOp("trk-drums", {"strip", "volumeDb"}, -6)}));
  b.send(*tabB, "tab-b", 1, json::array({setOp("trk-drums", {"strip", "volumeDb"}, -12)}));
  pump(*tabA, a, [&] { return a.revision == 3 && a.unacknowledged.empty(); });
  pump(*tabB, b, [&] { return b.revision == 3 && b.unacknowledged.empty(); });
  const double last = a.acks.at(1) == 3 ? -6 : -12;
  EXPECT_EQ(a.document["tracks"][3]["strip"]["volumeDb"], last);
  EXPECT_EQ(b.document, a.document);
  EXPECT_EQ(head()["document"], a.document);
}

TEST_F(CollaborationTest, DeleteWinsOverAConcurrentEditWhichIsRejected) {
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b);
  a.send(*tabA, "tab-a", 1, json::array({{{"op", "delete"}, {"target", "clp-vox"}}}));
  pump(*tabA, a, [&] { return a.unacknowledged.empty(); });
  // Bob has not seen the delete yet: his edit is based on revision 1.
  b.send(*tabB, "tab-b", 1, json::array({setOp("clp-vox", {"gainDb"}, -3)}), 1);
  pump(*tabB, b, [&] { return !b.rejects.empty() && b.revision == 2; });
  ASSERT_EQ(b.rejects.size(), 1u);
  EXPECT_EQ(b.rejects[0]["reason"], "target_deleted");
  EXPECT_EQ(b.rejects[0]["detail"], "clip clp-vox was deleted in revision 2");
  EXPECT_EQ(b.rejects[0]["seq"], 1);
  EXPECT_EQ(a.document, b.document);
  const auto stored = head();
  EXPECT_EQ(stored["revision"]["number"], 2) << "the rejected edit stored nothing";
  EXPECT_EQ(stored["document"], a.document);
  EXPECT_FALSE(live::containsId(stored["document"], "clp-vox"));

  // The same for a sibling an insert was placed before.
  a.send(*tabA, "tab-a", 2, json::array({{{"op", "delete"}, {"target", "mk-chorus"}}}));
  pump(*tabA, a, [&] { return a.unacknowledged.empty(); });
  const json marker{{"id", "mk-bridge"}, {"beat", 24}, {"name", "Bridge"}, {"colour", "#00aa00"}};
  b.send(*tabB, "tab-b", 2,
         json::array({{{"op", "insert"}, {"parent", nullptr}, {"collection", "markers"}, {"value", marker},
                       {"before", "mk-chorus"}}}),
         2);
  pump(*tabB, b, [&] { return b.rejects.size() == 2 && b.revision == 3; });
  EXPECT_EQ(b.rejects[1]["detail"], "marker mk-chorus was deleted in revision 3");
  EXPECT_EQ(b.document, head()["document"]);
}

TEST_F(CollaborationTest, AStaleBaseOnAnotherObjectIsRebasedOntoTheHead) {
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b);
  a.send(*tabA, "tab-a", 1, json::array({setOp("mk-intro", {"name"}, "Opening")}));
  pump(*tabA, a, [&] { return a.unacknowledged.empty(); });
  b.send(*tabB, "tab-b", 1, json::array({setOp("trk-vox", {"strip", "pan"}, 0.25)}), 1);
  pump(*tabB, b, [&] { return b.unacknowledged.empty() && b.revision == 3; });
  EXPECT_TRUE(b.rejects.empty());
  EXPECT_EQ(b.acks.at(1), 3);
  pump(*tabA, a, [&] { return a.revision == 3; });
  const auto stored = head()["document"];
  EXPECT_EQ(stored["markers"][0]["name"], "Opening");
  EXPECT_EQ(stored["tracks"][4]["strip"]["pan"], 0.25);
  EXPECT_EQ(a.document, stored);
  EXPECT_EQ(b.document, stored);
}

TEST_F(CollaborationTest, ARetriedEditIsAppliedOnceAndAcknowledgedAgain) {
  auto tab = join(ada, "tab-a");
  const auto ops = json::array({setOp("mk-chorus", {"name"}, "Hook")});
  tab->send(editMessage("tab-a", 7, 1, ops));
  const auto first = tab->expect("ack");
  EXPECT_EQ(first["revision"], 2);
  tab->drop();

  auto again = connect(ada);
  again->send(hello("tab-a", 1));
  EXPECT_EQ(again->expect("welcome")["revision"], 2);
  const auto replayed = again->expect("op");
  EXPECT_EQ(replayed["clientId"], "tab-a") << "its own edit, replayed: the tab recognises clientId and seq";
  EXPECT_EQ(replayed["seq"], 7);
  again->send(editMessage("tab-a", 7, 1, ops));
  const auto second = again->expect("ack");
  EXPECT_EQ(second["revision"], 2);
  EXPECT_EQ(second["duplicate"], true);
  EXPECT_EQ(operationRows(), 1);

  // Dropped before the ack could be read: the retry gets the one revision either way.
  again->send(editMessage("tab-a", 8, 2, json::array({setOp("mk-chorus", {"name"}, "Hook 2")})));
  again->drop();
  auto third = connect(ada);
  third->send(hello("tab-a", 2));
  third->expect("welcome");
  third->send(editMessage("tab-a", 8, 2, json::array({setOp("mk-chorus", {"name"}, "Hook 2")})));
  EXPECT_EQ(third->expect("ack")["revision"], 3);
  EXPECT_EQ(operationRows(), 2);
  EXPECT_EQ(head()["revision"]["number"], 3);
  EXPECT_EQ(ada.get(path + "/revisions").json()["revisions"].size(), 3u);
}

TEST_F(CollaborationTest, ResumingGetsExactlyTheMissedOpsOrASnapshotAfterARestSave) {
  auto away = join(bob, "tab-b");
  away->drop();
  auto tab = join(ada, "tab-a");
  for (int i = 0; i < 3; ++i) {
    tab->send(editMessage("tab-a", i, std::nullopt, json::array({setOp("mk-intro", {"name"}, std::to_string(i))})));
    tab->expect("ack");
  }

  auto back = connect(bob);
  back->send(hello("tab-b", 1));
  EXPECT_EQ(back->expect("welcome")["revision"], 4);
  std::vector<std::int64_t> revisions;
  for (const auto& message : back->drain())
    if (message["type"] == "op" || message["type"] == "snapshot") {
      EXPECT_EQ(message["type"], "op");
      revisions.push_back(message["revision"]);
    }
  EXPECT_EQ(revisions, (std::vector<std::int64_t>{2, 3, 4})) << "exactly the missed ones, in order";

  auto current = connect(bob);
  current->send(hello("tab-c", 4));
  EXPECT_EQ(current->expect("welcome")["revision"], 4);
  for (const auto& message : current->drain()) EXPECT_EQ(message["type"], "presence") << message.dump();

  auto document = head()["document"];
  document["markers"][0]["name"] = "Saved over REST";
  ASSERT_EQ(ada.put(path + "/document", {{"baseRevision", 4}, {"document", document}}).status, 201);
  auto late = connect(bob);
  late->send(hello("tab-d", 4));
  EXPECT_EQ(late->expect("welcome")["revision"], 5);
  const auto snapshot = late->expect("snapshot");
  EXPECT_EQ(snapshot["revision"], 5) << "revision 5 has no operations to replay";
  EXPECT_EQ(snapshot["document"], document);
}

TEST_F(CollaborationTest, RestSavesReachLiveClientsAndLiveEditsMoveTheRestHead) {
  Replica b;
  auto tabA = join(ada, "tab-a");
  auto tabB = join(bob, "tab-b", &b);
  tabA->send(editMessage("tab-a", 1, 1, json::array({setOp("mk-intro", {"name"}, "Live")})));
  EXPECT_EQ(tabA->expect("ack")["revision"], 2);

  const auto stale = ada.put(path + "/document", {{"baseRevision", 1}, {"document", exampleDocument()}});
  EXPECT_EQ(stale.status, 409) << "the live edit moved the head";
  EXPECT_EQ(stale.json()["error"]["currentRevision"], 2);

  auto document = head()["document"];
  document["markers"][1]["name"] = "From REST";
  const auto saved = ada.put(path + "/document", {{"baseRevision", 2}, {"document", document}});
  ASSERT_EQ(saved.status, 201);
  pump(*tabB, b, [&] { return b.revision == 3; });
  EXPECT_TRUE(b.problems.empty());
  EXPECT_EQ(b.document, document);
  const auto snapshot = tabA->expect("snapshot");
  EXPECT_EQ(snapshot["revision"], 3);

  const auto history = ada.get(path + "/revisions").json()["revisions"];
  EXPECT_EQ(history[1]["message"], "live edit");
  EXPECT_TRUE(history[0]["message"].is_null());
}

TEST_F(CollaborationTest, ViewersWatchButTheirEditsAreRefused) {
  auto viewer = connect(cara);
  viewer->send(hello("tab-c"));
  EXPECT_EQ(viewer->expect("welcome")["you"]["role"], "viewer");
  viewer->expect("snapshot");
  viewer->send(editMessage("tab-c", 1, 1, json::array({setOp("mk-intro", {"name"}, "Mine")})));
  const auto refused = viewer->expect("reject");
  EXPECT_EQ(refused["reason"], "read_only");
  EXPECT_EQ(refused["seq"], 1);

  auto tab = join(ada, "tab-a");
  tab->send(editMessage("tab-a", 1, 1, json::array({setOp("mk-intro", {"name"}, "Owner's")})));
  EXPECT_EQ(viewer->expect("op")["revision"], 2);
  EXPECT_EQ(operationRows(), 1);
}

TEST_F(CollaborationTest, StrangersAndAnonymousCallersCannotUpgrade) {
  EXPECT_EQ(connect(eve)->refusalStatus(), 404) << "a stranger cannot tell the project exists";
  EXPECT_EQ(connect(server.client())->refusalStatus(), 401);
  auto elsewhere = std::make_unique<LiveClient>(server.port(), "/api/projects/987654/live",
                                                LiveClientOptions{ada.sessionCookie, "", 0, true});
  EXPECT_EQ(elsewhere->refusalStatus(), 404);
  const auto plain = ada.get(path + "/live");
  EXPECT_EQ(plain.status, 426);
  EXPECT_EQ(plain.errorCode(), "upgrade_required");
}

TEST_F(CollaborationTest, CrossOriginUpgradesAreRefused) {
  LiveClientOptions options;
  options.origin = "http://evil.example";
  const auto refused = connect(ada, options);
  EXPECT_FALSE(refused->upgraded());
  EXPECT_EQ(refused->refusalStatus(), 403);
}

TEST_F(CollaborationTest, EditsThatBreakTheDocumentAreRefusedAndNothingIsStored) {
  auto tab = join(ada, "tab-a");
  tab->send(editMessage("tab-a", 1, 1, json::array({setOp("trk-drums", {"strip", "volumeDb"}, "loud")})));
  const auto invalid = tab->expect("reject");
  EXPECT_EQ(invalid["reason"], "invalid_document");
  ASSERT_TRUE(invalid["messages"].is_array());
  ASSERT_FALSE(invalid["messages"].empty());
  EXPECT_NE(invalid["messages"][0].get<std::string>().find("volumeDb"), std::string::npos) << invalid.dump();

  const json marker{{"id", "mk-intro"}, {"beat", 4}, {"name", "Twin"}, {"colour", "#123456"}};
  tab->send(editMessage("tab-a", 2, 1,
                        json::array({{{"op", "insert"}, {"parent", nullptr}, {"collection", "markers"}, {"value", marker}}})));
  EXPECT_EQ(tab->expect("reject")["reason"], "duplicate_id");

  tab->send(editMessage("tab-a", 3, 1, json::array({setOp("nowhere", {"name"}, "x")})));
  EXPECT_EQ(tab->expect("reject")["reason"], "target_not_found");

  // Atomic: the first op is fine, the second is not, so neither is applied.
  tab->send(editMessage("tab-a", 4, 1, json::array({setOp("mk-intro", {"name"}, "ok"), setOp("mk-intro", {"beat"}, -1)})));
  EXPECT_EQ(tab->expect("reject")["reason"], "invalid_document");

  EXPECT_EQ(head()["revision"]["number"], 1);
  EXPECT_EQ(head()["document"], exampleDocument());
  EXPECT_EQ(operationRows(), 0);
}

TEST_F(CollaborationTest, MalformedMessagesGetAnErrorAndTheRoomKeepsWorking) {
  auto early = connect(ada);
  early->send(editMessage("x", 1, 1, json::array()));
  EXPECT_EQ(early->expect("error")["reason"], "hello_first");

  Replica b;
  auto tabA = join(ada, "tab-a");
  auto tabB = join(bob, "tab-b", &b);
  for (const std::string text : {"{not json", "[]", R"({"type":"edit"})", R"({"type":42})", R"({"type":"dance"})",
                                 R"({"type":"hello","clientId":"again"})", R"({"type":"presence","playheadBeat":-1})",
                                 R"({"type":"edit","seq":1,"ops":[{"op":"set","target":"mk-intro","path":["id"],"value":"x"}]})"}) {
    tabA->sendText(text);
    auto answer = tabA->next();
    while (answer && (*answer)["type"] == "presence") answer = tabA->next();  // joins
    ASSERT_TRUE(answer) << text;
    EXPECT_TRUE((*answer)["type"] == "error" || (*answer)["type"] == "reject") << text << " -> " << answer->dump();
  }
  tabA->sendBinary("\x01\x02");
  EXPECT_EQ(tabA->expect("error")["reason"], "bad_message");

  tabA->send(editMessage("tab-a", 2, 1, json::array({setOp("mk-intro", {"name"}, "Still here")})));
  EXPECT_EQ(tabA->expect("ack")["revision"], 2);
  pump(*tabB, b, [&] { return b.revision == 2; });
  EXPECT_EQ(b.document["markers"][0]["name"], "Still here");
}

TEST_F(CollaborationTest, AnEditorWhoLosesTheRoleMidSessionIsRefused) {
  auto tab = join(bob, "tab-b");
  ASSERT_EQ(ada.post(path + "/members", {{"user", "bob"}, {"role", "viewer"}}).status, 200);
  tab->send(editMessage("tab-b", 1, 1, json::array({setOp("mk-intro", {"name"}, "Too late")})));
  EXPECT_EQ(tab->expect("reject")["reason"], "forbidden") << "the role is checked at every commit";
  EXPECT_EQ(operationRows(), 0);
}

TEST_F(CollaborationTest, AnOversizedMessageClosesThatConnectionOnly) {
  auto tabA = join(ada, "tab-a");
  auto tabB = join(bob, "tab-b");
  tabA->sendText(R"({"type":"presence","selection":[")" + std::string(2 * 1024 * 1024, 'x') + R"("]})");
  ASSERT_TRUE(tabA->waitUntilClosed(5s));
  // Beast answers with close 1009 (too big) and drops the connection; the rest of our message is
  // still unread on its side, so the kernel may reset the connection before the frame is read.
  EXPECT_TRUE(tabA->closeCode() == 1009 || tabA->closeCode() == 0) << tabA->closeCode();
  tabB->send(editMessage("tab-b", 1, 1, json::array({setOp("mk-intro", {"name"}, "Fine")})));
  EXPECT_EQ(tabB->expect("ack")["revision"], 2);
}

TEST_F(CollaborationTest, PresenceIsThrottledAndTheLatestValueArrives) {
  auto tabA = join(ada, "tab-a");
  auto tabB = join(bob, "tab-b");
  tabB->drain(200ms);
  for (int i = 0; i < 100; ++i)
    tabA->send({{"type", "presence"}, {"selection", {"clp-vox"}}, {"playheadBeat", i}});
  std::vector<json> seen;
  for (const auto& message : tabB->drain(500ms))
    if (message["type"] == "presence") seen.push_back(message);
  ASSERT_FALSE(seen.empty());
  EXPECT_LE(seen.size(), 10u) << "at most about one per 100 ms, not 100";
  const auto& peers = seen.back()["peers"];
  const auto a = std::find_if(peers.begin(), peers.end(), [](const json& peer) { return peer["clientId"] == "tab-a"; });
  ASSERT_NE(a, peers.end());
  EXPECT_EQ((*a)["playheadBeat"], 99) << "the last update is never dropped";
  EXPECT_EQ((*a)["selection"], json::array({"clp-vox"}));
  EXPECT_EQ((*a)["username"], "ada");

  tabA->drop();
  const auto left = tabB->expect("presence");
  EXPECT_EQ(left["peers"].size(), 1u);
  EXPECT_EQ(left["peers"][0]["clientId"], "tab-b");
}

TEST_F(CollaborationTest, TwoServersOnOneDatabaseShareLiveEdits) {
  if (testBackend() != "postgresql")
    GTEST_SKIP() << "needs PostgreSQL: SQLite is one process (run server/tests/run-api-tests.sh)";
  TestServerOptions options;
  options.resetDatabase = false;
  TestServer second{options};
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b, &second);  // sessions live in the shared database
  a.send(*tabA, "tab-a", 1, json::array({setOp("mk-intro", {"name"}, "From server one")}));
  pump(*tabB, b, [&] { return b.revision == 2; });
  b.send(*tabB, "tab-b", 1, json::array({setOp("mk-chorus", {"name"}, "From server two")}));
  pump(*tabA, a, [&] { return a.revision == 3 && a.unacknowledged.empty(); });
  pump(*tabB, b, [&] { return b.unacknowledged.empty(); });

  TestClient adaOnSecond = second.client();
  adaOnSecond.sessionCookie = ada.sessionCookie;
  adaOnSecond.csrfToken = ada.csrfToken;
  auto document = head()["document"];
  document["markers"][0]["beat"] = 8;
  ASSERT_EQ(adaOnSecond.put(path + "/document", {{"baseRevision", 3}, {"document", document}}).status, 201);
  pump(*tabA, a, [&] { return a.revision == 4; });
  EXPECT_TRUE(a.problems.empty());
  EXPECT_TRUE(b.problems.empty());
  EXPECT_EQ(a.document, document);
  EXPECT_EQ(a.document["markers"][1]["name"], "From server two");

  // Both at once, through two processes: the database orders them, everyone converges.
  pump(*tabB, b, [&] { return b.revision == 4; });
  for (int i = 0; i < 8; ++i) {
    a.send(*tabA, "tab-a", 10 + i, json::array({setOp("trk-drums", {"strip", "pan"}, i / 10.0)}));
    b.send(*tabB, "tab-b", 10 + i, json::array({setOp("trk-drums", {"strip", "pan"}, -i / 10.0),
                                                setOp("mk-chorus", {"name"}, fmt::format("b{}", i))}));
  }
  pump(*tabA, a, [&] { return a.revision == 20 && a.unacknowledged.empty(); });
  pump(*tabB, b, [&] { return b.revision == 20 && b.unacknowledged.empty(); });
  EXPECT_TRUE(a.problems.empty()) << a.problems.front();
  EXPECT_TRUE(b.problems.empty()) << b.problems.front();
  EXPECT_EQ(a.document, b.document);
  EXPECT_EQ(head()["document"], a.document);
}

TEST_F(CollaborationTest, LiveEditsAcrossServersSurviveADatabaseRestart) {
  const char* stop = std::getenv("AMPLITUDE_TEST_PG_STOP");
  const char* start = std::getenv("AMPLITUDE_TEST_PG_START");
  if (testBackend() != "postgresql" || !stop || !start)
    GTEST_SKIP() << "needs PostgreSQL and the pg_ctl commands (run server/tests/run-api-tests.sh)";
  TestServerOptions options;
  options.resetDatabase = false;
  TestServer second{options};
  Replica a, b;
  auto tabA = join(ada, "tab-a", &a);
  auto tabB = join(bob, "tab-b", &b, &second);

  ASSERT_EQ(std::system(stop), 0);
  const auto ops = json::array({setOp("mk-intro", {"name"}, "After the restart")});
  tabA->send(editMessage("tab-a", 1, 1, ops));
  const auto failed = tabA->expect("error", 20s);
  EXPECT_EQ(failed["reason"], "database_unavailable");
  EXPECT_EQ(failed["seq"], 1);

  ASSERT_EQ(std::system(start), 0);
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = ada.get("/api/health").status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(status, 200);
  // The same edit again: applied once, and the other server's listener has reconnected.
  a.send(*tabA, "tab-a", 1, ops, 1);
  pump(*tabA, a, [&] { return a.unacknowledged.empty(); }, 20s);
  pump(*tabB, b, [&] { return b.revision == 2; }, 20s);
  EXPECT_EQ(b.document["markers"][0]["name"], "After the restart");
  EXPECT_EQ(operationRows(), 1);
}

// A client that stops reading: its queue fills and it is disconnected; the others go on.
class CollaborationSlowClientTest : public LiveFixture {
protected:
  static TestServerOptions tight() {
    TestServerOptions options;
    options.liveMaxQueuedMessages = 8;
    options.liveSocketSendBufferBytes = 4096;
    options.liveCloseGrace = 20s;
    return options;
  }
  CollaborationSlowClientTest() : LiveFixture(tight()) {}
};

TEST_F(CollaborationSlowClientTest, AClientThatNeverReadsIsDisconnectedAndOthersKeepReceiving) {
  Replica a, c;
  auto tabA = join(ada, "tab-a", &a);
  auto watcher = join(cara, "tab-c", &c);
  LiveClientOptions stalled;
  stalled.receiveBufferBytes = 4096;
  stalled.reading = false;
  auto slow = connect(bob, stalled);
  slow->send(hello("tab-slow"));
  // Wait until the room has it.
  for (bool joined = false; !joined;) {
    const auto message = watcher->next();
    ASSERT_TRUE(message) << "the stalled client never joined";
    c.apply(*message);
    if ((*message)["type"] == "presence")
      for (const auto& peer : (*message)["peers"]) joined = joined || peer["clientId"] == "tab-slow";
  }

  constexpr int kEdits = 40;
  const std::string longName(250, 'x');
  for (int i = 0; i < kEdits; ++i) {
    json ops = json::array();
    for (int k = 0; k < 10; ++k) ops.push_back(setOp("mk-intro", {"name"}, fmt::format("{}{}", longName.substr(0, 240 + k), i)));
    a.send(*tabA, "tab-a", i, ops);
  }
  pump(*tabA, a, [&] { return a.revision == kEdits + 1 && a.unacknowledged.empty(); }, 60s);
  pump(*watcher, c, [&] { return c.revision == kEdits + 1; }, 60s);
  EXPECT_EQ(c.document, a.document) << "the others got everything";

  slow->startReading();
  ASSERT_TRUE(slow->waitUntilClosed(30s));
  EXPECT_EQ(slow->closeCode(), 1008) << "policy: the send queue was full";
  int ops = 0;
  for (const auto& message : slow->drain(100ms)) ops += message["type"] == "op";
  EXPECT_LT(ops, kEdits);
}

}  // namespace
}  // namespace amplitude::server::testing
