#pragma once
// A throwaway web root on disk shaped like web/dist, plus a file outside it that traversal
// attempts aim at.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace amplitude::server::testing {

class WebRootFixture {
public:
  WebRootFixture() {
    std::random_device random;
    base_ = std::filesystem::temp_directory_path() / ("amplitude-webroot-" + std::to_string(random()));
    root_ = base_ / "dist";
    std::filesystem::create_directories(root_ / "assets");
    std::filesystem::create_directories(root_ / "docs");
    write(root_ / "index.html", kIndex);
    write(root_ / "assets" / "index-3f9a.js", "export const answer = 42;\n");
    write(root_ / "engine.wasm", std::string("\0asm\1\0\0\0", 8));
    write(root_ / "docs" / "index.html", "<p>docs</p>");
    write(root_ / ".env", "SECRET=1");
    write(base_ / "secret.txt", "outside the web root");
    std::filesystem::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
  }
  ~WebRootFixture() { std::filesystem::remove_all(base_); }
  WebRootFixture(const WebRootFixture&) = delete;
  WebRootFixture& operator=(const WebRootFixture&) = delete;

  const std::filesystem::path& root() const { return root_; }
  static constexpr const char* kIndex = "<!doctype html><title>Amplitude</title>";

private:
  static void write(const std::filesystem::path& path, const std::string& content) {
    std::ofstream{path, std::ios::binary} << content;
  }
  std::filesystem::path base_;
  std::filesystem::path root_;
};

}  // namespace amplitude::server::testing
