package dev.kj.rhino.backend.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With a million history rows (100,000 keys, 10 revisions each), a prefix list and a single-key
 * get touch a few dozen pages: the plans PostgreSQL picks for rhino's own queries are index range
 * scans, O(log n + k), never a scan of the table. Page counts come from EXPLAIN (ANALYZE, BUFFERS).
 */
class PostgresIndexTest {
    static final int KEYS = 100_000;
    static final int REVISIONS = 10;
    static PostgresBackend pg;
    static String endpoint;

    @BeforeAll
    static void fill() throws Exception {
        endpoint = TestPostgres.freshDatabase();
        pg = PostgresBackend.open(endpoint);
        String db = endpoint.substring(endpoint.lastIndexOf('/') + 1);
        try (Connection c = TestPostgres.connect(TestPostgres.serverUrl(), db); Statement s = c.createStatement()) {
            s.execute("SET search_path = rhino");
            // Revisions 2..11; each writes every key once: row id = (revision << 24) | key number.
            s.executeUpdate("INSERT INTO kv (id, key, revision, create_revision, version, lease, value)"
                    + " SELECT (r::bigint << 24) | i, convert_to('/registry/pods/ns' || (i % 100) || '/pod' || i, 'UTF8'),"
                    + " r, 2, r - 1, 0, convert_to(repeat('x', 100), 'UTF8')"
                    + " FROM generate_series(2, " + (REVISIONS + 1) + ") r, generate_series(0, " + (KEYS - 1) + ") i");
            s.executeUpdate("INSERT INTO live (key, kv_id, lease) SELECT key, id, 0 FROM kv WHERE revision = "
                    + (REVISIONS + 1));
            s.executeUpdate("UPDATE meta SET value = " + (REVISIONS + 1) + " WHERE name = 'revision'");
            s.execute("VACUUM ANALYZE kv");
            s.execute("VACUUM ANALYZE live");
        }
    }

    @AfterAll
    static void close() {
        if (pg != null) {
            pg.close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    record Plan(List<String> lines, long pages) {}

    static Plan explain(KeyRange range, Long atRevision, long limit) {
        return explain(List.of(PostgresTxn.ORDERED_RANGES), range, atRevision, limit);
    }

    static Plan explain(List<String> settings, KeyRange range, Long atRevision, long limit) {
        List<Object> params = new ArrayList<>();
        String sql = PostgresTxn.rangeSql(range, atRevision, limit, false, params);
        List<String> lines = pg.queryStrings(settings, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params.toArray());
        long pages = 0;
        // The top node's buffers line counts every page the whole query touched.
        Matcher m = Pattern.compile("Buffers: shared(?: hit=(\\d+))?(?: read=(\\d+))?").matcher(String.join("\n", lines));
        if (m.find()) {
            pages = (m.group(1) == null ? 0 : Long.parseLong(m.group(1))) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
        }
        return new Plan(lines, pages);
    }

    static void assertIndexOnly(Plan plan, long maxPages) {
        String text = String.join("\n", plan.lines());
        assertFalse(text.contains("Seq Scan"), text);
        assertTrue(text.contains("Index"), text);
        assertTrue(plan.pages() > 0 && plan.pages() <= maxPages, plan.pages() + " pages:\n" + text);
        System.out.println(plan.pages() + " pages:\n" + text);
    }

    @Test
    void singleKeyGetAtTheCurrentRevision() {
        assertIndexOnly(explain(KeyRange.single(b("/registry/pods/ns7/pod50007")), null, 0), 20);
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(REVISIONS + 1, r.range(KeyRange.single(b("/registry/pods/ns7/pod50007")), r.revision(), 0, false)
                    .getFirst().modRevision());
        }
    }

    @Test
    void prefixListAtTheCurrentRevision() {
        // ns7/pod5000..pod5009 and pod50000..pod50099 with i % 100 == 7: pod5007 and pod50007.
        KeyRange prefix = KeyRange.of(b("/registry/pods/ns7/pod500"), b("/registry/pods/ns7/pod501"));
        assertIndexOnly(explain(prefix, null, 0), 40);
        // A whole namespace (1,000 keys) with a page limit of 10, as a paginated list asks.
        assertIndexOnly(explain(KeyRange.of(b("/registry/pods/ns7/"), b("/registry/pods/ns70")), null, 10), 60);
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(1_000, r.count(KeyRange.of(b("/registry/pods/ns7/"), b("/registry/pods/ns70")), r.revision()));
            assertEquals(10, r.range(KeyRange.of(b("/registry/pods/ns7/"), b("/registry/pods/ns70")), r.revision(), 10, true).size());
        }
    }

    /**
     * The plan a pooled connection settles on after five executions is generic: the planner knows
     * neither the page size nor the key range, and without {@link PostgresTxn#ORDERED_RANGES} it may
     * price a bitmap scan of the whole prefix plus a sort below the ordered index scan.
     */
    @Test
    void aGenericPlanStillReadsOnePage() {
        KeyRange namespace = KeyRange.of(b("/registry/pods/ns7/"), b("/registry/pods/ns70"));
        List<String> generic = List.of("SET LOCAL plan_cache_mode = force_generic_plan", PostgresTxn.ORDERED_RANGES);
        assertIndexOnly(explain(generic, namespace, null, 10), 60);
        assertIndexOnly(explain(generic, namespace, 5L, 10), 120);
    }

    @Test
    void readsAtAnOlderRevision() {
        assertIndexOnly(explain(KeyRange.single(b("/registry/pods/ns7/pod50007")), 5L, 0), 30);
        assertIndexOnly(explain(KeyRange.of(b("/registry/pods/ns7/pod500"), b("/registry/pods/ns7/pod501")), 5L, 0), 80);
        try (ReadTxn r = pg.beginRead()) {
            assertEquals(5, r.range(KeyRange.single(b("/registry/pods/ns7/pod50007")), 5, 0, false).getFirst().modRevision());
        }
    }
}
