// Invariants of the UI->engine command ring: FIFO order, a full ring refuses (and counts) instead
// of overwriting, indices survive the 2^32 wrap, and under two real threads no record is lost,
// duplicated or reordered.
#include <amplitude/SharedRegion.h>
#include <amplitude/rt/CommandRing.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>

using namespace amplitude;
namespace protocol = amplitude::protocol;

namespace {

protocol::CommandRecord recordWithSequence(std::uint32_t sequence) {
  protocol::CommandRecord record;
  protocol::encodeCommand({sequence, 0, protocol::SetParam{2, 0, float(sequence % 100)}}, record);
  return record;
}

std::uint32_t sequenceOf(const protocol::CommandRecord& record) {
  protocol::Command command;
  EXPECT_EQ(protocol::decodeCommand(record, command), protocol::ErrorCode::None);
  return command.sequence;
}

struct RingFixture : ::testing::Test {
  std::unique_ptr<SharedRegion> shared = std::make_unique<SharedRegion>();
  rt::CommandRing ring{shared->ringControl, shared->ringRecords};
};

}  // namespace

TEST_F(RingFixture, EmptyRingPopsNothing) {
  protocol::CommandRecord record;
  EXPECT_FALSE(ring.tryPop(record));
  EXPECT_EQ(ring.sizeApprox(), 0u);
}

TEST_F(RingFixture, PopsInPushOrder) {
  for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(ring.tryPush(recordWithSequence(i)));
  protocol::CommandRecord record;
  for (std::uint32_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(ring.tryPop(record));
    EXPECT_EQ(sequenceOf(record), i);
  }
  EXPECT_FALSE(ring.tryPop(record));
}

TEST_F(RingFixture, FullRingRefusesAndCountsWithoutOverwriting) {
  for (std::uint32_t i = 0; i < rt::CommandRing::kCapacity; ++i) ASSERT_TRUE(ring.tryPush(recordWithSequence(i)));
  EXPECT_FALSE(ring.tryPush(recordWithSequence(9999)));
  EXPECT_FALSE(ring.tryPush(recordWithSequence(9999)));
  EXPECT_EQ(shared->ringControl.rejectedPushes.load(), 2u);
  EXPECT_EQ(ring.sizeApprox(), rt::CommandRing::kCapacity);

  protocol::CommandRecord record;
  ASSERT_TRUE(ring.tryPop(record));
  EXPECT_EQ(sequenceOf(record), 0u);  // the oldest survived
  EXPECT_TRUE(ring.tryPush(recordWithSequence(5000)));  // one slot freed, one push accepted
  for (std::uint32_t i = 1; i < rt::CommandRing::kCapacity; ++i) {
    ASSERT_TRUE(ring.tryPop(record));
    EXPECT_EQ(sequenceOf(record), i);
  }
  ASSERT_TRUE(ring.tryPop(record));
  EXPECT_EQ(sequenceOf(record), 5000u);
}

TEST_F(RingFixture, IndicesWrapAround32Bits) {
  shared->ringControl.writeIndex = 0xFFFFFFF0u;
  shared->ringControl.readIndex = 0xFFFFFFF0u;
  for (std::uint32_t i = 0; i < 40; ++i) ASSERT_TRUE(ring.tryPush(recordWithSequence(i)));
  EXPECT_EQ(ring.sizeApprox(), 40u);
  protocol::CommandRecord record;
  for (std::uint32_t i = 0; i < 40; ++i) {
    ASSERT_TRUE(ring.tryPop(record));
    EXPECT_EQ(sequenceOf(record), i);
  }
  EXPECT_EQ(shared->ringControl.readIndex.load(), 0xFFFFFFF0u + 40u);
}

TEST_F(RingFixture, TwoThreadsMoveAMillionRecordsWithNoneLostDuplicatedOrReordered) {
  constexpr std::uint32_t kCount = 1'000'000;
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kCount; ++i) {
      const auto record = recordWithSequence(i);
      while (!ring.tryPush(record)) std::this_thread::yield();
    }
  });
  std::uint32_t expected = 0;
  std::uint32_t outOfOrder = 0;
  protocol::CommandRecord record;
  while (expected < kCount) {
    if (!ring.tryPop(record)) {
      std::this_thread::yield();
      continue;
    }
    protocol::Command command;
    if (protocol::decodeCommand(record, command) != protocol::ErrorCode::None || command.sequence != expected) {
      ++outOfOrder;
    }
    ++expected;
  }
  producer.join();
  EXPECT_EQ(outOfOrder, 0u);
  EXPECT_FALSE(ring.tryPop(record));
  EXPECT_EQ(shared->ringControl.writeIndex.load(), kCount);
}
