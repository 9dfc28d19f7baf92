// Every SQL statement of the server. Placeholders are $1..$n (both engines accept them; SQLite
// binds them by name). Bare parameters in a SELECT list are written CAST($n AS BIGINT) because
// PostgreSQL cannot infer their type there.
#include "amplitude/server/store/Repository.h"

#include <stdexcept>

namespace amplitude::server::store {

namespace {

constexpr auto kWrite = TransactionKind::write;
constexpr auto kRead = TransactionKind::read;

Role roleFromColumn(const std::string& text) {
  if (text == "owner") return Role::owner;
  if (text == "editor") return Role::editor;
  if (text == "viewer") return Role::viewer;
  throw std::logic_error("unknown role in the database: " + text);
}

Account accountFrom(const SqlRow& row, std::size_t first = 0) {
  return Account{row.integer(first), row.text(first + 1), row.text(first + 2), row.text(first + 3),
                 row.integer(first + 4)};
}
constexpr std::string_view kAccountColumns = "a.id, a.username, a.email, a.password_hash, a.created_at";

// Columns for projectFrom(); $1 is the caller's account id.
constexpr std::string_view kProjectSelect = R"(
  SELECT p.id, p.name, p.owner_id, o.username,
         CASE WHEN p.owner_id = $1 THEN 'owner' ELSE m.role END,
         p.head_revision, p.created_at, p.updated_at, p.deleted_at
  FROM projects p
  JOIN accounts o ON o.id = p.owner_id
  LEFT JOIN project_members m ON m.project_id = p.id AND m.account_id = $1
)";

Project projectFrom(const SqlRow& row) {
  return Project{row.integer(0), row.text(1),    row.integer(2), row.text(3),
                 roleFromColumn(row.text(4)),    row.integer(5), row.integer(6),
                 row.integer(7), row.optionalInteger(8)};
}

std::string sql(std::string_view a, std::string_view b) { return std::string{a} + std::string{b}; }

std::optional<std::string> optionalText(const SqlRow& row, std::size_t column) {
  if (row.isNull(column)) return std::nullopt;
  return row.text(column);
}

/// Other server processes listen on this channel (live/LiveHub.h); the notification is only
/// delivered if the transaction commits. SQLite has one process: the caller tells its hub.
void notifyLiveChannel(SqlTransaction& tx, SqlDialect dialect, std::int64_t projectId, std::int64_t revision) {
  if (dialect != SqlDialect::postgres) return;
  tx.query("SELECT pg_notify('amplitude_ops', $1)", {std::to_string(projectId) + ":" + std::to_string(revision)});
}

Project insertProject(SqlTransaction& tx, std::int64_t ownerId, const std::string& name,
                      const std::string& document, std::int64_t now) {
  const auto id = tx.query(R"(INSERT INTO projects (owner_id, name, head_revision, created_at, updated_at)
                              VALUES ($1, $2, 1, $3, $3) RETURNING id)",
                           {ownerId, name, now})
                      .at(0)
                      .integer(0);
  tx.query(R"(INSERT INTO project_revisions (project_id, number, author_id, created_at, document)
              VALUES ($1, 1, $2, $3, $4))",
           {id, ownerId, now, document});
  return projectFrom(tx.query(sql(kProjectSelect, "WHERE p.id = $2"), {ownerId, id}).at(0));
}

}  // namespace

