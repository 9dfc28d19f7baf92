// Live edit operations on a document, as pure functions (live/DocumentOps.h).
#include "amplitude/server/live/DocumentOps.h"

#include <gtest/gtest.h>

namespace amplitude::server::live {
namespace {

using nlohmann::json;

json sample() {
  return json::parse(R"({"name":"song","tracks":[
    {"id":"t1","strip":{"volumeDb":0},"clips":[{"id":"c1","name":"a"},{"id":"c2","name":"b"}],
     "instrument":{"id":"i1","params":{"cutoff":1}}}]})");
}

json ops(std::string_view text) { return json::parse(text); }

TEST(DocumentOpsTest, SetsAPropertyByIdAndPathThroughPlainObjects) {
  auto document = sample();
  ASSERT_FALSE(applyOps(document, ops(R"([{"op":"set","target":"t1","path":["strip","volumeDb"],"value":-3},
                                          {"op":"set","target":null,"path":["name"],"value":"renamed"},
                                          {"op":"set","target":"t1","path":["instrument","params","cutoff"],"value":2},
                                          {"op":"set","target":"c1","path":["name"]}])")));
  EXPECT_EQ(document["tracks"][0]["strip"]["volumeDb"], -3);
  EXPECT_EQ(document["name"], "renamed");
  EXPECT_EQ(document["tracks"][0]["instrument"]["params"]["cutoff"], 2);
  EXPECT_FALSE(document["tracks"][0]["clips"][0].contains("name")) << "no value: the property is removed";
}

TEST(DocumentOpsTest, InsertsBeforeASiblingOrAppends) {
  auto document = sample();
  ASSERT_FALSE(applyOps(document, ops(R"([{"op":"insert","parent":"t1","collection":"clips","value":{"id":"c0"},"before":"c1"},
                                          {"op":"insert","parent":"t1","collection":"clips","value":{"id":"c9"},"before":null},
                                          {"op":"insert","parent":null,"collection":"tracks","value":{"id":"t2"}}])")));
  const auto& clips = document["tracks"][0]["clips"];
  ASSERT_EQ(clips.size(), 4u);
  EXPECT_EQ(clips[0]["id"], "c0");
  EXPECT_EQ(clips[3]["id"], "c9");
  EXPECT_EQ(document["tracks"][1]["id"], "t2");

  const auto gone = applyOps(document, ops(R"([{"op":"insert","parent":"t1","collection":"clips","value":{"id":"c8"},"before":"gone"}])"));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->reason, "target_missing") << "the sibling must still be there";
  EXPECT_EQ(gone->missingId, "gone");
  const auto noCollection = applyOps(document, ops(R"([{"op":"insert","parent":null,"collection":"markers","value":{"id":"m1"}}])"));
  ASSERT_TRUE(noCollection);
  EXPECT_EQ(noCollection->reason, "bad_op");
}

TEST(DocumentOpsTest, DeletesFromArraysAndSlots) {
  auto document = sample();
  ASSERT_FALSE(applyOps(document, ops(R"([{"op":"delete","target":"c1"},{"op":"set","target":"t1","path":["instrument"]}])")));
  EXPECT_EQ(document["tracks"][0]["clips"].size(), 1u);
  EXPECT_FALSE(document["tracks"][0].contains("instrument")) << "a single object is removed through its holder";
  EXPECT_FALSE(containsId(document, "c1"));
  EXPECT_TRUE(containsId(document, "c2"));
}

TEST(DocumentOpsTest, MissingTargetsAndBadOpsAreNamed) {
  auto document = sample();
  const auto missing = applyOps(document, ops(R"([{"op":"set","target":"nope","path":["x"],"value":1}])"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->reason, "target_missing");
  EXPECT_EQ(missing->missingId, "nope");
  const auto single = applyOps(document, ops(R"([{"op":"delete","target":"i1"}])"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->reason, "target_missing") << "ids address the objects in arrays only";
  const auto nowhere = applyOps(document, ops(R"([{"op":"set","target":"t1","path":["fade","length"],"value":1}])"));
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->reason, "bad_op") << "only the last property may be new";

  EXPECT_TRUE(checkOps(json::array(), 10)) << "empty";
  EXPECT_TRUE(checkOps(ops(R"([{"op":"set","target":"t1","path":["id"],"value":"t2"}])"), 10)) << "ids never change";
  EXPECT_TRUE(checkOps(ops(R"([{"op":"set","target":"t1","path":[],"value":1}])"), 10));
  EXPECT_TRUE(checkOps(ops(R"([{"op":"move","target":"t1"}])"), 10));
  EXPECT_TRUE(checkOps(ops(R"([{"op":"insert","parent":null,"collection":"markers","value":{"name":"no id"}}])"), 10));
  EXPECT_TRUE(checkOps(ops(R"([{"op":"delete","target":null}])"), 10));
  EXPECT_TRUE(checkOps(ops(R"([{"op":"delete","target":"a"},{"op":"delete","target":"b"}])"), 1)) << "too many";
  EXPECT_FALSE(checkOps(ops(R"([{"op":"delete","target":"a"}])"), 1));
}

TEST(DocumentOpsTest, KindsAndDuplicates) {
  auto document = sample();
  EXPECT_EQ(kindOfObject(document, "c2"), "clip");
  EXPECT_EQ(kindOfObject(document, "t1"), "track");
  EXPECT_EQ(kindOfObject(document, "i1"), "instrument");
  EXPECT_TRUE(duplicateIds(document).empty());
  ASSERT_FALSE(applyOps(document, ops(R"([{"op":"insert","parent":"t1","collection":"clips","value":{"id":"c1"}}])")));
  EXPECT_EQ(duplicateIds(document), std::vector<std::string>{"c1"});
}

}  // namespace
}  // namespace amplitude::server::live
