// Audio assets: uploaded bytes are sniffed (only real audio), stored once by SHA-256, attached
// to projects, and served with Range support and immutable caching (the URL names the content).
//
//   GET        /api/projects/{id}/assets            list                    (viewer)  200
//   POST|PUT   /api/projects/{id}/assets?name=...   upload the body         (editor)  201, 200, 413, 415
//   GET|HEAD   /api/projects/{id}/assets/{sha256}   download, Range         (viewer)  200, 206, 304, 416
//   DELETE     /api/projects/{id}/assets/{sha256}   detach from the project (editor)  204
#include "amplitude/server/api/Api.h"
#include "amplitude/server/api/AudioSniffer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <fstream>

namespace amplitude::server::api {

using nlohmann::json;
using store::Role;

namespace {

bool isUploadMethod(http::verb method) { return method == http::verb::post || method == http::verb::put; }

std::vector<std::string_view> pathSegments(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::vector<std::string_view> segments;
  while (!target.empty()) {
    const auto slash = target.find('/');
    if (slash != 0) segments.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return segments;
}

bool matchesEntityTag(std::string_view header, std::string_view tag) {
  return header.find(tag) != std::string_view::npos || header.find('*') != std::string_view::npos;
}

}  // namespace

bool Api::isUpload(const RequestHeader& header) {
  if (!isUploadMethod(header.method())) return false;
  const auto s = pathSegments(header.target());
  return s.size() == 4 && s[0] == "api" && s[1] == "projects" && s[3] == "assets";
}

std::uint64_t Api::bodyLimitFor(const RequestHeader& header) const {
  const auto s = pathSegments(header.target());
  const bool mayCarryDocument = s.size() >= 2 && s[0] == "api" && s[1] == "projects" && isUploadMethod(header.method());
  // A document is sent inside a JSON envelope, where escaping can make it larger.
  return mayCarryDocument ? 2 * config_.maxDocumentBytes + 64 * 1024 : config_.maxJsonBodyBytes;
}

Api::UploadTarget Api::checkUpload(Call& call) {
  requireSameOrigin(call);
  auto caller = authenticate(call);
  requireCsrf(call, caller);
  const auto& idText = call.segments.at(1);
  if (idText.empty() || idText.size() > 18 || idText.find_first_not_of("0123456789") != std::string::npos)
    throw ApiError("project_not_found", "No such project", 404);
  auto project = requireProject(caller, std::stoll(idText), Role::editor);
  // The name is only ever shown, never used as a path: files are named by their hash. Still,
  // refuse names that would be trouble anywhere they end up (downloads, exports).
  auto name = queryParameter(call.query, "name").value_or("audio");
  if (!isDisplayName(name, 255) || name.find_first_of("/\\") != std::string::npos || name == "." || name == "..")
    throw ApiError("invalid_name", "Asset names need 1 to 255 characters and no '/', '\\' or control characters");
  return {std::move(caller), std::move(project), std::move(name)};
}

std::optional<Response> Api::admitUpload(const RequestHeader& header, const RequestContext& context) {
  bool admitted = false;
  auto response = guarded(header, [&]() -> Response {
    auto call = makeCall(header, {}, context);
    checkUpload(call);
    if (const auto length = header[http::field::content_length]; !length.empty()) {
      std::uint64_t declared = 0;
      const auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), declared);
      if (error == std::errc{} && declared > config_.maxUploadBytes)
        throw ApiError("upload_too_large", fmt::format("Uploads may have at most {} bytes", config_.maxUploadBytes), 413);
    }
    admitted = true;
    return noContent(call);
  });
  if (admitted) return std::nullopt;
  return response;
}

Response Api::handleUpload(const RequestHeader& header, const std::filesystem::path& bodyFile,
                           const RequestContext& context) {
  auto response = guarded(header, [&]() -> Response {
    auto call = makeCall(header, {}, context);
    return finishUpload(call, bodyFile);
  });
  std::error_code ignored;
  std::filesystem::remove(bodyFile, ignored);  // refused uploads leave nothing behind
  return response;
}

Response Api::finishUpload(Call& call, const std::filesystem::path& bodyFile) {
  const auto target = checkUpload(call);
  const auto format = sniffAudio(readHead(bodyFile, 8192));
  if (!format)
    throw ApiError("unsupported_audio",
                   "Not an audio file we accept (WAV, AIFF, FLAC, MP3, Ogg Vorbis or Opus), whatever its name says", 415);
  const auto stored = blobs_.adopt(bodyFile);
  const store::Asset asset{stored.sha256, static_cast<std::int64_t>(stored.size), std::string{format->name},
                           target.name,   target.caller.account().id,           now()};
  const bool attached = repository_.attachAsset(target.project.id, asset, now());
  const auto saved = repository_.findAsset(target.project.id, stored.sha256).value_or(asset);
  return reply(call, attached ? http::status::created : http::status::ok,
               {{"asset", toJson(saved)}, {"alreadyStored", stored.alreadyStored}});
}

