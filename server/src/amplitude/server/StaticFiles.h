#pragma once
// Serves the built web app (web/dist) from disk: GET and HEAD, index.html for "/" and for
// client-side routes, ETag revalidation, long-lived caching only for Vite's hashed /assets/.
#include "amplitude/server/HttpMessages.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace amplitude::server {

/// A request target's path, percent-decoded and split at '/', with every segment checked.
/// Why a target was refused is kept for the 400 message.
struct DecodedPath {
  std::string relative;  ///< "a/b.js" for "/a/b.js?x=1"; empty for "/"
  bool endsWithSlash = false;
};
struct RefusedPath {
  std::string reason;
};

/// Rejects malformed escapes, NUL, backslashes, "." and ".." segments and anything not starting
/// with '/'. Lexical only: symlinks are checked against the canonical root when the file opens.
std::variant<DecodedPath, RefusedPath> decodeRequestPath(std::string_view target);

class StaticFiles {
public:
  /// Throws std::runtime_error when `root` is not a readable directory with an index.html, so a
  /// misconfigured server fails at start-up with a clear message instead of 404ing every page.
  explicit StaticFiles(const std::filesystem::path& root);

  /// The caller has checked the method (GET or HEAD).
  Response serve(const Request& request) const;

  const std::filesystem::path& root() const { return root_; }

private:
  Response serveFile(const Request& request, const std::filesystem::path& file,
                     std::string_view urlPath) const;
  bool isInsideRoot(const std::filesystem::path& canonical) const;

  std::filesystem::path root_;  // canonical
};

}  // namespace amplitude::server