std::string loginKey(std::string_view login) {
  // ASCII folding only, identical in both engines (SQLite's LOWER() and PostgreSQL's differ
  // beyond ASCII); usernames are ASCII, and an email's non-ASCII bytes stay as typed.
  std::string key{login};
  for (auto& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return key;
}

std::string_view roleName(Role role) {
  switch (role) {
    case Role::owner: return "owner";
    case Role::editor: return "editor";
    case Role::viewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> memberRoleFromName(std::string_view name) {
  if (name == "editor") return Role::editor;
  if (name == "viewer") return Role::viewer;
  return std::nullopt;
}

// ---- accounts and sessions ----------------------------------------------------------------

std::optional<Account> Repository::createAccount(const std::string& username, const std::string& email,
                                                 const std::string& passwordHash, std::int64_t now) {
  std::optional<Account> created;
  try {
    db_.transact(kWrite, [&](SqlTransaction& tx) {
      const auto rows = tx.query(
          R"(INSERT INTO accounts (username, username_key, email, email_key, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, username, email, password_hash, created_at)",
          {username, loginKey(username), email, loginKey(email), passwordHash, now});
      created = accountFrom(rows.at(0));
    });
  } catch (const UniqueViolation&) {
    return std::nullopt;  // the username or the email is taken
  }
  return created;
}

std::optional<Account> Repository::findAccountByLogin(const std::string& key) {
  std::optional<Account> found;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(
        sql(sql("SELECT ", kAccountColumns), " FROM accounts a WHERE a.username_key = $1 OR a.email_key = $1"),
        {key});
    if (!rows.empty()) found = accountFrom(rows.front());
  });
  return found;
}

void Repository::updatePasswordHash(std::int64_t accountId, const std::string& passwordHash) {
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    tx.query("UPDATE accounts SET password_hash = $2 WHERE id = $1", {accountId, passwordHash});
  });
}

void Repository::changePassword(std::int64_t accountId, const std::string& passwordHash,
                                std::int64_t keepSessionId, std::int64_t now) {
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    tx.query("UPDATE accounts SET password_hash = $2 WHERE id = $1", {accountId, passwordHash});
    tx.query(R"(UPDATE sessions SET revoked_at = $3
                WHERE account_id = $1 AND id <> $2 AND revoked_at IS NULL)",
             {accountId, keepSessionId, now});
  });
}

Session Repository::createSession(const Account& account, const std::string& tokenHash,
                                  const std::string& csrfToken, std::int64_t now, std::int64_t expiresAt) {
  Session session{0, csrfToken, expiresAt, account};
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    session.id = tx.query(R"(INSERT INTO sessions (account_id, token_hash, csrf_token, created_at, expires_at)
                             VALUES ($1, $2, $3, $4, $5) RETURNING id)",
                          {account.id, tokenHash, csrfToken, now, expiresAt})
                     .at(0)
                     .integer(0);
  });
  return session;
}

std::optional<Session> Repository::findLiveSession(const std::string& tokenHash, std::int64_t now) {
  std::optional<Session> found;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(sql(sql("SELECT s.id, s.csrf_token, s.expires_at, ", kAccountColumns),
                                   R"( FROM sessions s JOIN accounts a ON a.id = s.account_id
                                       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2)"),
                               {tokenHash, now});
    if (!rows.empty()) {
      const auto& row = rows.front();
      found = Session{row.integer(0), row.text(1), row.integer(2), accountFrom(row, 3)};
    }
  });
  return found;
}

void Repository::revokeSession(std::int64_t sessionId, std::int64_t now) {
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    tx.query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", {sessionId, now});
  });
}

// ---- projects and revisions ---------------------------------------------------------------

Project Repository::createProject(std::int64_t ownerId, const std::string& name,
                                  const std::string& document, std::int64_t now) {
  Project project;
  db_.transact(kWrite, [&](SqlTransaction& tx) { project = insertProject(tx, ownerId, name, document, now); });
  return project;
}

std::vector<Project> Repository::listProjects(std::int64_t accountId, bool deleted) {
  std::vector<Project> projects;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(
        sql(kProjectSelect, deleted ? "WHERE p.owner_id = $1 AND p.deleted_at IS NOT NULL "
                                      "ORDER BY p.deleted_at DESC, p.id DESC"
                                    : "WHERE (p.owner_id = $1 OR m.account_id IS NOT NULL) AND p.deleted_at IS NULL "
                                      "ORDER BY p.updated_at DESC, p.id DESC"),
        {accountId});
    projects.clear();
    for (const auto& row : rows) projects.push_back(projectFrom(row));
  });
  return projects;
}

std::optional<Project> Repository::findProject(std::int64_t projectId, std::int64_t accountId) {
  std::optional<Project> found;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(
        sql(kProjectSelect, "WHERE p.id = $2 AND (p.owner_id = $1 OR m.account_id IS NOT NULL)"),
        {accountId, projectId});
    if (!rows.empty()) found = projectFrom(rows.front());
  });
  return found;
}

