// A table of hostile requests: each gets the right 4xx with a JSON error and changes nothing.
#include "TestServer.h"

#include <gtest/gtest.h>

namespace amplitude::server::testing {
namespace {

using nlohmann::json;
constexpr auto kPassword = "correct horse battery staple";

struct Hostile {
  std::string what;
  std::string method;
  std::string target;  ///< "{p}" is the project's path
  std::string body;
  int status;
  std::string contentType = "application/json";
};

class HostileRequestsTest : public ::testing::Test {
protected:
  HostileRequestsTest() {
    ada.registerAccount("ada", kPassword);
    ada.logIn("ada", kPassword);
    project = "/api/projects/" + std::to_string(ada.post("/api/projects", {{"name", "Song"}, {"document", {{"v", 1}}}})
                                                    .json()["project"]["id"]
                                                    .get<long>());
    EXPECT_EQ(ada.upload(project + "/assets?name=a.wav", makeWav(100)).status, 201);
  }
  /// Everything a request could have changed, in one string.
  std::string fingerprint() {
    return server.queryScalar(
        "SELECT (SELECT COUNT(*) FROM accounts) || ',' || (SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL) || ',' ||"
        " (SELECT COUNT(*) FROM projects WHERE deleted_at IS NULL) || ',' || (SELECT COUNT(*) FROM project_revisions) || ',' ||"
        " (SELECT COUNT(*) FROM project_members) || ',' || (SELECT COUNT(*) FROM project_assets) || ',' ||"
        " (SELECT MAX(name) FROM projects) || ',' || (SELECT MAX(password_hash) FROM accounts)") +
           std::to_string(server.blobFileCount());
  }
  TestServer server;
  TestClient ada = server.client();
  std::string project;
};

TEST_F(HostileRequestsTest, EachGetsTheRight4xxAndChangesNothing) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string bigDocument = R"({"baseRevision":1,"document":{"x":")" + std::string(100'000, 'a') + "\"}}";
  const std::vector<Hostile> table = {
      {"malformed JSON", "POST", "/api/projects", R"({"name": )", 400},
      {"JSON with trailing garbage", "POST", "/api/projects", R"({"name":"x"} x)", 400},
      {"not an object", "POST", "/api/projects", R"(["name"])", 400},
      {"wrong type for name", "POST", "/api/projects", R"({"name": 5})", 400},
      {"missing name", "POST", "/api/projects", R"({})", 400},
      {"empty name", "POST", "/api/projects", R"({"name": ""})", 400},
      {"control characters in name", "PATCH", "{p}", R"({"name": "a\u0000b"})", 400},
      {"invalid UTF-8", "PATCH", "{p}", "{\"name\": \"\xff\xfe\"}", 400},
      {"document not an object", "PUT", "{p}/document", R"({"baseRevision":1,"document":[1,2]})", 400},
      {"missing document", "PUT", "{p}/document", R"({"baseRevision":1})", 400},
      {"missing base revision", "PUT", "{p}/document", R"({"document":{}})", 400},
      {"base revision as a string", "PUT", "{p}/document", R"({"baseRevision":"1","document":{}})", 400},
      {"fractional base revision", "PUT", "{p}/document", R"({"baseRevision":1.5,"document":{}})", 400},
      {"base revision beyond 64 bits", "PUT", "{p}/document", R"({"baseRevision":123456789012345678901234,"document":{}})", 400},
      {"non-finite number 1e999", "PUT", "{p}/document", R"({"baseRevision":1,"document":{"gain":1e999}})", 400},
      {"non-finite number -1e999", "PUT", "{p}/document", R"({"baseRevision":1,"document":{"gain":[-1e999]}})", 400},
      {"NaN literal", "PUT", "{p}/document", R"({"baseRevision":1,"document":{"gain":NaN}})", 400},
      {"nesting 5000 deep", "PUT", "{p}/document", R"({"baseRevision":1,"document":{"x":)" + deep + "}}", 400},
      {"document over the size limit", "PUT", "{p}/document", bigDocument, 413},
      {"JSON body over the limit", "POST", "/api/projects", R"({"name":")" + std::string(200'000, 'x') + "\"}", 413},
      {"form instead of JSON", "POST", "/api/projects", "name=x", 415, "application/x-www-form-urlencoded"},
      {"no content type", "POST", "/api/projects", R"({"name":"x"})", 415, ""},
      {"path traversal in an asset name", "POST", "{p}/assets?name=..%2F..%2Fetc%2Fpasswd", "", 400},
      {"backslash in an asset name", "POST", "{p}/assets?name=..%5Cboot.ini", "", 400},
      {"path traversal in an asset id", "GET", "{p}/assets/..%2F..%2Fsecret.txt", "", 404},
      {"asset id with SQL", "GET", "{p}/assets/x'%20OR%20'1'='1", "", 404},
      {"malformed escape", "GET", "{p}/assets/%zz", "", 400},
      {"SQL in a project id", "GET", "/api/projects/1%20OR%201=1", "", 404},
      {"negative project id", "GET", "/api/projects/-1", "", 404},
      {"huge project id", "GET", "/api/projects/99999999999999999999999", "", 404},
      {"another user's project id", "GET", "/api/projects/424242", "", 404},
      {"SQL in an invitee", "POST", "{p}/members", R"({"user":"' OR 1=1 --","role":"editor"})", 404},
      {"SQL in a role", "POST", "{p}/members", R"({"user":"ada","role":"editor' OR '1'='1"})", 400},
      {"unknown method", "BREW", "{p}", "", 405},
      {"write to a revision", "PUT", "{p}/revisions/1", "{}", 405},
      {"unknown endpoint", "GET", "/api/projects/1/nothing", "", 404},
      {"SQL in a log-in", "POST", "/api/sessions", R"({"login":"' OR '1'='1","password":"' OR '1'='1"})", 401},
  };
  const auto before = fingerprint();
  for (const auto& hostile : table) {
    auto target = hostile.target;
    if (const auto at = target.find("{p}"); at != std::string::npos) target.replace(at, 3, project);
    Headers headers{{"Cookie", ada.sessionCookie}, {"X-CSRF-Token", ada.csrfToken}};
    if (!hostile.contentType.empty()) headers.emplace_back("Content-Type", hostile.contentType);
    const auto reply = ada.send(hostile.method, target, hostile.body, headers);
    EXPECT_EQ(reply.status, hostile.status) << hostile.what << ": " << reply.body.substr(0, 200);
    EXPECT_FALSE(reply.errorCode().empty()) << hostile.what << " must explain itself in JSON";
    EXPECT_EQ(fingerprint(), before) << hostile.what << " changed something";
  }
  EXPECT_EQ(ada.get(project).json()["document"]["v"], 1);
  EXPECT_EQ(ada.get("/api/health").status, 200) << "and the server is still fine";
}

TEST_F(HostileRequestsTest, SqlMetacharactersInNamesAreStoredVerbatim) {
  const std::string name = "Robert'); DROP TABLE projects; -- \"quoted\" %_ \\";
  const auto renamed = ada.patch(project, {{"name", name}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(ada.get(project).json()["project"]["name"], name);
  EXPECT_EQ(ada.get("/api/projects").json()["projects"].size(), 1u);
}

TEST_F(HostileRequestsTest, MalformedHttpIsRefusedAtTheDoor) {
  const auto smuggled = ada.sendRaw(
      "POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd");
  EXPECT_EQ(smuggled.status, 400);
  const auto headers = ada.sendRaw("GET /api/health HTTP/1.1\r\nHost: x\r\nX: " + std::string(20'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(headers.status, 431);
  EXPECT_EQ(ada.get("/api/health").status, 200);
}

}  // namespace
}  // namespace amplitude::server::testing
