// The render service over real HTTP: a stored revision renders in the background with the native
// engine, its clip lands on the frame of its beat with the uploaded asset's samples, the result is
// served as WAV and cached; roles and bad requests get their answers.
#include "TestServer.h"
#include "amplitude/server/api/Credentials.h"

#include <amplitude/io/WavFile.h>

#include <gtest/gtest.h>

#include <chrono>
#include <span>
#include <thread>

namespace amplitude::server::testing {
namespace {

using nlohmann::json;
constexpr auto kPassword = "correct horse battery staple";

json strip() { return {{"volumeDb", 0}, {"pan", 0}, {"mute", false}, {"solo", false}, {"soloSafe", false}, {"invert", false}}; }

json track(const std::string& id, const std::string& kind, double order, json clips = json::array()) {
  json t{{"id", id}, {"kind", kind}, {"name", id}, {"colour", "#808080"}, {"order", order}, {"strip", strip()},
         {"sends", json::array()}, {"inserts", json::array()}, {"clips", clips}, {"automation", json::array()}};
  if (kind != "master") t["output"] = "master";
  return t;
}

/// 120 BPM: beat 2 is frame 48000; the clip lasts one beat (24000 frames) from the asset's start.
json song(const std::string& sha256) {
  const json noFade{{"lengthBeats", 0}, {"curve", "linear"}};
  const json clip{{"kind", "audio"}, {"id", "clip-1"}, {"name", "Kick"}, {"assetId", "asset-1"}, {"startBeat", 2},
                  {"lengthBeats", 1}, {"sourceOffsetSeconds", 0}, {"gainDb", 0}, {"fadeIn", noFade}, {"fadeOut", noFade},
                  {"loop", {{"enabled", false}, {"lengthBeats", 1}}}, {"muted", false}};
  return {{"format", "amplitude-project"},
          {"schemaVersion", 1},
          {"project", {{"id", "song-1"}, {"name", "Song"}, {"created", "2026-01-01T00:00:00.000Z"},
                       {"modified", "2026-01-01T00:00:00.000Z"}, {"sampleRate", 48000}}},
          {"transport", {{"tempoChanges", {{{"id", "t0"}, {"beat", 0}, {"beatsPerMinute", 120}}}},
                         {"timeSignatureChanges", {{{"id", "m0"}, {"bar", 0}, {"numerator", 4}, {"denominator", 4}}}},
                         {"loop", {{"enabled", false}, {"startBeat", 0}, {"endBeat", 4}}},
                         {"metronome", {{"enabled", false}, {"countInBars", 0}, {"levelDb", -6}}}}},
          {"markers", json::array()},
          {"assets", {{{"id", "asset-1"}, {"name", "kick.wav"}, {"sha256", sha256}, {"sampleRate", 48000}, {"channels", 1},
                       {"frames", 30000}, {"mime", "audio/wav"}}}},
          {"tracks", {track("master", "master", 0), track("audio-1", "audio", 1, {clip})}}};
}

class RenderApiTest : public ::testing::Test {
 protected:
  RenderApiTest() {
    EXPECT_EQ(ada.registerAccount("ada", kPassword).status, 201);
    EXPECT_EQ(ada.logIn("ada", kPassword).status, 201);
    projectPath = "/api/projects/" + std::to_string(ada.post("/api/projects", {{"name", "Song"}}).json()["project"]["id"].get<long>());
    EXPECT_EQ(ada.upload(projectPath + "/assets?name=kick.wav", wav).status, 201);
    const auto saved = ada.put(projectPath + "/document", {{"baseRevision", 1}, {"document", song(api::sha256Hex(wav))}});
    EXPECT_EQ(saved.status, 201) << saved.body;
    revisionPath = projectPath + "/revisions/" + std::to_string(saved.json()["revision"].get<long>());
  }

  json waitUntilFinished(const TestClient& client) {
    for (int attempt = 0; attempt < 600; ++attempt) {
      const auto reply = client.get(revisionPath + "/render");
      EXPECT_EQ(reply.status, 200) << reply.body;
      const auto render = reply.json()["render"];
      if (render["state"] == "done" || render["state"] == "failed") return render;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    ADD_FAILURE() << "the render did not finish in 30 s";
    return {};
  }

  TestServer server;
  TestClient ada = server.client();
  std::string projectPath;
  std::string revisionPath;
  const std::string wav = makeWav(30000);
};

TEST_F(RenderApiTest, ARevisionRendersItsClipOnTheFrameOfItsBeatWithTheAssetsSamples) {
  const auto started = ada.post(revisionPath + "/render", json::object());
  ASSERT_TRUE(started.status == 202 || started.status == 200) << started.body;
  const auto render = waitUntilFinished(ada);
  ASSERT_EQ(render["state"], "done") << render.dump();
  const auto audio = ada.get(render["audio"].get<std::string>());
  ASSERT_EQ(audio.status, 200);
  EXPECT_EQ(audio.header("Content-Type"), "audio/wav");

  const auto mix = std::get<io::AudioData>(io::readWav(std::as_bytes(std::span(audio.body.data(), audio.body.size()))));
  const auto source = std::get<io::AudioData>(io::readWav(std::as_bytes(std::span(wav.data(), wav.size()))));
  ASSERT_EQ(mix.channels, 2u);
  ASSERT_EQ(mix.frames(), 48000u + 24000u + 96000u) << "to the clip's end plus two seconds";
  for (std::size_t t = 0; t < mix.frames(); ++t) {
    const float expected = t >= 48000 && t < 72000 ? source.interleaved[t - 48000] : 0.0f;
    ASSERT_EQ(mix.interleaved[2 * t], expected) << "frame " << t;
    ASSERT_EQ(mix.interleaved[2 * t + 1], expected) << "frame " << t;
  }

  // Asked again, it is the cached file.
  const auto again = ada.post(revisionPath + "/render", json::object());
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["render"]["state"], "done");
}

TEST_F(RenderApiTest, AProjectThatCannotBeRenderedFailsWithAReason) {
  auto document = song(std::string(64, 'f'));  // an asset nobody uploaded
  const auto saved = ada.put(projectPath + "/document", {{"baseRevision", 2}, {"document", document}});
  ASSERT_EQ(saved.status, 201) << saved.body;
  revisionPath = projectPath + "/revisions/3";
  ASSERT_EQ(ada.post(revisionPath + "/render", json::object()).status, 202);
  const auto render = waitUntilFinished(ada);
  EXPECT_EQ(render["state"], "failed");
  EXPECT_NE(render["error"].get<std::string>().find("kick.wav was not found"), std::string::npos) << render.dump();
  EXPECT_EQ(ada.get(revisionPath + "/render/audio").status, 409);
}

TEST_F(RenderApiTest, OnlyPeopleWhoMayOpenTheProjectMayRenderIt) {
  TestClient eve = server.client();
  ASSERT_EQ(eve.registerAccount("eve", kPassword).status, 201);
  ASSERT_EQ(eve.logIn("eve", kPassword).status, 201);
  EXPECT_EQ(eve.post(revisionPath + "/render", json::object()).status, 404);
  EXPECT_EQ(eve.get(revisionPath + "/render").status, 404);
  EXPECT_EQ(ada.get(revisionPath + "/render").status, 404) << "never asked for";
  EXPECT_EQ(ada.post(projectPath + "/revisions/99/render", json::object()).status, 404);
  EXPECT_EQ(ada.get(revisionPath + "/render/audio").status, 409);
}

}  // namespace
}  // namespace amplitude::server::testing
