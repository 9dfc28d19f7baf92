#include "amplitude/server/StaticFiles.h"

#include "amplitude/server/MimeTypes.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace amplitude::server {

namespace fs = std::filesystem;

namespace {

std::optional<int> hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

/// Client-side routes ("/projects/42") have no extension; asset URLs ("/x.js") do, and a missing
/// asset must be a 404, not index.html served as JavaScript.
bool looksLikeClientRoute(std::string_view relative) {
  const auto slash = relative.find_last_of('/');
  const auto last = slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  return last.find('.') == std::string_view::npos;
}

/// Weak validator from size and modification time: cheap, and it changes whenever a build
/// rewrites the file.
std::string entityTagFor(std::uintmax_t size, fs::file_time_type modified) {
  const auto ticks = modified.time_since_epoch().count();
  return fmt::format("W/\"{:x}-{:x}\"", size, static_cast<std::uint64_t>(ticks));
}

bool matchesIfNoneMatch(std::string_view header, std::string_view tag) {
  // A comma-separated list of tags, or "*"; weak comparison ignores the W/ prefix.
  const auto strip = [](std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  const auto wanted = strip(tag);
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = strip(header.substr(0, comma));
    if (item == "*" || item == wanted) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::variant<DecodedPath, RefusedPath> decodeRequestPath(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return RefusedPath{"the request target must be an absolute path"};
  target = target.substr(0, target.find_first_of("?#"));

  std::string decoded;
  decoded.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      const auto high = i + 2 < target.size() ? hexValue(target[i + 1]) : std::nullopt;
      const auto low = i + 2 < target.size() ? hexValue(target[i + 2]) : std::nullopt;
      if (!high || !low) return RefusedPath{"malformed percent-escape in the path"};
      c = static_cast<char>(*high * 16 + *low);
      i += 2;
    }
    if (c == '\0') return RefusedPath{"NUL byte in the path"};
    if (c == '\\') return RefusedPath{"backslash in the path"};
    decoded.push_back(c);
  }

  DecodedPath result;
  result.endsWithSlash = decoded.size() > 1 && decoded.back() == '/';
  std::string_view rest{decoded};
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment == "." || segment == "..")
      return RefusedPath{"dot segments are not allowed in the path"};
    if (!result.relative.empty()) result.relative.push_back('/');
    result.relative.append(segment);
  }
  return result;
}

StaticFiles::StaticFiles(const fs::path& root) {
  std::error_code error;
  root_ = fs::canonical(root, error);
  if (error || !fs::is_directory(root_))
    throw std::runtime_error(fmt::format("web root {} is not a directory", root.string()));
  if (!fs::is_regular_file(root_ / "index.html"))
    throw std::runtime_error(fmt::format(
        "web root {} has no index.html (build the web app first: make web)", root_.string()));
}

bool StaticFiles::isInsideRoot(const fs::path& canonical) const {
  const auto [rootEnd, _] = std::mismatch(root_.begin(), root_.end(), canonical.begin(), canonical.end());
  return rootEnd == root_.end();
}

Response StaticFiles::serve(const Request& request) const {
  const auto version = request.version();
  const auto keepAlive = request.keep_alive();
  const auto decoded = decodeRequestPath(request.target());
  if (const auto* refused = std::get_if<RefusedPath>(&decoded))
    return makeTextResponse(http::status::bad_request, "Bad request: " + refused->reason, version,
                            keepAlive);
  const auto& path = std::get<DecodedPath>(decoded);
  const std::string urlPath = "/" + path.relative;

  // Dotfiles (.env, .git) are never part of a build we mean to publish.
  const bool hidden = path.relative.starts_with('.') || path.relative.find("/.") != std::string::npos;
  std::error_code error;
  fs::path file = root_ / fs::path{path.relative};
  if (!hidden && fs::is_directory(file, error)) file /= "index.html";
  if (!hidden && fs::is_regular_file(file, error)) {
    const auto canonical = fs::canonical(file, error);
    if (!error && isInsideRoot(canonical)) return serveFile(request, canonical, urlPath);
  } else if (!hidden && !path.endsWithSlash && looksLikeClientRoute(path.relative)) {
    return serveFile(request, root_ / "index.html", "/index.html");
  }
  return makeTextResponse(http::status::not_found, "Not found: " + urlPath, version, keepAlive);
}

Response StaticFiles::serveFile(const Request& request, const fs::path& file,
                                std::string_view urlPath) const {
  const auto version = request.version();
  const auto keepAlive = request.keep_alive();
  std::error_code error;
  const auto size = fs::file_size(file, error);
  const auto modified = error ? fs::file_time_type{} : fs::last_write_time(file, error);
  if (error)
    return makeTextResponse(http::status::not_found, fmt::format("Not found: {}", urlPath), version,
                            keepAlive);

  const auto tag = entityTagFor(size, modified);
  // Vite puts a content hash in every name under /assets/, so those never change; everything
  // else (index.html above all) must be revalidated so a new build is picked up at once.
  const auto cacheControl = urlPath.starts_with("/assets/") ? "public, max-age=31536000, immutable"
                                                            : "no-cache";
  const auto describe = [&](auto& response) {
    applyStandardHeaders(response.base());
    response.set(http::field::content_type, mimeTypeFor(file.filename().string()));
    response.set(http::field::cache_control, cacheControl);
    response.set(http::field::etag, tag);
    response.keep_alive(keepAlive);
  };

  if (const auto ifNoneMatch = request[http::field::if_none_match];
      !ifNoneMatch.empty() && matchesIfNoneMatch(ifNoneMatch, tag)) {
    StringResponse notModified{http::status::not_modified, version};
    describe(notModified);
    notModified.erase(http::field::content_type);
    return notModified;
  }

  if (request.method() == http::verb::head) {
    StringResponse head{http::status::ok, version};
    describe(head);
    head.content_length(size);
    return head;
  }

  http::file_body::value_type body;
  boost::beast::error_code openError;
  body.open(file.c_str(), boost::beast::file_mode::scan, openError);
  if (openError)
    return makeTextResponse(http::status::forbidden, fmt::format("Cannot read {}", urlPath), version,
                            keepAlive);
  FileResponse response{std::piecewise_construct, std::make_tuple(std::move(body)),
                        std::make_tuple(http::status::ok, version)};
  describe(response);
  response.prepare_payload();
  return response;
}

}  // namespace amplitude::server
