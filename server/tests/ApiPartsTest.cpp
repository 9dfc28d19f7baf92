// The API's pure parts as functions: sniffing, ranges, JSON limits, the log-in throttle, the
// store's SQL plumbing and migrations.
#include "TestServer.h"

#include "amplitude/server/api/Api.h"
#include "amplitude/server/api/AudioSniffer.h"
#include "amplitude/server/api/JsonBody.h"
#include "amplitude/server/api/LoginThrottle.h"
#include "amplitude/server/store/Migrations.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

namespace amplitude::server {
namespace {

using api::sniffAudio;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(AudioSniffer, RecognisesEachFormatByItsBytes) {
  ASSERT_TRUE(sniffAudio(testing::makeWav(10)));
  EXPECT_EQ(sniffAudio(testing::makeWav(10))->name, "wav");
  std::string aiff = "FORM" + bytes({0, 0, 0, 46}) + "AIFF" + "COMM" + bytes({0, 0, 0, 18, 0, 2, 0, 0, 0, 100, 0, 16}) +
                     std::string(10, '\0');
  EXPECT_EQ(sniffAudio(aiff)->name, "aiff");
  std::string flac = "fLaC" + bytes({0, 0, 0, 34}) + std::string(10, '\0') + bytes({0x0b, 0xb8, 0x00}) + std::string(21, '\0');
  EXPECT_EQ(sniffAudio(flac)->name, "flac");
  EXPECT_EQ(sniffAudio("ID3" + bytes({3, 0, 0, 0, 0, 0x10, 0x7f}) + "....")->name, "mp3");
  EXPECT_EQ(sniffAudio(bytes({0xff, 0xfb, 0x90, 0x64}) + std::string(100, '\0'))->name, "mp3");
  std::string ogg = "OggS" + std::string(22, '\0') + bytes({1, 30}) + "\x01vorbis" + std::string(30, '\0');
  EXPECT_EQ(sniffAudio(ogg)->name, "ogg-vorbis");
  std::string opus = "OggS" + std::string(22, '\0') + bytes({1, 19}) + "OpusHead" + std::string(11, '\0');
  EXPECT_EQ(sniffAudio(opus)->name, "ogg-opus");
}

TEST(AudioSniffer, RefusesLookAlikes) {
  for (const std::string& fake : {std::string{"hello, I am a .wav"}, std::string{"RIFF\0\0\0\0AVI LIST", 16},
                                  std::string{"RIFF\0\0\0\0WAVE", 12}, std::string{"fLaC"}, std::string{"ID3\xff"},
                                  bytes({0xff, 0xfb, 0xf0, 0x64}) /* bitrate 15 */, std::string{"OggS\0junk", 9},
                                  std::string{"<html>"}, std::string{}})
    EXPECT_FALSE(sniffAudio(fake)) << fake;
  auto badFormat = testing::makeWav(10);
  badFormat[20] = 0x55;  // format tag 0x55 (MP3 inside WAV) is not one we accept
  EXPECT_FALSE(sniffAudio(badFormat));
}

TEST(ByteRanges, FollowRfc9110) {
  using api::ByteRange;
  const auto range = [](std::string_view header, std::uint64_t size) { return api::parseRange(header, size); };
  const auto is = [](const auto& parsed, std::uint64_t first, std::uint64_t length) {
    const auto* r = std::get_if<ByteRange>(&parsed);
    return r && r->first == first && r->length == length;
  };
  EXPECT_TRUE(is(range("bytes=0-9", 100), 0, 10));
  EXPECT_TRUE(is(range("bytes=90-200", 100), 90, 10));
  EXPECT_TRUE(is(range("bytes=95-", 100), 95, 5));
  EXPECT_TRUE(is(range("bytes=-5", 100), 95, 5));
  EXPECT_TRUE(is(range("bytes=-500", 100), 0, 100));
  EXPECT_TRUE(std::holds_alternative<api::UnsatisfiableRange>(range("bytes=100-", 100)));
  EXPECT_TRUE(std::holds_alternative<api::UnsatisfiableRange>(range("bytes=-0", 100)));
  for (const auto* ignored : {"bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=", "bytes=99999999999999999999999-"})
    EXPECT_TRUE(std::holds_alternative<std::monostate>(range(ignored, 100))) << ignored;
}

TEST(JsonBody, RefusesWhatIsNotPlainFiniteJson) {
  EXPECT_EQ(api::parseJson(R"({"a":[1,2.5,"x"]})")["a"][1], 2.5);
  for (const auto* bad : {"{", "1e999", "[-1e999]", "NaN", "{\"a\":Infinity}", "{} {}"})
    EXPECT_THROW(api::parseJson(bad), api::BadInput) << bad;
  EXPECT_NO_THROW(api::parseJson(std::string(60, '[') + std::string(60, ']')));
  EXPECT_THROW(api::parseJson(std::string(100'000, '[') + std::string(100'000, ']')), api::BadInput);
  EXPECT_TRUE(api::isDisplayName("Song ♫", 10));
  EXPECT_FALSE(api::isDisplayName("a\nb", 10));
  EXPECT_FALSE(api::isDisplayName("\xc3", 10));
  EXPECT_FALSE(api::isDisplayName("", 10));
}

TEST(LoginThrottle, BlocksPerAccountAndPerAddressForTheWindow) {
  api::LoginThrottle throttle{{2, 3, std::chrono::milliseconds{1000}}};
  EXPECT_EQ(throttle.retryAfterMs("ada", "1.1.1.1", 0), 0);
  throttle.recordFailure("ada", "1.1.1.1", 0);
  throttle.recordFailure("ada", "2.2.2.2", 100);
  EXPECT_EQ(throttle.retryAfterMs("ada", "3.3.3.3", 200), 800) << "the account is locked from anywhere";
  EXPECT_EQ(throttle.retryAfterMs("bob", "1.1.1.1", 200), 0);
  throttle.recordFailure("bob", "1.1.1.1", 300);
  throttle.recordFailure("carol", "1.1.1.1", 300);
  EXPECT_GT(throttle.retryAfterMs("dave", "1.1.1.1", 400), 0) << "the address is locked for any account";
  EXPECT_EQ(throttle.retryAfterMs("ada", "3.3.3.3", 1000), 0) << "the window ends";
}

TEST(PercentDecoding, RefusesMalformedEscapesAndNul) {
  EXPECT_EQ(api::percentDecode("a%20b"), "a b");
  EXPECT_EQ(api::queryParameter("x=1&name=kick+drum.wav", "name"), "kick drum.wav");
  EXPECT_FALSE(api::percentDecode("%zz"));
  EXPECT_FALSE(api::percentDecode("%2"));
  EXPECT_FALSE(api::percentDecode("a%00b"));
}

/// The test database: SQLite in a temp file, or the PostgreSQL under test (emptied).
class StoreTest : public ::testing::Test {
protected:
  StoreTest() {
    std::random_device random;
    file = std::filesystem::temp_directory_path() / ("amplitude-store-" + std::to_string(random()) + ".sqlite3");
    const char* url = std::getenv("AMPLITUDE_TEST_DATABASE_URL");
    database = store::openDatabase({url ? url : "", file.string(), 2});
    if (database->dialect() == store::SqlDialect::postgres)
      database->transact(store::TransactionKind::write, [](store::SqlTransaction& tx) {
        tx.query("DROP SCHEMA public CASCADE");
        tx.query("CREATE SCHEMA public");
      });
  }
  ~StoreTest() override {
    database.reset();
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  }
  std::filesystem::path file;
  std::unique_ptr<store::Database> database;
};

TEST_F(StoreTest, MigrationsApplyOnceInOrderAndAreRecorded) {
  EXPECT_EQ(store::schemaVersion(*database), 0);
  EXPECT_EQ(store::applyMigrations(*database), static_cast<int>(store::allMigrations().size()));
  EXPECT_EQ(store::applyMigrations(*database), 0) << "a second start applies nothing";
  EXPECT_EQ(store::schemaVersion(*database), store::allMigrations().back().version);
  database->transact(store::TransactionKind::read, [](store::SqlTransaction& tx) {
    const auto rows = tx.query("SELECT version, name FROM schema_migrations ORDER BY version");
    ASSERT_EQ(rows.size(), store::allMigrations().size());
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].integer(0), static_cast<std::int64_t>(i + 1));
  });
}

TEST_F(StoreTest, ParametersBindByNumberNullsAndUniqueViolations) {
  store::applyMigrations(*database);
  database->transact(store::TransactionKind::write, [](store::SqlTransaction& tx) {
    const auto rows = tx.query("SELECT CAST($2 AS BIGINT), $1, CAST($3 AS BIGINT)", {std::string{"first"}, std::int64_t{2}, nullptr});
    EXPECT_EQ(rows.at(0).integer(0), 2);
    EXPECT_EQ(rows.at(0).text(1), "first");
    EXPECT_TRUE(rows.at(0).isNull(2));
  });
  store::Repository repository{*database};
  ASSERT_TRUE(repository.createAccount("ada", "ada@example.com", "hash", 1));
  EXPECT_FALSE(repository.createAccount("ADA", "other@example.com", "hash", 2)) << "usernames are case-insensitive";
  EXPECT_THROW(database->transact(store::TransactionKind::write,
                                  [](store::SqlTransaction& tx) {
                                    tx.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'x', 0)");
                                  }),
               store::UniqueViolation);
}

}  // namespace
}  // namespace amplitude::server
