#pragma once
// Everything the API stores, as operations in the musician's words; every SQL statement of the
// server lives in Repository.cpp, parameterised, written once for SQLite and PostgreSQL.
//
// Thread rules: every method blocks on the database; call it from the worker pool only. Times
// are milliseconds since the Unix epoch, passed in by the caller (so tests control the clock).
#include "amplitude/server/store/Database.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace amplitude::server::store {

struct Account {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string passwordHash;
  std::int64_t createdAt = 0;
};

struct Session {
  std::int64_t id = 0;
  std::string csrfToken;
  std::int64_t expiresAt = 0;
  Account account;
};

/// The key a username or email is found by: ASCII case-folded, so "Ada" and "ada" are one.
std::string loginKey(std::string_view login);

enum class Role { viewer = 1, editor = 2, owner = 3 };
std::string_view roleName(Role role);
std::optional<Role> memberRoleFromName(std::string_view name);  ///< "editor" or "viewer" only

/// A project as one caller sees it (their role included).
struct Project {
  std::int64_t id = 0;
  std::string name;
  std::int64_t ownerId = 0;
  std::string ownerName;
  Role role = Role::viewer;
  std::int64_t headRevision = 0;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;
  std::optional<std::int64_t> deletedAt;
};

struct Revision {
  std::int64_t number = 0;
  std::int64_t authorId = 0;
  std::string authorName;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> restoredFrom;
  std::int64_t documentLength = 0;  ///< in characters
  std::string document;  ///< empty in listings
  std::optional<std::string> message;  ///< "live edit" for revisions made over the live channel
};

struct Member {
  std::int64_t accountId = 0;
  std::string username;
  Role role = Role::viewer;
};

struct Asset {
  std::string sha256;
  std::int64_t size = 0;
  std::string format;
  std::string name;
  std::int64_t addedBy = 0;
  std::int64_t addedAt = 0;
};

struct Saved {
  std::int64_t revision;
};
struct StaleBase {
  std::int64_t currentRevision;
};
using SaveOutcome = std::variant<Saved, StaleBase>;

/// A committed live edit (see live/ and docs/collaboration.md): the ops exactly as sent.
struct LiveOperation {
  std::int64_t revision = 0;
  std::string clientId;
  std::int64_t seq = 0;
  std::int64_t authorId = 0;
  std::string authorName;
  std::string ops;  ///< JSON array text
};

/// The head and the live operations after some revision, oldest first.
struct LiveHistory {
  std::int64_t headRevision = 0;
  std::vector<LiveOperation> operations;  ///< revision in (after, headRevision], at most `limit`
  bool deleted = false;                   ///< the project was deleted (or never existed)
};

struct LiveEdit {
  std::int64_t projectId = 0;
  std::string clientId;
  std::int64_t seq = 0;
  std::int64_t authorId = 0;
  std::string ops;  ///< JSON array text, stored as is
  std::int64_t now = 0;
};
/// What the edit makes of the head: the new document's text, or nullopt when the edit is refused
/// (the caller keeps why). `headDocument()` loads the head's text (call it only when needed).
/// Runs inside the transaction, under the project's row lock; may run twice on PostgreSQL (a
/// connection lost before COMMIT), so it must only compute.
using Rebase = std::function<std::optional<std::string>(std::int64_t headRevision,
                                                        const std::function<std::string()>& headDocument)>;
struct LiveCommitted {
  std::int64_t revision;
};
/// This (clientId, seq) was committed before, at `revision`: acknowledge again, apply nothing.
struct LiveDuplicate {
  std::int64_t revision;
};
struct LiveRefused {};
/// The author is no longer an editor, or the project was deleted.
struct LiveForbidden {};
/// The (clientId, seq) belongs to another account's edit.
struct LiveClientIdTaken {};
using LiveEditOutcome = std::variant<LiveCommitted, LiveDuplicate, LiveRefused, LiveForbidden, LiveClientIdTaken>;

class Repository {
public:
  explicit Repository(Database& database) : db_(database) {}

