// Accounts and sessions over real HTTP: what a browser tab and an attacker each get.
#include "TestServer.h"

#include "amplitude/server/api/Credentials.h"

#include <gtest/gtest.h>

namespace amplitude::server::testing {
namespace {

constexpr auto kPassword = "correct horse battery staple";

class AccountsApiTest : public ::testing::Test {
protected:
  void SetUp() override { RecordProperty("backend", testBackend()); }
  TestClient signedUp(const std::string& name) {
    auto client = server.client();
    EXPECT_EQ(client.registerAccount(name, kPassword).status, 201);
    EXPECT_EQ(client.logIn(name, kPassword).status, 201);
    return client;
  }
  TestServer server;
};

TEST_F(AccountsApiTest, RegisterLogInWhoAmILogOut) {
  auto client = server.client();
  const auto registered = client.registerAccount("Ada", kPassword, "ada@example.com");
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_EQ(registered.json()["account"]["username"], "Ada");
  EXPECT_FALSE(registered.json()["account"].contains("passwordHash"));

  // Log-in is by username or email, case-insensitively.
  ASSERT_EQ(client.logIn("ADA@EXAMPLE.COM", kPassword).status, 201);
  const auto me = client.get("/api/accounts/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["account"]["email"], "ada@example.com");
  const auto current = client.get("/api/sessions/current");
  EXPECT_EQ(current.json()["csrfToken"], client.csrfToken);

  const auto out = client.del("/api/sessions/current");
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(client.get("/api/accounts/me").status, 401) << "log-out revokes the session server-side";
}

TEST_F(AccountsApiTest, SessionCookieIsHttpOnlyStrictAndOnlyItsHashIsStored) {
  auto client = server.client();
  client.registerAccount("ada", kPassword);
  const auto reply = client.logIn("ada", kPassword);
  const auto cookie = reply.header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Max-Age=3600"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "Secure only behind TLS (a flag)";
  const auto token = client.sessionCookie.substr(client.sessionCookie.find('=') + 1);
  EXPECT_EQ(server.queryScalar("SELECT COUNT(*) FROM sessions WHERE token_hash = '" + token + "'"), "0");
  EXPECT_EQ(server.queryScalar("SELECT COUNT(*) FROM sessions WHERE token_hash = '" + api::sha256Hex(token) + "'"),
            "1");
  EXPECT_TRUE(server.queryScalar("SELECT password_hash FROM accounts").starts_with("$argon2id$"));
}

TEST_F(AccountsApiTest, RegistrationValidatesAndRefusesDuplicates) {
  auto client = server.client();
  EXPECT_EQ(client.registerAccount("ada", "short").errorCode(), "weak_password");
  EXPECT_EQ(client.registerAccount("ada", "elevenchars").status, 400);
  EXPECT_EQ(client.registerAccount("ada", "twelve chars").status, 201);
  EXPECT_EQ(client.registerAccount("ADA", kPassword, "other@example.com").status, 409);
  EXPECT_EQ(client.registerAccount("bob", kPassword, "ADA@example.com").status, 409);
  EXPECT_EQ(client.registerAccount("a/b", kPassword).errorCode(), "invalid_username");
  EXPECT_EQ(client.registerAccount("carol", kPassword, "not-an-email").errorCode(), "invalid_email");
  EXPECT_EQ(server.queryScalar("SELECT COUNT(*) FROM accounts"), "1");
}

TEST_F(AccountsApiTest, UnknownUserAndWrongPasswordLookTheSame) {
  auto client = server.client();
  client.registerAccount("ada", kPassword);
  const auto before = server.passwordVerifications();
  const auto unknown = client.logIn("nobody", kPassword);
  const auto afterUnknown = server.passwordVerifications();
  const auto wrong = client.logIn("ada", "wrong password here");
  const auto afterWrong = server.passwordVerifications();
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.body, wrong.body);
  // The same work either way (a dummy hash for unknown users): one argon2id verification each,
  // so timing cannot tell the two apart. Counted rather than timed: tests never assert clocks.
  EXPECT_EQ(afterUnknown - before, 1u);
  EXPECT_EQ(afterWrong - afterUnknown, 1u);
}

TEST_F(AccountsApiTest, RepeatedFailuresAre429WithRetryAfterEvenForTheRightPassword) {
  auto client = server.client();
  client.registerAccount("ada", kPassword);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.logIn("ada", "wrong password " + std::to_string(i)).status, 401);
  const auto limited = client.logIn("ada@example.com", kPassword);  // same account by email
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.errorCode(), "too_many_attempts");
  EXPECT_GT(std::stoi(limited.header("Retry-After")), 0);
  server.advanceClock(std::chrono::minutes{2});
  EXPECT_EQ(client.logIn("ada", kPassword).status, 201) << "the window ends";
}

TEST_F(AccountsApiTest, ManyAccountsFromOneAddressAreLimitedToo) {
  auto client = server.client();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(client.logIn("user" + std::to_string(i), "some password!").status, 401);
  EXPECT_EQ(client.logIn("user99", "some password!").status, 429);
}

