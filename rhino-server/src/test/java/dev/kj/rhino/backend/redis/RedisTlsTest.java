package dev.kj.rhino.backend.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kj.rhino.backend.KeyRange;
import dev.kj.rhino.backend.ReadTxn;
import dev.kj.rhino.backend.Row;
import dev.kj.rhino.backend.WriteTxn;
import dev.kj.rhino.testing.Peers;
import dev.kj.rhino.testing.PrivateRedis;
import dev.kj.rhino.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * rediss:// against a private TLS-only redis-server that requires client certificates (made with
 * openssl for the test): the CA and client certificate from the endpoint get in; without them the
 * connection fails with one line.
 */
class RedisTlsTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("rhino-redis-tls-");
    }

    @AfterEach
    void tearDown() {
        TempDirs.deleteRecursively(dir);
    }

    @Test
    void aTlsServerThatWantsClientCertificates() throws Exception {
        makeCertificates();
        try (PrivateRedis redis = PrivateRedis.startTls(dir, "--tls-cert-file", file("server.crt"),
                "--tls-key-file", file("server.key"), "--tls-ca-cert-file", file("ca.crt"), "--tls-auth-clients", "yes")) {
            String base = redis.url() + "?unsafe-no-fsync=true";
            String trusted = base + "&cacert=" + file("ca.crt");
            try (RedisBackend backend = RedisBackend.open(trusted + "&cert=" + file("client.crt") + "&key=" + file("client.key"))) {
                try (WriteTxn w = backend.beginWrite()) {
                    long rev = w.revision() + 1;
                    w.put(new Row(ByteString.copyFromUtf8("k"), rev, rev, 1, 0, ByteString.copyFromUtf8("over tls")));
                    w.setRevision(rev);
                    w.commit();
                }
                try (ReadTxn r = backend.beginRead()) {
                    List<Row> rows = r.range(KeyRange.single("k".getBytes()), r.revision(), 0, false);
                    assertEquals("over tls", rows.getFirst().value().toStringUtf8());
                }
            }
            for (String refused : List.of(base, trusted)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedisBackend.open(refused));
                assertTrue(e.getMessage().startsWith("cannot use redis at rediss://127.0.0.1:"), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    private String file(String name) {
        return dir.resolve(name).toString();
    }

    private void makeCertificates() throws IOException, InterruptedException {
        Path openssl = Peers.require("openssl");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
        run(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("ca.key"), "-out", file("ca.crt"),
                "-days", "2", "-subj", "/CN=kj test CA");
        for (String who : List.of("server", "client")) {
            run(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", file(who + ".key"), "-out", file(who + ".csr"),
                    "-subj", "/CN=" + who);
            run(openssl, "x509", "-req", "-in", file(who + ".csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
                    "-CAcreateserial", "-out", file(who + ".crt"), "-days", "2", "-extfile", file("server.ext"));
        }
    }

    private void run(Path program, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + String.join(" ", args)
                + ": " + Files.readString(dir.resolve("openssl.log")));
    }
}
