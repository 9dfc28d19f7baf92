#include "amplitude/server/MimeTypes.h"
#include "amplitude/server/StaticFiles.h"
#include "WebRootFixture.h"

#include <gtest/gtest.h>

namespace amplitude::server {
namespace {

Request get(std::string_view target, http::verb method = http::verb::get) {
  Request request{method, target, 11};
  request.keep_alive(true);
  return request;
}

std::string bodyOf(const Response& response) {
  if (const auto* text = std::get_if<StringResponse>(&response)) return text->body();
  // File bodies: read back what Beast would stream.
  // Reading moves the file position, hence the const_cast in this test-only helper.
  auto& file = const_cast<FileResponse&>(std::get<FileResponse>(response)).body();
  std::string content(file.size(), '\0');
  boost::beast::error_code error;
  auto& handle = file.file();
  handle.seek(0, error);
  handle.read(content.data(), content.size(), error);
  return content;
}

class StaticFilesTest : public ::testing::Test {
protected:
  testing::WebRootFixture webRoot;
  StaticFiles files{webRoot.root()};
};

TEST(DecodeRequestPath, DecodesEscapesAndDropsTheQuery) {
  const auto decoded = std::get<DecodedPath>(decodeRequestPath("/assets/my%20file.js?v=3#top"));
  EXPECT_EQ(decoded.relative, "assets/my file.js");
  EXPECT_EQ(std::get<DecodedPath>(decodeRequestPath("/")).relative, "");
  EXPECT_EQ(std::get<DecodedPath>(decodeRequestPath("//a///b")).relative, "a/b");
}

TEST(DecodeRequestPath, RefusesEverythingThatCouldLeaveTheRoot) {
  for (const auto* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/%2E%2E%2fsecret.txt", "/a/%2e/b", "/..%5csecret.txt", "/a\\..\\b",
                             "/index.html%00.png", "/bad%zzescape", "/truncated%2", "relative/path",
                             "http://example.com/x"}) {
    EXPECT_TRUE(std::holds_alternative<RefusedPath>(decodeRequestPath(target))) << target;
  }
}

TEST_F(StaticFilesTest, RootServesIndexHtmlAsHtml) {
  const auto response = files.serve(get("/"));
  ASSERT_EQ(statusOf(response), http::status::ok);
  EXPECT_EQ(headerOf(response)[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(headerOf(response)[http::field::cache_control], "no-cache");
  EXPECT_EQ(bodyOf(response), testing::WebRootFixture::kIndex);
}

TEST_F(StaticFilesTest, EveryResponseIsCrossOriginIsolated) {
  for (const auto* target : {"/", "/engine.wasm", "/missing.js", "/../x", "/projects/7"}) {
    const auto response = files.serve(get(target));
    const auto& header = headerOf(response);
    EXPECT_EQ(header["Cross-Origin-Opener-Policy"], "same-origin") << target;
    EXPECT_EQ(header["Cross-Origin-Embedder-Policy"], "require-corp") << target;
    EXPECT_EQ(header["Cross-Origin-Resource-Policy"], "same-origin") << target;
    EXPECT_EQ(header["X-Content-Type-Options"], "nosniff") << target;
  }
}

TEST_F(StaticFilesTest, WasmIsServedAsApplicationWasmWithItsBytes) {
  const auto response = files.serve(get("/engine.wasm"));
  ASSERT_EQ(statusOf(response), http::status::ok);
  EXPECT_EQ(headerOf(response)[http::field::content_type], "application/wasm");
  EXPECT_EQ(bodyOf(response), std::string("\0asm\1\0\0\0", 8));
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndOthersRevalidate) {
  const auto asset = files.serve(get("/assets/index-3f9a.js"));
  EXPECT_EQ(headerOf(asset)[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(headerOf(asset)[http::field::cache_control], "public, max-age=31536000, immutable");
  EXPECT_EQ(headerOf(files.serve(get("/engine.wasm")))[http::field::cache_control], "no-cache");
}

TEST_F(StaticFilesTest, MatchingEntityTagGivesNotModifiedWithoutBody) {
  const auto first = files.serve(get("/engine.wasm"));
  const std::string tag{headerOf(first)[http::field::etag]};
  ASSERT_FALSE(tag.empty());
  auto request = get("/engine.wasm");
  request.set(http::field::if_none_match, "\"other\", " + tag);
  const auto revalidated = files.serve(request);
  EXPECT_EQ(statusOf(revalidated), http::status::not_modified);
  EXPECT_EQ(bodyOf(revalidated), "");
  EXPECT_EQ(headerOf(revalidated)["Cross-Origin-Embedder-Policy"], "require-corp");

  request.set(http::field::if_none_match, "W/\"stale\"");
  EXPECT_EQ(statusOf(files.serve(request)), http::status::ok);
}

TEST_F(StaticFilesTest, HeadHasTheLengthButNoBody) {
  const auto response = files.serve(get("/engine.wasm", http::verb::head));
  ASSERT_EQ(statusOf(response), http::status::ok);
  EXPECT_EQ(headerOf(response)[http::field::content_length], "8");
  EXPECT_EQ(bodyOf(response), "");
}

TEST_F(StaticFilesTest, DirectoriesServeTheirIndex) {
  EXPECT_EQ(bodyOf(files.serve(get("/docs/"))), "<p>docs</p>");
  EXPECT_EQ(bodyOf(files.serve(get("/docs"))), "<p>docs</p>");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToTheAppButMissingFilesAre404) {
  const auto route = files.serve(get("/projects/42/mixer"));
  EXPECT_EQ(statusOf(route), http::status::ok);
  EXPECT_EQ(bodyOf(route), testing::WebRootFixture::kIndex);

  const auto missing = files.serve(get("/assets/missing-1234.js"));
  EXPECT_EQ(statusOf(missing), http::status::not_found);
  EXPECT_EQ(headerOf(missing)[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(bodyOf(missing), "Not found: /assets/missing-1234.js\n");
}

TEST_F(StaticFilesTest, TraversalIsRefusedAndNothingOutsideTheRootLeaks) {
  for (const auto* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                             "/assets/..%5c..%5csecret.txt", "/index.html%00"}) {
    const auto response = files.serve(get(target));
    EXPECT_EQ(statusOf(response), http::status::bad_request) << target;
    EXPECT_EQ(bodyOf(response).find("outside"), std::string::npos) << target;
  }
  // A symlink inside the root pointing outside it is not followed.
  const auto escape = files.serve(get("/escape.txt"));
  EXPECT_EQ(statusOf(escape), http::status::not_found);
  EXPECT_EQ(bodyOf(escape).find("outside"), std::string::npos);
}

TEST_F(StaticFilesTest, DotfilesAreNeverServed) {
  EXPECT_EQ(statusOf(files.serve(get("/.env"))), http::status::not_found);
}

TEST(StaticFilesStartup, AMissingRootIsAClearErrorAtStartup) {
  try {
    StaticFiles files{"/nonexistent/amplitude/dist"};
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("/nonexistent/amplitude/dist"), std::string::npos);
  }
}

TEST(MimeTypes, KnowsWhatBrowsersAreStrictAbout) {
  EXPECT_EQ(mimeTypeFor("engine.wasm"), "application/wasm");
  EXPECT_EQ(mimeTypeFor("assets/App.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("worklet.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(mimeTypeFor("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(mimeTypeFor("LICENSE"), "application/octet-stream");
  EXPECT_EQ(mimeTypeFor("archive.tar.unknown"), "application/octet-stream");
}

}  // namespace
}  // namespace amplitude::server
