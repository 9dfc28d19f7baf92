// Projects, their revisions and their members. The caller's role decides everything: owner >
// editor > viewer; a project the caller cannot see is a 404, whether it exists or not.
//
//   GET    /api/projects[?deleted=true]                 mine + shared (or my deleted)   200
//   POST   /api/projects                                create {name, document?}        201
//   GET    /api/projects/{id}                           project + head document         200
//   PATCH  /api/projects/{id}                           rename {name}        (editor)   200
//   DELETE /api/projects/{id}                           soft delete           (owner)   204
//   POST   /api/projects/{id}/restore                   undelete              (owner)   200
//   POST   /api/projects/{id}/duplicate                 copy as mine {name?}            201
//   GET    /api/projects/{id}/document                  head revision + document        200
//   PUT    /api/projects/{id}/document                  save {baseRevision, document}   201, 409
//   GET    /api/projects/{id}/revisions                 history, newest first           200
//   GET    /api/projects/{id}/revisions/{n}             an old revision's document      200
//   POST   /api/projects/{id}/revisions/{n}/restore     as a new revision    (editor)   201, 409
//   GET    /api/projects/{id}/live                      WebSocket: live editing (docs/collaboration.md)
//   GET    /api/projects/{id}/members                   owner and members               200
//   POST   /api/projects/{id}/members                   invite {user, role}   (owner)   201, 200
//   DELETE /api/projects/{id}/members/{accountId}       revoke (owner) or leave (self)  204
#include "amplitude/server/api/Api.h"

#include <fmt/format.h>

#include <charconv>

