// Audio assets over real HTTP: only real audio gets in, the same bytes are stored once, and
// downloads honour Range, ETag and the project's roles.
#include "TestServer.h"

#include "amplitude/server/api/Credentials.h"

#include <gtest/gtest.h>

namespace amplitude::server::testing {
namespace {

constexpr auto kPassword = "correct horse battery staple";

/// An entity tag (built with append: g++ 12 warns falsely on "\"" + string).
std::string quoted(const std::string& text) {
  std::string tag(1, '"');
  tag.append(text).push_back('"');
  return tag;
}

class AssetsApiTest : public ::testing::Test {
protected:
  AssetsApiTest() {
    EXPECT_EQ(ada.registerAccount("ada", kPassword).status, 201);
    EXPECT_EQ(ada.logIn("ada", kPassword).status, 201);
    project = "/api/projects/" + std::to_string(ada.post("/api/projects", {{"name", "Song"}}).json()["project"]["id"].get<long>());
  }
  TestServer server;
  TestClient ada = server.client();
  std::string project;
  const std::string wav = makeWav(4000);
};

TEST_F(AssetsApiTest, AWavIsStoredByItsHashAndDownloadable) {
  const auto uploaded = ada.upload(project + "/assets?name=kick%20drum.wav", wav);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const auto asset = uploaded.json()["asset"];
  EXPECT_EQ(asset["sha256"], api::sha256Hex(wav));
  EXPECT_EQ(asset["size"], wav.size());
  EXPECT_EQ(asset["format"], "wav");
  EXPECT_EQ(asset["name"], "kick drum.wav");
  EXPECT_EQ(ada.get(project + "/assets").json()["assets"].size(), 1u);

  const auto download = ada.get(project + "/assets/" + api::sha256Hex(wav));
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.body, wav);
  EXPECT_EQ(download.header("Content-Type"), "audio/wav");
  EXPECT_EQ(download.header("ETag"), quoted(api::sha256Hex(wav)));
  EXPECT_EQ(download.header("Cache-Control"), "private, max-age=31536000, immutable");
  EXPECT_EQ(download.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(server.stagingFileCount(), 0u);
}

TEST_F(AssetsApiTest, TheSameBytesAreStoredOnce) {
  ASSERT_EQ(ada.upload(project + "/assets?name=a.wav", wav).status, 201);
  const auto again = ada.upload(project + "/assets?name=b.wav", wav);
  EXPECT_EQ(again.status, 200) << "already attached";
  EXPECT_TRUE(again.json()["alreadyStored"].get<bool>());
  const auto other = "/api/projects/" + std::to_string(ada.post("/api/projects", {{"name", "Other"}}).json()["project"]["id"].get<long>());
  EXPECT_EQ(ada.upload(other + "/assets", wav).status, 201);
  EXPECT_EQ(server.blobFileCount(), 1u);
  EXPECT_EQ(ada.upload(other + "/assets", makeWav(10)).status, 201);
  EXPECT_EQ(server.blobFileCount(), 2u);
}

TEST_F(AssetsApiTest, OnlyRealAudioIsAcceptedWhateverTheNameSays) {
  const auto text = ada.upload(project + "/assets?name=song.wav", "This is not audio, just text in a .wav name\n");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(text.errorCode(), "unsupported_audio");
  auto truncated = wav.substr(0, 12);  // RIFF....WAVE with no fmt chunk
  EXPECT_EQ(ada.upload(project + "/assets", truncated).status, 415);
  EXPECT_EQ(ada.upload(project + "/assets", "").status, 415);
  EXPECT_EQ(server.blobFileCount(), 0u);
  EXPECT_EQ(server.stagingFileCount(), 0u);
  EXPECT_TRUE(ada.get(project + "/assets").json()["assets"].empty());
}

TEST_F(AssetsApiTest, AnOversizedUploadIs413BeforeItsBodyIsRead) {
  // Only the head is sent: the answer comes from the declared length alone.
  const auto reply = ada.sendHeadOnly("POST " + project + "/assets HTTP/1.1\r\nHost: x\r\nCookie: " + ada.sessionCookie +
                                      "\r\nX-CSRF-Token: " + ada.csrfToken + "\r\nContent-Length: 50000000\r\n\r\n");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.errorCode(), "upload_too_large");
  // A chunked body with no declared length is cut off at the limit while streaming to disk.
  std::string chunked = "POST " + project + "/assets HTTP/1.1\r\nHost: x\r\nCookie: " + ada.sessionCookie +
                        "\r\nX-CSRF-Token: " + ada.csrfToken + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(256 * 1024, 'a');
  for (int i = 0; i < 6; ++i) chunked += "40000\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(ada.sendRaw(chunked).status, 413);
  EXPECT_EQ(server.stagingFileCount(), 0u);
  EXPECT_EQ(server.blobFileCount(), 0u);
}

TEST_F(AssetsApiTest, UploadsNeedASessionTheTokenAndEditRights) {
  EXPECT_EQ(server.client().upload(project + "/assets", wav).status, 401);
  auto noToken = ada;
  noToken.csrfToken.clear();
  EXPECT_EQ(noToken.upload(project + "/assets", wav).status, 403);
  TestClient bob = server.client();
  bob.registerAccount("bob", kPassword);
  bob.logIn("bob", kPassword);
  EXPECT_EQ(bob.upload(project + "/assets", wav).status, 404);
  ada.post(project + "/members", {{"user", "bob"}, {"role", "viewer"}});
  EXPECT_EQ(bob.upload(project + "/assets", wav).status, 403);
  EXPECT_EQ(server.blobFileCount(), 0u);
}

TEST_F(AssetsApiTest, RangesConditionalRequestsAndAccessControl) {
  const auto sha = api::sha256Hex(wav);
  ASSERT_EQ(ada.upload(project + "/assets", wav).status, 201);
  const auto url = project + "/assets/" + sha;

  const auto part = ada.get(url, {{"Range", "bytes=4-11"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, wav.substr(4, 8));
  EXPECT_EQ(part.header("Content-Range"), "bytes 4-11/" + std::to_string(wav.size()));
  const auto tail = ada.get(url, {{"Range", "bytes=-10"}});
  EXPECT_EQ(tail.body, wav.substr(wav.size() - 10));
  const auto open = ada.get(url, {{"Range", "bytes=8000-"}});
  EXPECT_EQ(open.body, wav.substr(8000));
  const auto beyond = ada.get(url, {{"Range", "bytes=999999-"}});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.header("Content-Range"), "bytes */" + std::to_string(wav.size()));
  EXPECT_EQ(ada.get(url, {{"Range", "bytes=0-1,5-6"}}).status, 200) << "multipart is not offered: whole file";
  EXPECT_EQ(ada.get(url, {{"Range", "lines=1-2"}}).status, 200);

  const auto cached = ada.get(url, {{"If-None-Match", quoted(sha)}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  const auto head = ada.send("HEAD", url, {}, {{"Cookie", ada.sessionCookie}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(wav.size()));

  TestClient eve = server.client();
  eve.registerAccount("eve", kPassword);
  eve.logIn("eve", kPassword);
  EXPECT_EQ(eve.get(url).status, 404);
  EXPECT_EQ(server.client().get(url).status, 401);
  EXPECT_EQ(ada.get(project + "/assets/" + std::string(64, '0')).status, 404);
  EXPECT_EQ(ada.del(url).status, 204);
  EXPECT_EQ(ada.get(url).status, 404);
}

}  // namespace
}  // namespace amplitude::server::testing