void Repository::renameProject(std::int64_t projectId, const std::string& name, std::int64_t now) {
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    tx.query("UPDATE projects SET name = $2, updated_at = $3 WHERE id = $1", {projectId, name, now});
  });
}

void Repository::setDeleted(std::int64_t projectId, std::optional<std::int64_t> deletedAt, std::int64_t now) {
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    SqlParams params{projectId, nullptr, now};
    if (deletedAt) params[1] = *deletedAt;
    tx.query("UPDATE projects SET deleted_at = $2, updated_at = $3 WHERE id = $1", params);
  });
}

Project Repository::duplicateProject(std::int64_t sourceId, std::int64_t ownerId, const std::string& name,
                                     std::int64_t now) {
  Project copy;
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    const auto head = tx.query(R"(SELECT r.document FROM projects p
                                  JOIN project_revisions r ON r.project_id = p.id AND r.number = p.head_revision
                                  WHERE p.id = $1)",
                               {sourceId});
    copy = insertProject(tx, ownerId, name, head.at(0).text(0), now);
    tx.query(R"(INSERT INTO project_assets (project_id, sha256, name, added_by, added_at)
                SELECT CAST($1 AS BIGINT), sha256, name, CAST($2 AS BIGINT), CAST($3 AS BIGINT)
                FROM project_assets WHERE project_id = $4)",
             {copy.id, ownerId, now, sourceId});
  });
  return copy;
}

SaveOutcome Repository::saveRevision(std::int64_t projectId, std::int64_t baseRevision,
                                     const std::string& document, std::int64_t authorId, std::int64_t now,
                                     std::optional<std::int64_t> restoredFrom) {
  SaveOutcome outcome = StaleBase{0};
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    // Compare-and-set on the head: of two concurrent saves from the same base exactly one
    // matches (PostgreSQL re-checks the WHERE after the row lock; SQLite has one writer).
    const auto bumped = tx.query(R"(UPDATE projects SET head_revision = head_revision + 1, updated_at = $3
                                    WHERE id = $1 AND head_revision = $2 RETURNING head_revision)",
                                 {projectId, baseRevision, now});
    if (bumped.empty()) {
      outcome = StaleBase{tx.query("SELECT head_revision FROM projects WHERE id = $1", {projectId}).at(0).integer(0)};
      return;
    }
    const auto number = bumped.front().integer(0);
    SqlParams params{projectId, number, authorId, now, nullptr, document};
    if (restoredFrom) params[4] = *restoredFrom;
    tx.query(R"(INSERT INTO project_revisions (project_id, number, author_id, created_at, restored_from, document)
                VALUES ($1, $2, $3, $4, $5, $6))",
             params);
    notifyLiveChannel(tx, db_.dialect(), projectId, number);
    outcome = Saved{number};
  });
  return outcome;
}

std::vector<Revision> Repository::listRevisions(std::int64_t projectId) {
  std::vector<Revision> revisions;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(R"(SELECT r.number, r.author_id, a.username, r.created_at, r.restored_from,
                                         LENGTH(r.document), r.message
                                  FROM project_revisions r JOIN accounts a ON a.id = r.author_id
                                  WHERE r.project_id = $1 ORDER BY r.number DESC)",
                               {projectId});
    revisions.clear();
    for (const auto& row : rows)
      revisions.push_back(Revision{row.integer(0), row.integer(1), row.text(2), row.integer(3),
                                   row.optionalInteger(4), row.integer(5), {}, optionalText(row, 6)});
  });
  return revisions;
}

std::optional<Revision> Repository::findRevision(std::int64_t projectId, std::int64_t number) {
  std::optional<Revision> found;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(R"(SELECT r.number, r.author_id, a.username, r.created_at, r.restored_from,
                                         LENGTH(r.document), r.document, r.message
                                  FROM project_revisions r JOIN accounts a ON a.id = r.author_id
                                  WHERE r.project_id = $1 AND r.number = $2)",
                               {projectId, number});
    if (!rows.empty()) {
      const auto& row = rows.front();
      found = Revision{row.integer(0), row.integer(1), row.text(2), row.integer(3),
                       row.optionalInteger(4), row.integer(5), row.text(6), optionalText(row, 7)};
    }
  });
  return found;
}