namespace amplitude::server::api {

using nlohmann::json;
using store::Role;

namespace {

constexpr std::size_t kMaxNameChars = 200;

/// Ids in paths: 1 to 18 digits, anything else is simply not found.
std::optional<std::int64_t> parseId(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::string requireName(const json& body, std::string_view field = "name") {
  auto name = requireString(body, field);
  if (!isDisplayName(name, kMaxNameChars))
    throw ApiError("invalid_name", fmt::format("'{}' needs 1 to {} characters and no control characters", field,
                                               kMaxNameChars));
  return name;
}

std::string documentResponse(const store::Project& project, const store::Revision& revision) {
  // The stored text is our own serialisation of a validated object: splice it in as is.
  return fmt::format(R"({{"project":{},"revision":{},"document":{}}})", toJson(project).dump(),
                     toJson(revision).dump(), revision.document);
}

ApiError staleBase(std::int64_t current) {
  ApiError conflict{"stale_revision",
                    fmt::format("The project has changed since your base revision; the current revision is {}", current),
                    409};
  conflict.details["currentRevision"] = current;
  return conflict;
}

}  // namespace

Response Api::projects(Call& call) {
  const auto& s = call.segments;
  if (s.size() == 1) requireMethod(call, {http::verb::get, http::verb::post});
  const auto caller = authenticate(call);
  requireCsrf(call, caller);
  if (s.size() >= 2) {
    const auto id = parseId(s[1]);
    if (!id) throw ApiError("project_not_found", "No such project", 404);
    return project(call, caller, *id);
  }
  if (call.method() == http::verb::post) {
    const auto body = jsonBody(call);
    requireObject(body);
    const auto name = requireName(body);
    std::string document = "{}";
    if (const auto found = body.find("document"); found != body.end()) {
      requireObject(*found, "'document'");
      document = found->dump();
      if (document.size() > config_.maxDocumentBytes)
        throw ApiError("document_too_large", "The project document is too large", 413);
    }
    const auto created = repository_.createProject(caller.account().id, name, document, now());
    return reply(call, http::status::created, {{"project", toJson(created)}});
  }
  const bool deleted = queryParameter(call.query, "deleted") == std::optional<std::string>{"true"};
  json list = json::array();
  for (const auto& p : repository_.listProjects(caller.account().id, deleted)) list.push_back(toJson(p));
  return reply(call, http::status::ok, {{"projects", std::move(list)}});
}

Response Api::project(Call& call, const Caller& caller, std::int64_t projectId) {
  const auto& s = call.segments;
  const auto me = caller.account().id;
  if (s.size() == 2) {
    requireMethod(call, {http::verb::get, http::verb::patch, http::verb::delete_});
    if (call.method() == http::verb::delete_) {
      requireProject(caller, projectId, Role::owner);
      repository_.setDeleted(projectId, now(), now());
      return noContent(call);
    }
    if (call.method() == http::verb::patch) {
      requireProject(caller, projectId, Role::editor);
      const auto body = jsonBody(call);
      requireObject(body);
      repository_.renameProject(projectId, requireName(body), now());
      return reply(call, http::status::ok, {{"project", toJson(requireProject(caller, projectId, Role::viewer))}});
    }
    const auto p = requireProject(caller, projectId, Role::viewer);
    return replyRaw(call, http::status::ok, documentResponse(p, *repository_.findRevision(projectId, p.headRevision)));
  }

  const auto& what = s[2];
  if (s.size() == 3 && what == "restore") {
    requireMethod(call, {http::verb::post});
    const auto p = requireProject(caller, projectId, Role::owner, true);
    if (p.deletedAt) repository_.setDeleted(projectId, std::nullopt, now());
    return reply(call, http::status::ok, {{"project", toJson(requireProject(caller, projectId, Role::owner))}});
  }
  if (s.size() == 3 && what == "duplicate") {
    requireMethod(call, {http::verb::post});
    const auto p = requireProject(caller, projectId, Role::viewer);  // a viewer may take a copy
    const auto body = call.body.empty() ? json::object() : jsonBody(call);
    requireObject(body);
    const auto name = body.contains("name") ? requireName(body) : p.name.substr(0, kMaxNameChars - 8) + " (copy)";
    const auto copy = repository_.duplicateProject(projectId, me, isDisplayName(name, kMaxNameChars) ? name : "Copy", now());
    return reply(call, http::status::created, {{"project", toJson(copy)}});
  }
  if (s.size() == 3 && what == "document") {
    requireMethod(call, {http::verb::get, http::verb::put});
    if (call.method() == http::verb::get) {
      const auto p = requireProject(caller, projectId, Role::viewer);
      return replyRaw(call, http::status::ok, documentResponse(p, *repository_.findRevision(projectId, p.headRevision)));
    }
    requireProject(caller, projectId, Role::editor);
    const auto body = jsonBody(call);
    requireObject(body);
    const auto base = requireInteger(body, "baseRevision");
    if (!body.contains("document")) throw ApiError("missing_field", "'document' is required");
    const auto document = requireObject(body.at("document"), "'document'").dump();
    if (document.size() > config_.maxDocumentBytes)
      throw ApiError("document_too_large",
                     fmt::format("The project document is larger than {} bytes", config_.maxDocumentBytes), 413);
    const auto outcome = repository_.saveRevision(projectId, base, document, me, now());
    if (const auto* stale = std::get_if<store::StaleBase>(&outcome)) throw staleBase(stale->currentRevision);
    if (config_.onRevisionSaved) config_.onRevisionSaved(projectId);
    return reply(call, http::status::created, {{"revision", std::get<store::Saved>(outcome).revision}});
  }
  if (s.size() == 3 && what == "live") {
    requireProject(caller, projectId, Role::viewer);  // strangers learn nothing, as everywhere
    ApiError upgrade{"upgrade_required", "The live channel is a WebSocket: send Upgrade: websocket", 426};
    upgrade.headers.emplace_back("Upgrade", "websocket");
    throw upgrade;
  }
  if (what == "revisions") return revisions(call, caller, requireProject(caller, projectId, Role::viewer));
  if (what == "members") return members(call, caller, requireProject(caller, projectId, Role::viewer));
  if (what == "assets") return assets(call, caller, requireProject(caller, projectId, Role::viewer));
  throw ApiError("not_found", "No such project endpoint", 404);
}

Response Api::revisions(Call& call, const Caller& caller, const store::Project& project) {
  const auto& s = call.segments;
  if (s.size() == 3) {
    requireMethod(call, {http::verb::get});
    json list = json::array();
    for (const auto& revision : repository_.listRevisions(project.id)) list.push_back(toJson(revision));
    return reply(call, http::status::ok, {{"revisions", std::move(list)}});
  }
  const auto number = parseId(s[3]);
  const auto revision = number ? repository_.findRevision(project.id, *number) : std::nullopt;
  if (s.size() == 4) {
    requireMethod(call, {http::verb::get});
    if (!revision) throw ApiError("revision_not_found", "No such revision", 404);
    return replyRaw(call, http::status::ok, documentResponse(project, *revision));
  }
  if (s.size() == 5 && s[4] == "restore") {
    requireMethod(call, {http::verb::post});
    if (project.role < Role::editor) throw ApiError("forbidden", "Viewers cannot change this project", 403);
    if (!revision) throw ApiError("revision_not_found", "No such revision", 404);
    const auto body = call.body.empty() ? json::object() : jsonBody(call);
    requireObject(body);
    const auto base = optionalInteger(body, "baseRevision").value_or(project.headRevision);
    const auto outcome =
        repository_.saveRevision(project.id, base, revision->document, caller.account().id, now(), revision->number);
    if (const auto* stale = std::get_if<store::StaleBase>(&outcome)) throw staleBase(stale->currentRevision);
    if (config_.onRevisionSaved) config_.onRevisionSaved(project.id);
    return reply(call, http::status::created,
                 {{"revision", std::get<store::Saved>(outcome).revision}, {"restoredFrom", revision->number}});
  }
  if (s.size() >= 5 && s[4] == "render") {
    if (!revision) throw ApiError("revision_not_found", "No such revision", 404);
    return renders(call, project, *revision);
  }
  throw ApiError("not_found", "No such revisions endpoint", 404);
}

Response Api::renders(Call& call, const store::Project& project, const store::Revision& revision) {
  // POST .../render starts (or finds) the mix of this revision; GET .../render says how far it
  // is; GET .../render/audio is the WAV once it is done. Anyone who may open the project may
  // export it, so viewers may render too.
  if (config_.renderer == nullptr) throw ApiError("render_unavailable", "This server does not render projects", 503);
  const auto& s = call.segments;
  const auto statusJson = [&](const render::RenderStatus& status) {
    json body{{"state", render::toString(status.state)}, {"progress", status.progress}};
    if (!status.error.empty()) body["error"] = status.error;
    if (status.state == render::RenderStatus::State::Done) {
      body["audio"] = fmt::format("/api/projects/{}/revisions/{}/render/audio", project.id, revision.number);
    }
    return json{{"render", body}, {"revision", revision.number}};
  };
  if (s.size() == 5) {
    requireMethod(call, {http::verb::get, http::verb::post});
    if (call.method() == http::verb::post) {
      const auto status = config_.renderer->request(project.id, revision.number, revision.document);
      if (status.state == render::RenderStatus::State::Failed && status.error.find("queue is full") != std::string::npos) {
        throw ApiError("render_queue_full", status.error, 503);
      }
      return reply(call, status.state == render::RenderStatus::State::Done ? http::status::ok : http::status::accepted,
                   statusJson(status));
    }
    const auto status = config_.renderer->status(project.id, revision.number);
    if (!status) throw ApiError("render_not_found", "This revision has not been rendered: POST to start", 404);
    return reply(call, http::status::ok, statusJson(*status));
  }
  if (s.size() == 6 && s[5] == "audio") {
    requireMethod(call, {http::verb::get});
    const auto status = config_.renderer->status(project.id, revision.number);
    if (!status || status->state != render::RenderStatus::State::Done) {
      throw ApiError("render_not_ready", "The render of this revision is not finished", 409);
    }
    // A revision never changes, so its mix never does.
    return sendFile(call, status->file, "audio/wav", fmt::format("\"render-{}-{}\"", project.id, revision.number),
                    "private, max-age=31536000, immutable", ApiError("render_not_found", "The rendered file is gone", 404));
  }
  throw ApiError("not_found", "No such render endpoint", 404);
}

Response Api::members(Call& call, const Caller& caller, const store::Project& project) {
  const auto& s = call.segments;
  if (s.size() == 3) {
    requireMethod(call, {http::verb::get, http::verb::post});
    if (call.method() == http::verb::get) {
      json list = json::array();
      for (const auto& member : repository_.listMembers(project.id)) list.push_back(toJson(member));
      return reply(call, http::status::ok, {{"members", std::move(list)}});
    }
    if (project.role != Role::owner) throw ApiError("forbidden", "Only the project's owner can share it", 403);
    const auto body = jsonBody(call);
    requireObject(body);
    const auto user = requireString(body, "user");
    const auto role = store::memberRoleFromName(requireString(body, "role"));
    if (!role) throw ApiError("invalid_role", "'role' must be \"editor\" or \"viewer\"");
    const auto account = user.size() <= 254 ? repository_.findAccountByLogin(store::loginKey(user)) : std::nullopt;
    if (!account) throw ApiError("account_not_found", "No account with that username or email", 404);
    if (account->id == project.ownerId) throw ApiError("already_owner", "The owner is always a member");
    const bool added = repository_.putMember(project.id, account->id, *role, now());
    return reply(call, added ? http::status::created : http::status::ok,
                 {{"member", toJson(store::Member{account->id, account->username, *role})}});
  }
  if (s.size() == 4) {
    requireMethod(call, {http::verb::delete_});
    const auto accountId = parseId(s[3]);
    const bool self = accountId && *accountId == caller.account().id;
    if (project.role != Role::owner && !self)
      throw ApiError("forbidden", "Only the project's owner can remove other members", 403);
    if (!accountId || !repository_.removeMember(project.id, *accountId))
      throw ApiError("member_not_found", "That account is not a member of this project", 404);
    return noContent(call);
  }
  throw ApiError("not_found", "No such members endpoint", 404);
}

}  // namespace amplitude::server::api