  Database& database() { return db_; }

  // Accounts and sessions. Keys are the case-folded username and email.
  std::optional<Account> createAccount(const std::string& username, const std::string& email,
                                       const std::string& passwordHash, std::int64_t now);
  /// By loginKey() of a username or email.
  std::optional<Account> findAccountByLogin(const std::string& key);
  void updatePasswordHash(std::int64_t accountId, const std::string& passwordHash);
  /// Sets the hash and revokes every other session of the account, in one transaction.
  void changePassword(std::int64_t accountId, const std::string& passwordHash,
                      std::int64_t keepSessionId, std::int64_t now);
  Session createSession(const Account& account, const std::string& tokenHash,
                        const std::string& csrfToken, std::int64_t now, std::int64_t expiresAt);
  /// Only a live session: not revoked, not expired at `now`.
  std::optional<Session> findLiveSession(const std::string& tokenHash, std::int64_t now);
  void revokeSession(std::int64_t sessionId, std::int64_t now);

  // Projects and revisions.
  Project createProject(std::int64_t ownerId, const std::string& name, const std::string& document,
                        std::int64_t now);
  /// Mine and shared with me, excluding deleted ones; or, with `deleted`, my deleted ones.
  std::vector<Project> listProjects(std::int64_t accountId, bool deleted);
  /// nullopt when the account is neither owner nor member (deleted projects included).
  std::optional<Project> findProject(std::int64_t projectId, std::int64_t accountId);
  void renameProject(std::int64_t projectId, const std::string& name, std::int64_t now);
  void setDeleted(std::int64_t projectId, std::optional<std::int64_t> deletedAt, std::int64_t now);
  /// A new project owned by `ownerId` whose revision 1 is the source's head; assets come along.
  Project duplicateProject(std::int64_t sourceId, std::int64_t ownerId, const std::string& name,
                           std::int64_t now);
  /// Appends a revision if `baseRevision` is still the head (compare-and-set on the head).
  SaveOutcome saveRevision(std::int64_t projectId, std::int64_t baseRevision, const std::string& document,
                           std::int64_t authorId, std::int64_t now,
                           std::optional<std::int64_t> restoredFrom = std::nullopt);
  std::vector<Revision> listRevisions(std::int64_t projectId);
  /// In one transaction: locks the project's head, returns the earlier outcome of a retried
  /// (clientId, seq), checks the author may still edit, asks `rebase` for the new document and
  /// stores it as the next revision with its operation row (and, on PostgreSQL, notifies the
  /// other servers: NOTIFY amplitude_ops '<projectId>:<revision>').
  LiveEditOutcome commitLiveEdit(const LiveEdit& edit, const Rebase& rebase);
  /// The head and up to `limit` live operations with revision in (afterRevision, upTo or head].
  LiveHistory liveHistory(std::int64_t projectId, std::int64_t afterRevision,
                          std::optional<std::int64_t> upTo, std::int64_t limit);
  /// Counts the operation rows of a project (tests, diagnostics).
  std::int64_t countLiveOperations(std::int64_t projectId);
  std::optional<Revision> findRevision(std::int64_t projectId, std::int64_t number);

  // Sharing.
  std::vector<Member> listMembers(std::int64_t projectId);
  /// Adds or changes a member; returns true when newly added.
  bool putMember(std::int64_t projectId, std::int64_t accountId, Role role, std::int64_t now);
  bool removeMember(std::int64_t projectId, std::int64_t accountId);

  // Audio assets: content-addressed blobs attached to projects.
  /// Records the blob (once) and attaches it; returns false if the project already had it.
  bool attachAsset(std::int64_t projectId, const Asset& asset, std::int64_t now);
  std::vector<Asset> listAssets(std::int64_t projectId);
  std::optional<Asset> findAsset(std::int64_t projectId, const std::string& sha256);
  bool detachAsset(std::int64_t projectId, const std::string& sha256);

private:
  Database& db_;
};

}  // namespace amplitude::server::store
