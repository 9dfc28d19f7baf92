#include "amplitude/server/Router.h"
#include "WebRootFixture.h"

#include <amplitude/protocol/Protocol.generated.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace amplitude::server {
namespace {

class RouterTest : public ::testing::Test {
protected:
  Response send(http::verb method, std::string_view target, std::string body = {}) {
    Request request{method, target, 11};
    request.body() = std::move(body);
    request.prepare_payload();
    return router.handle(request);
  }
  static const StringResponse& text(const Response& response) {
    return std::get<StringResponse>(response);
  }

  testing::WebRootFixture webRoot;
  Router router{StaticFiles{webRoot.root()}};
};

TEST_F(RouterTest, HealthReportsOkAndTheProtocolVersionAsJson) {
  const auto response = send(http::verb::get, "/api/health");
  ASSERT_EQ(statusOf(response), http::status::ok);
  EXPECT_EQ(headerOf(response)[http::field::content_type], "application/json");
  const auto body = nlohmann::json::parse(text(response).body());
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("service"), "amplitude-server");
  EXPECT_EQ(body.at("protocolSchemaVersion"), protocol::kSchemaVersion);
  EXPECT_GE(body.at("uptimeSeconds").get<double>(), 0.0);
}

TEST_F(RouterTest, HeadOnHealthHasTheLengthAndNoBody) {
  const auto get = send(http::verb::get, "/api/health");
  const auto head = send(http::verb::head, "/api/health");
  EXPECT_EQ(statusOf(head), http::status::ok);
  EXPECT_TRUE(text(head).body().empty());
  EXPECT_FALSE(headerOf(head)[http::field::content_length].empty());
  EXPECT_NE(headerOf(head)[http::field::content_length], "0");
  EXPECT_EQ(headerOf(get).count("Cross-Origin-Embedder-Policy"), 1u);
}

TEST_F(RouterTest, UnknownApiPathsAreJson404sNotTheApp) {
  for (const auto* target : {"/api/nope", "/api", "/api/health/extra", "/api/projects?x=1"}) {
    const auto response = send(http::verb::get, target);
    ASSERT_EQ(statusOf(response), http::status::not_found) << target;
    EXPECT_EQ(headerOf(response)[http::field::content_type], "application/json") << target;
    const auto body = nlohmann::json::parse(text(response).body());
    EXPECT_EQ(body.at("error").at("code"), "not_found") << target;
    EXPECT_FALSE(body.at("error").at("message").get<std::string>().empty());
  }
}

TEST_F(RouterTest, WritesToReadOnlyRoutesAre405WithAllow) {
  const auto api = send(http::verb::post, "/api/health", "{}");
  EXPECT_EQ(statusOf(api), http::status::method_not_allowed);
  EXPECT_EQ(headerOf(api)[http::field::allow], "GET, HEAD, OPTIONS");
  EXPECT_EQ(nlohmann::json::parse(text(api).body()).at("error").at("code"), "method_not_allowed");

  for (const auto method : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
    const auto app = send(method, "/index.html", "x");
    EXPECT_EQ(statusOf(app), http::status::method_not_allowed);
    EXPECT_EQ(headerOf(app)[http::field::allow], "GET, HEAD, OPTIONS");
    EXPECT_EQ(headerOf(app)["Cross-Origin-Opener-Policy"], "same-origin");
  }
}

TEST_F(RouterTest, OptionsListsTheAllowedMethods) {
  const auto response = send(http::verb::options, "/");
  EXPECT_EQ(statusOf(response), http::status::no_content);
  EXPECT_EQ(headerOf(response)[http::field::allow], "GET, HEAD, OPTIONS");
}

TEST_F(RouterTest, EverythingElseIsTheWebApp) {
  EXPECT_EQ(std::get<FileResponse>(send(http::verb::get, "/")).result(), http::status::ok);
  EXPECT_EQ(statusOf(send(http::verb::get, "/missing.css")), http::status::not_found);
}

}  // namespace
}  // namespace amplitude::server