Response Api::assets(Call& call, const Caller& caller, const store::Project& project) {
  (void)caller;
  const auto& s = call.segments;
  if (s.size() == 3) {
    requireMethod(call, {http::verb::get, http::verb::post, http::verb::put});
    if (call.method() == http::verb::get) {
      json list = json::array();
      for (const auto& asset : repository_.listAssets(project.id)) list.push_back(toJson(asset));
      return reply(call, http::status::ok, {{"assets", std::move(list)}});
    }
    // Normally HttpServer streams uploads to a file itself; a body that arrived in memory
    // (direct calls in tests) takes the same path through a file.
    const auto file = blobs_.newUploadPath();
    std::ofstream{file, std::ios::binary}.write(call.body.data(), static_cast<std::streamsize>(call.body.size()));
    auto response = finishUpload(call, file);
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    return response;
  }
  if (s.size() == 4) {
    requireMethod(call, {http::verb::get, http::verb::delete_});
    if (call.method() == http::verb::delete_) {
      if (project.role < Role::editor) throw ApiError("forbidden", "Viewers cannot change this project", 403);
      if (!repository_.detachAsset(project.id, s[3])) throw ApiError("asset_not_found", "No such asset", 404);
      return noContent(call);
    }
    return downloadAsset(call, project, s[3]);
  }
  throw ApiError("not_found", "No such assets endpoint", 404);
}

Response Api::downloadAsset(Call& call, const store::Project& project, const std::string& sha256) {
  const ApiError notFound{"asset_not_found", "No such asset", 404};
  if (!isSha256Hex(sha256)) throw notFound;
  const auto asset = repository_.findAsset(project.id, sha256);
  if (!asset) throw notFound;
  const auto path = blobs_.pathOf(sha256);
  if (!path) {
    spdlog::error("asset {} is in the database but not on disk", sha256);
    throw notFound;
  }
  // The URL names the content, so it can never change; private because access is checked.
  return sendFile(call, *path, mimeTypeOfAudioFormat(asset->format), fmt::format("\"{}\"", sha256),
                  "private, max-age=31536000, immutable", notFound);
}

Response Api::sendFile(Call& call, const std::filesystem::path& path, std::string_view contentType, const std::string& tag,
                       std::string_view cacheControl, const ApiError& notFound) {
  boost::beast::error_code error;
  boost::beast::file file;
  file.open(path.c_str(), boost::beast::file_mode::scan, error);
  if (error) throw notFound;
  const auto size = file.size(error);
  const auto describe = [&](auto& response) {
    applyStandardHeaders(response.base());
    response.set(http::field::etag, tag);
    response.set(http::field::cache_control, cacheControl);
    response.set(http::field::accept_ranges, "bytes");
    response.set(http::field::content_type, contentType);
    response.keep_alive(wantsKeepAlive(call.header));
  };

  if (const auto ifNoneMatch = call.header[http::field::if_none_match];
      !ifNoneMatch.empty() && matchesEntityTag(ifNoneMatch, tag)) {
    StringResponse notModified{http::status::not_modified, call.header.version()};
    describe(notModified);
    notModified.erase(http::field::content_type);
    return notModified;
  }

  std::uint64_t first = 0, length = size;
  auto status = http::status::ok;
  const auto ifRange = call.header[http::field::if_range];
  const auto range = ifRange.empty() || ifRange == tag ? parseRange(call.header[http::field::range], size)
                                                       : decltype(parseRange("", 0)){};
  if (std::holds_alternative<UnsatisfiableRange>(range)) {
    ApiError unsatisfiable{"range_not_satisfiable", fmt::format("The file has {} bytes", size), 416};
    unsatisfiable.headers.emplace_back("Content-Range", fmt::format("bytes */{}", size));
    throw unsatisfiable;
  }
  if (const auto* byteRange = std::get_if<ByteRange>(&range)) {
    first = byteRange->first;
    length = byteRange->length;
    status = http::status::partial_content;
  }

  if (call.method() == http::verb::head) {
    StringResponse head{status, call.header.version()};
    describe(head);
    if (status == http::status::partial_content)
      head.set(http::field::content_range, fmt::format("bytes {}-{}/{}", first, first + length - 1, size));
    head.content_length(length);
    return head;
  }
  FileRangeResponse response{status, call.header.version()};
  describe(response);
  if (status == http::status::partial_content)
    response.set(http::field::content_range, fmt::format("bytes {}-{}/{}", first, first + length - 1, size));
  response.body().file = std::move(file);
  response.body().offset = first;
  response.body().length = length;
  response.prepare_payload();
  return response;
}

}  // namespace amplitude::server::api