// ---- live editing -------------------------------------------------------------------------

LiveEditOutcome Repository::commitLiveEdit(const LiveEdit& edit, const Rebase& rebase) {
  LiveEditOutcome outcome = LiveRefused{};
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    // A no-op UPDATE takes the project's row lock (SQLite: the write lock taken at BEGIN), so
    // the head read here stays the head until we commit: edits from every process serialise.
    const auto locked = tx.query(R"(UPDATE projects SET head_revision = head_revision
                                    WHERE id = $1 AND deleted_at IS NULL RETURNING head_revision, owner_id)",
                                 {edit.projectId});
    if (locked.empty()) {
      outcome = LiveForbidden{};
      return;
    }
    const auto head = locked.front().integer(0);
    const auto earlier = tx.query(R"(SELECT revision, author_id FROM project_operations
                                     WHERE project_id = $1 AND client_id = $2 AND seq = $3)",
                                  {edit.projectId, edit.clientId, edit.seq});
    if (!earlier.empty()) {
      if (earlier.front().integer(1) == edit.authorId)
        outcome = LiveDuplicate{earlier.front().integer(0)};
      else
        outcome = LiveClientIdTaken{};
      return;
    }
    // Roles can change while a socket stays open: check at every commit.
    if (locked.front().integer(1) != edit.authorId &&
        tx.query(R"(SELECT 1 FROM project_members WHERE project_id = $1 AND account_id = $2 AND role = 'editor')",
                 {edit.projectId, edit.authorId})
            .empty()) {
      outcome = LiveForbidden{};
      return;
    }
    const auto document = rebase(head, [&] {
      return tx.query("SELECT document FROM project_revisions WHERE project_id = $1 AND number = $2",
                      {edit.projectId, head})
          .at(0)
          .text(0);
    });
    if (!document) {
      outcome = LiveRefused{};
      return;
    }
    const auto number = head + 1;
    tx.query("UPDATE projects SET head_revision = $2, updated_at = $3 WHERE id = $1",
             {edit.projectId, number, edit.now});
    tx.query(R"(INSERT INTO project_revisions (project_id, number, author_id, created_at, document, message)
                VALUES ($1, $2, $3, $4, $5, 'live edit'))",
             {edit.projectId, number, edit.authorId, edit.now, *document});
    tx.query(R"(INSERT INTO project_operations (project_id, revision, client_id, seq, author_id, created_at, ops)
                VALUES ($1, $2, $3, $4, $5, $6, $7))",
             {edit.projectId, number, edit.clientId, edit.seq, edit.authorId, edit.now, edit.ops});
    notifyLiveChannel(tx, db_.dialect(), edit.projectId, number);
    outcome = LiveCommitted{number};
  });
  return outcome;
}

LiveHistory Repository::liveHistory(std::int64_t projectId, std::int64_t afterRevision,
                                    std::optional<std::int64_t> upTo, std::int64_t limit) {
  LiveHistory history;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    history = {};
    const auto head = tx.query("SELECT head_revision, deleted_at FROM projects WHERE id = $1", {projectId});
    if (head.empty()) {
      history.deleted = true;
      return;
    }
    history.headRevision = head.front().integer(0);
    history.deleted = !head.front().isNull(1);
    const auto last = upTo ? std::min(*upTo, history.headRevision) : history.headRevision;
    const auto rows = tx.query(R"(SELECT o.revision, o.client_id, o.seq, o.author_id, a.username, o.ops
                                  FROM project_operations o JOIN accounts a ON a.id = o.author_id
                                  WHERE o.project_id = $1 AND o.revision > $2 AND o.revision <= $3
                                  ORDER BY o.revision LIMIT $4)",
                               {projectId, afterRevision, last, limit});
    for (const auto& row : rows)
      history.operations.push_back(
          LiveOperation{row.integer(0), row.text(1), row.integer(2), row.integer(3), row.text(4), row.text(5)});
  });
  return history;
}