TEST_F(AccountsApiTest, CsrfTokenIsRequiredForEveryWrite) {
  auto client = signedUp("ada");
  const auto cookie = Headers{{"Cookie", client.sessionCookie}, {"Content-Type", "application/json"}};
  const auto missing = client.send("POST", "/api/projects", R"({"name":"x"})", cookie);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.errorCode(), "csrf_token_missing");
  auto wrong = cookie;
  wrong.emplace_back("X-CSRF-Token", api::randomToken());
  EXPECT_EQ(client.send("POST", "/api/projects", R"({"name":"x"})", wrong).errorCode(), "csrf_token_invalid");
  EXPECT_EQ(client.send("DELETE", "/api/sessions/current", {}, wrong).status, 403);
  EXPECT_EQ(server.queryScalar("SELECT COUNT(*) FROM projects"), "0");
  EXPECT_EQ(client.get("/api/accounts/me").status, 200) << "the session was not logged out";
}

TEST_F(AccountsApiTest, CrossOriginWritesAreRefused) {
  auto client = signedUp("ada");
  Headers headers{{"Cookie", client.sessionCookie}, {"X-CSRF-Token", client.csrfToken},
                  {"Content-Type", "application/json"}, {"Origin", "https://evil.example"}};
  EXPECT_EQ(client.send("POST", "/api/projects", R"({"name":"x"})", headers).errorCode(), "origin_not_allowed");
  headers.back() = {"Origin", "http://127.0.0.1:" + std::to_string(server.port())};
  EXPECT_EQ(client.send("POST", "/api/projects", R"({"name":"x"})", headers).status, 201);
  // Log-in from a form on another site: no JSON type, or a foreign origin.
  EXPECT_EQ(client.send("POST", "/api/sessions", "login=ada&password=x",
                        {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            415);
  EXPECT_EQ(client.send("POST", "/api/sessions", R"({"login":"ada","password":"x"})",
                        {{"Content-Type", "application/json"}, {"Sec-Fetch-Site", "cross-site"}})
                .status,
            403);
}

TEST_F(AccountsApiTest, ForgedExpiredAndMissingSessionsAre401) {
  auto client = signedUp("ada");
  EXPECT_EQ(client.send("GET", "/api/accounts/me").status, 401);
  EXPECT_EQ(client.send("GET", "/api/accounts/me", {}, {{"Cookie", "amp_session=" + api::randomToken()}}).status, 401);
  EXPECT_EQ(client.send("GET", "/api/accounts/me", {}, {{"Cookie", "amp_session=' OR 1=1 --"}}).status, 401);
  EXPECT_EQ(client.get("/api/accounts/me").status, 200);
  server.advanceClock(std::chrono::minutes{61});
  const auto expired = client.get("/api/accounts/me");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.errorCode(), "unauthenticated");
}

TEST_F(AccountsApiTest, ChangingThePasswordRevokesTheOtherSessions) {
  auto laptop = signedUp("ada");
  auto phone = server.client();
  ASSERT_EQ(phone.logIn("ada", kPassword).status, 201);

  EXPECT_EQ(laptop.post("/api/accounts/me/password", {{"currentPassword", "wrong wrong wrong"}, {"newPassword", "another long password"}})
                .status,
            403);
  EXPECT_EQ(laptop.post("/api/accounts/me/password", {{"currentPassword", kPassword}, {"newPassword", "short"}}).status,
            400);
  EXPECT_EQ(phone.get("/api/accounts/me").status, 200);
  const auto changed =
      laptop.post("/api/accounts/me/password", {{"currentPassword", kPassword}, {"newPassword", "another long password"}});
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(laptop.get("/api/accounts/me").status, 200) << "the session that changed it stays";
  EXPECT_EQ(phone.get("/api/accounts/me").status, 401) << "every other session ends";
  EXPECT_EQ(server.client().logIn("ada", kPassword).status, 401);
  EXPECT_EQ(server.client().logIn("ada", "another long password").status, 201);
}

TEST_F(AccountsApiTest, EndpointsAnswerOnlyTheirMethods) {
  auto client = signedUp("ada");
  const auto wrong = client.send("PUT", "/api/sessions", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "POST, OPTIONS");
  EXPECT_EQ(client.send("GET", "/api/accounts").status, 405);
  const auto options = client.send("OPTIONS", "/api/sessions/current");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("Allow"), "GET, HEAD, DELETE, OPTIONS");
}

TEST(PasswordHasher, StrongerParametersMakeOldHashesNeedARehash) {
  api::PasswordHasher baseline;
  const auto hash = baseline.hash("correct horse battery staple");
  EXPECT_FALSE(baseline.needsRehash(hash));
  EXPECT_TRUE(baseline.verify(&hash, "correct horse battery staple"));
  EXPECT_FALSE(baseline.verify(nullptr, "correct horse battery staple")) << "the dummy never matches";
  api::PasswordHasher stronger{{3, 32u * 1024 * 1024}, 1};
  EXPECT_TRUE(stronger.needsRehash(hash));
  EXPECT_TRUE(stronger.verify(&hash, "correct horse battery staple")) << "old hashes still verify";
}

}  // namespace
}  // namespace amplitude::server::testing
