// SQLite: the default store, one file under the data directory, zero setup.
// WAL lets readers run beside the one writer; synchronous=FULL makes a commit durable before we
// acknowledge it (with NORMAL a power loss may roll back committed transactions in WAL mode).
#include "amplitude/server/store/ConnectionPool.h"
#include "amplitude/server/store/SqliteDatabase.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace amplitude::server::store {

namespace {

class SqliteConnection {
public:
  explicit SqliteConnection(const std::string& path) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw DatabaseUnavailable(fmt::format("cannot open SQLite database {}: {}", path, message));
    }
    sqlite3_busy_timeout(db_, 5000);  // wait for the writer instead of failing at once
    sqlite3_extended_result_codes(db_, 1);
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=FULL");
    execute("PRAGMA foreign_keys=ON");
  }
  ~SqliteConnection() { sqlite3_close_v2(db_); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void execute(std::string_view sql) { query(sql, {}); }

  SqlRows query(std::string_view sql, const SqlParams& params) {
    sqlite3_stmt* raw = nullptr;
    check(sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr), sql);
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement{raw, sqlite3_finalize};
    // "$1" is a named parameter to SQLite: bind by name so "$2 ... $1" still means what it says.
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = sqlite3_bind_parameter_index(raw, fmt::format("${}", i + 1).c_str());
      if (index == 0) continue;  // a parameter the statement does not use
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>)
              check(sqlite3_bind_null(raw, index), sql);
            else if constexpr (std::is_same_v<T, std::int64_t>)
              check(sqlite3_bind_int64(raw, index, value), sql);
            else
              check(sqlite3_bind_text(raw, index, value.data(), static_cast<int>(value.size()),
                                      SQLITE_TRANSIENT),
                    sql);
          },
          params[i]);
    }
    SqlRows rows;
    for (;;) {
      const int step = sqlite3_step(raw);
      if (step == SQLITE_DONE) break;
      if (step != SQLITE_ROW) check(step, sql);
      std::vector<std::optional<std::string>> cells;
      const int columns = sqlite3_column_count(raw);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(raw, c) == SQLITE_NULL) {
          cells.emplace_back();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
          cells.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(raw, c))));
        }
      }
      rows.emplace_back(std::move(cells));
    }
    return rows;
  }

private:
  void check(int code, std::string_view sql) {
    if (code == SQLITE_OK) return;
    const std::string message = fmt::format("SQLite: {} ({})", sqlite3_errmsg(db_), sql.substr(0, 80));
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
      throw UniqueViolation(message);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED || (code & 0xff) == SQLITE_IOERR ||
        (code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_CANTOPEN)
      throw DatabaseUnavailable(message);
    throw std::runtime_error(message);
  }

  sqlite3* db_ = nullptr;
};

class SqliteTransaction final : public SqlTransaction {
public:
  explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}
  SqlRows query(std::string_view sql, const SqlParams& params) override {
    return connection_.query(sql, params);
  }

private:
  SqliteConnection& connection_;
};

class SqliteDatabase final : public Database {
public:
  SqliteDatabase(std::string path, unsigned maxConnections)
      : path_(std::move(path)),
        pool_(maxConnections, [this] { return std::make_unique<SqliteConnection>(path_); }) {
    pool_.acquire();  // open once now: a bad path fails at start-up, not on the first request
  }

  SqlDialect dialect() const override { return SqlDialect::sqlite; }

  void transact(TransactionKind kind, const std::function<void(SqlTransaction&)>& work) override {
    auto connection = pool_.acquire();
    connection->execute(kind == TransactionKind::write ? "BEGIN IMMEDIATE" : "BEGIN");
    try {
      SqliteTransaction transaction{*connection};
      work(transaction);
      connection->execute("COMMIT");
    } catch (...) {
      try {
        connection->execute("ROLLBACK");
      } catch (...) {
        connection.discard();  // unknown state: do not reuse
      }
      throw;
    }
  }

  void ping() override {
    transact(TransactionKind::read, [](SqlTransaction& tx) { tx.query("SELECT 1"); });
  }

  std::string describe() const override { return "sqlite:" + path_; }

private:
  std::string path_;
  ConnectionPool<SqliteConnection> pool_;
};

}  // namespace

std::unique_ptr<Database> openSqliteDatabase(const std::string& path, unsigned maxConnections) {
  return std::make_unique<SqliteDatabase>(path, maxConnections);
}

}  // namespace amplitude::server::store
