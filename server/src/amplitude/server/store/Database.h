#pragma once
// The one seam between our SQL and the two database engines. The Repository (Repository.h) holds
// every SQL statement, written once with $1..$n placeholders that both SQLite and PostgreSQL
// accept; a Database runs them in transactions on pooled connections.
//
// Thread rules: every method may block (disk, network, locks) and is called from the worker
// pool, never from an I/O thread. Implementations are thread-safe: each call checks a connection
// out of a small pool for the duration of one transaction.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace amplitude::server::store {

/// A bound parameter: NULL, an integer or text. Nothing else crosses into SQL.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlParams = std::vector<SqlValue>;

class SqlRow {
public:
  explicit SqlRow(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  bool isNull(std::size_t column) const { return !cells_.at(column).has_value(); }
  const std::string& text(std::size_t column) const;
  std::int64_t integer(std::size_t column) const;
  std::optional<std::int64_t> optionalInteger(std::size_t column) const;

private:
  std::vector<std::optional<std::string>> cells_;
};
using SqlRows = std::vector<SqlRow>;

class SqlTransaction {
public:
  virtual ~SqlTransaction() = default;
  /// Runs one statement with bound parameters and returns every row (as text, like libpq).
  virtual SqlRows query(std::string_view sql, const SqlParams& params = {}) = 0;
};

enum class SqlDialect { sqlite, postgres };

/// The database cannot be reached (or a commit's outcome is unknown): nothing was acknowledged,
/// the client may retry. Answered with 503; /api/health reports "degraded".
struct DatabaseUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// A UNIQUE or PRIMARY KEY constraint refused the write (e.g. a username already taken).
struct UniqueViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class TransactionKind {
  read,
  /// Takes the write lock at BEGIN (SQLite BEGIN IMMEDIATE), so two writers never deadlock
  /// upgrading a read lock.
  write,
};

class Database {
public:
  virtual ~Database() = default;
  virtual SqlDialect dialect() const = 0;
  /// Runs `work` in one transaction and commits it; any exception rolls back and propagates.
  /// On PostgreSQL a connection lost before COMMIT is rebuilt and `work` runs once more, so
  /// `work` must not have side effects outside the transaction.
  virtual void transact(TransactionKind kind, const std::function<void(SqlTransaction&)>& work) = 0;
  /// Round trip to the database; throws DatabaseUnavailable when it cannot.
  virtual void ping() = 0;
  /// For logs: "sqlite:/data/amplitude.sqlite3" or "postgresql://host:port/db" (no password).
  virtual std::string describe() const = 0;
};

struct DatabaseOptions {
  /// "postgresql://..." or "postgres://..." selects PostgreSQL; empty selects SQLite.
  std::string url;
  /// The SQLite file when url is empty.
  std::string sqlitePath;
  /// Connections kept at most; match the worker pool so no worker waits for one.
  unsigned maxConnections = 4;
};

/// Opens the database the options name. Does not migrate (see Migrations.h). A PostgreSQL server
/// that is down at start-up is not an error here: connections are made on first use.
std::unique_ptr<Database> openDatabase(const DatabaseOptions& options);

}  // namespace amplitude::server::store