std::int64_t Repository::countLiveOperations(std::int64_t projectId) {
  std::int64_t count = 0;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    count = tx.query("SELECT COUNT(*) FROM project_operations WHERE project_id = $1", {projectId}).at(0).integer(0);
  });
  return count;
}

// ---- sharing -------------------------------------------------------------------------------

std::vector<Member> Repository::listMembers(std::int64_t projectId) {
  std::vector<Member> members;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(R"(SELECT p.owner_id, a.username, 'owner' FROM projects p
                                  JOIN accounts a ON a.id = p.owner_id WHERE p.id = $1
                                  UNION ALL
                                  SELECT m.account_id, a.username, m.role FROM project_members m
                                  JOIN accounts a ON a.id = m.account_id WHERE m.project_id = $1)",
                               {projectId});
    members.clear();
    for (const auto& row : rows)
      members.push_back(Member{row.integer(0), row.text(1), roleFromColumn(row.text(2))});
  });
  return members;
}

bool Repository::putMember(std::int64_t projectId, std::int64_t accountId, Role role, std::int64_t now) {
  bool added = false;
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    added = tx.query("SELECT 1 FROM project_members WHERE project_id = $1 AND account_id = $2",
                     {projectId, accountId})
                .empty();
    tx.query(R"(INSERT INTO project_members (project_id, account_id, role, added_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (project_id, account_id) DO UPDATE SET role = excluded.role)",
             {projectId, accountId, std::string{roleName(role)}, now});
  });
  return added;
}

bool Repository::removeMember(std::int64_t projectId, std::int64_t accountId) {
  bool removed = false;
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    removed = !tx.query("DELETE FROM project_members WHERE project_id = $1 AND account_id = $2 RETURNING account_id",
                        {projectId, accountId})
                   .empty();
  });
  return removed;
}

// ---- audio assets ---------------------------------------------------------------------------

bool Repository::attachAsset(std::int64_t projectId, const Asset& asset, std::int64_t now) {
  bool attached = false;
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    tx.query(R"(INSERT INTO blobs (sha256, size, format, created_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (sha256) DO NOTHING)",
             {asset.sha256, asset.size, asset.format, now});
    attached = !tx.query(R"(INSERT INTO project_assets (project_id, sha256, name, added_by, added_at)
                            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, sha256) DO NOTHING
                            RETURNING sha256)",
                         {projectId, asset.sha256, asset.name, asset.addedBy, now})
                    .empty();
  });
  return attached;
}

namespace {
constexpr std::string_view kAssetSelect = R"(
  SELECT b.sha256, b.size, b.format, pa.name, pa.added_by, pa.added_at
  FROM project_assets pa JOIN blobs b ON b.sha256 = pa.sha256
)";
Asset assetFrom(const SqlRow& row) {
  return Asset{row.text(0), row.integer(1), row.text(2), row.text(3), row.integer(4), row.integer(5)};
}
}  // namespace

std::vector<Asset> Repository::listAssets(std::int64_t projectId) {
  std::vector<Asset> assets;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(sql(kAssetSelect, "WHERE pa.project_id = $1 ORDER BY pa.added_at, b.sha256"),
                               {projectId});
    assets.clear();
    for (const auto& row : rows) assets.push_back(assetFrom(row));
  });
  return assets;
}

std::optional<Asset> Repository::findAsset(std::int64_t projectId, const std::string& sha256) {
  std::optional<Asset> found;
  db_.transact(kRead, [&](SqlTransaction& tx) {
    const auto rows = tx.query(sql(kAssetSelect, "WHERE pa.project_id = $1 AND pa.sha256 = $2"),
                               {projectId, sha256});
    if (!rows.empty()) found = assetFrom(rows.front());
  });
  return found;
}

bool Repository::detachAsset(std::int64_t projectId, const std::string& sha256) {
  bool removed = false;
  db_.transact(kWrite, [&](SqlTransaction& tx) {
    removed = !tx.query("DELETE FROM project_assets WHERE project_id = $1 AND sha256 = $2 RETURNING sha256",
                        {projectId, sha256})
                   .empty();
  });
  return removed;
}

}  // namespace amplitude::server::store
