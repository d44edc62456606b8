package dev.kj.rhino.backend.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables of a rhino SQLite file, created fresh or migrated from an older layout on open.
 *
 * <p>Version 2 (current): {@code kv} holds every revision of every key in write order (its rowid
 * encodes the revision), each row pointing at the key's previous row ({@code prev}); {@code latest}
 * maps every key that has a row to its newest one, live or tombstone. A put thus touches one random
 * B-tree ({@code latest}) besides the appended {@code kv} row; history of a key is the chain from
 * {@code latest} through {@code prev}.
 *
 * <p>Version 1: {@code kv} without {@code prev} but with a {@code (key, revision)} index, and
 * {@code live} mapping only live keys to their row: two random B-trees per put.
 */
final class SqliteSchema {
    static final int VERSION = 2;

    private SqliteSchema() {}

    /** Creates the tables of a fresh file, or migrates an older one, in one transaction. */
    static void ensure(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            int version = version(s);
            if (version > VERSION) {
                throw new IllegalStateException("database schema version " + version
                        + " is newer than this rhino understands (" + VERSION + ")");
            }
            if (version == 0) {
                create(s);
            } else if (version == 1) {
                migrateFrom1(s);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** 0 for a file without rhino's tables. */
    static int version(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")) {
            if (!rs.next()) {
                return 0;
            }
        }
        try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE name = 'schema_version'")) {
            return rs.next() ? rs.getInt(1) : 1; // the first layout did not record its version
        }
    }

    private static void create(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE IF NOT EXISTS meta (
                  name  TEXT PRIMARY KEY,
                  value INTEGER NOT NULL
                ) WITHOUT ROWID""");
        s.executeUpdate("""
                CREATE TABLE kv (
                  id              INTEGER PRIMARY KEY, -- (revision << 24) | order within it
                  key             BLOB NOT NULL,
                  revision        INTEGER NOT NULL,
                  create_revision INTEGER NOT NULL,
                  version         INTEGER NOT NULL,
                  lease           INTEGER NOT NULL,
                  value           BLOB,
                  prev            INTEGER -- the key's previous row (may be compacted away); NULL if none
                )""");
        createLatest(s);
        s.executeUpdate("""
                CREATE TABLE lease (
                  id         INTEGER PRIMARY KEY,
                  ttl        INTEGER NOT NULL,
                  expires_at INTEGER NOT NULL
                )""");
        s.executeUpdate("""
                CREATE TABLE record (
                  bucket TEXT NOT NULL,
                  name   TEXT NOT NULL,
                  value  BLOB NOT NULL,
                  PRIMARY KEY (bucket, name)
                ) WITHOUT ROWID""");
        // A fresh store is at revision 1 with no keys, as etcd is.
        s.executeUpdate("INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1)");
        s.executeUpdate("INSERT OR IGNORE INTO meta (name, value) VALUES ('compact_revision', 0)");
        s.executeUpdate("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', " + VERSION + ")");
    }

    private static void createLatest(Statement s) throws SQLException {
        s.executeUpdate("""
                CREATE TABLE latest (
                  key   BLOB PRIMARY KEY,
                  kv_id INTEGER NOT NULL, -- the key's newest kv row
                  lease INTEGER NOT NULL, -- 0 unless live and attached to a lease
                  live  INTEGER NOT NULL  -- 0 when that row is a tombstone
                ) WITHOUT ROWID""");
        s.executeUpdate("CREATE INDEX latest_lease ON latest (lease) WHERE lease <> 0");
    }

    /**
     * Links each row to its key's previous row through the old (key, revision) index, builds
     * {@code latest} from each key's newest row, then drops {@code live} and the index.
     */
    private static void migrateFrom1(Statement s) throws SQLException {
        s.executeUpdate("ALTER TABLE kv ADD COLUMN prev INTEGER");
        s.executeUpdate("UPDATE kv SET prev = (SELECT p.id FROM kv p WHERE p.key = kv.key AND p.revision < kv.revision"
                + " ORDER BY p.revision DESC LIMIT 1)");
        createLatest(s);
        s.executeUpdate("INSERT INTO latest (key, kv_id, lease, live)"
                + " SELECT k.key, k.id, CASE WHEN k.version > 0 THEN k.lease ELSE 0 END, k.version > 0"
                + " FROM (SELECT key, MAX(revision) AS revision FROM kv GROUP BY key) n"
                + " JOIN kv k ON k.key = n.key AND k.revision = n.revision");
        s.executeUpdate("DROP TABLE live");
        s.executeUpdate("DROP INDEX kv_key_revision");
        s.executeUpdate("UPDATE meta SET value = " + VERSION + " WHERE name = 'schema_version'");
    }
}
