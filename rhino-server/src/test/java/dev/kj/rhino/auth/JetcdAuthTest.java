package dev.kj.rhino.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoServer;
import dev.kj.rhino.testing.RealEtcd;
import dev.kj.rhino.testing.TempDirs;
import dev.kj.rhino.testing.TestBackends;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * jetcd's Auth client and its {@code .user()/.password()} login against Rhino: management, the
 * permission checks, the KV revision left alone by auth changes, and everything still in force
 * after a restart (users, roles and the enabled flag are durable records).
 */
class JetcdAuthTest {
    private Path dir;
    private RhinoServer server;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("kj-auth-");
        server = startServer();
    }

    private RhinoServer startServer() throws Exception {
        return RhinoServer.start(TestBackends.config(dir.resolve("data"))
                .withListenClientUrls(List.of(URI.create("http://127.0.0.1:0"))));
    }

    @AfterEach
    void stop() {
        server.close();
        TempDirs.deleteRecursively(dir);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private Client client(String user, String password) {
        var builder = Client.builder().endpoints("http://127.0.0.1:" + server.clientAddresses().getFirst().getPort());
        if (user != null) {
            builder.user(bytes(user)).password(bytes(password));
        }
        return builder.build();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    private static String failure(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        Throwable cause = e.getCause();
        return cause.getMessage() + (cause.getCause() != null ? " / " + cause.getCause().getMessage() : "");
    }

    @Test
    void usersRolesAndPermissionsSurviveARestart() throws Exception {
        long revision;
        try (Client anonymous = client(null, null)) {
            revision = get(anonymous.getKVClient().put(bytes("seed"), bytes("0"))).getHeader().getRevision();
            Auth auth = anonymous.getAuthClient();
            get(auth.userAdd(bytes("root"), bytes("rootpw")));
            get(auth.userGrantRole(bytes("root"), bytes("root")));
            get(auth.roleAdd(bytes("app")));
            get(auth.roleGrantPermission(bytes("app"), bytes("app/"), bytes("app0"), Permission.Type.READWRITE));
            get(auth.userAdd(bytes("app"), bytes("apppw")));
            get(auth.userGrantRole(bytes("app"), bytes("app")));
            assertEquals(List.of("app", "root"), get(auth.userList()).getUsers());
            get(auth.authEnable());
            assertTrue(failure(anonymous.getKVClient().get(bytes("seed"))).contains("etcdserver: user name is empty"));
        }
        try (Client root = client("root", "rootpw")) {
            assertEquals(revision, get(root.getKVClient().get(bytes("seed"))).getHeader().getRevision(),
                    "auth changes must not move the KV revision");
        }
        checkAppUser();

        server.close();
        server = startServer();
        checkAppUser();
        try (Client anonymous = client(null, null)) {
            assertTrue(failure(anonymous.getKVClient().get(bytes("seed"))).contains("etcdserver: user name is empty"),
                    "auth stays enabled across a restart");
        }
        try (Client wrong = client("app", "nope")) {
            assertTrue(failure(wrong.getKVClient().get(bytes("app/x"))).contains("authentication failed"));
        }
        try (Client root = client("root", "rootpw")) {
            get(root.getAuthClient().authDisable());
        }
        try (Client anonymous = client(null, null)) {
            assertEquals(1, get(anonymous.getKVClient().get(bytes("seed"))).getCount());
        }
    }

    /**
     * The Lock and Election services run their recipes as the caller (etcd does so through its
     * in-process client): allowed inside the user's prefix, refused outside it with the same error
     * etcd 3.4.23 gives.
     */
    @Test
    void lockAndElectionRunAsTheCallerLikeEtcd() throws Exception {
        List<String> fromRhino = recipeOutcomes("http://127.0.0.1:" + server.clientAddresses().getFirst().getPort());
        List<String> fromEtcd;
        try (RealEtcd etcd = RealEtcd.start()) {
            fromEtcd = recipeOutcomes(etcd.clientUrl().toString());
        }
        assertEquals(fromEtcd, fromRhino);
        assertTrue(fromEtcd.get(1).contains("permission denied"), fromEtcd.toString());
    }

    private static List<String> recipeOutcomes(String endpoint) throws Exception {
        try (Client anonymous = Client.builder().endpoints(endpoint).build()) {
            Auth auth = anonymous.getAuthClient();
            get(auth.userAdd(bytes("root"), bytes("rootpw")));
            get(auth.userGrantRole(bytes("root"), bytes("root")));
            get(auth.roleAdd(bytes("app")));
            get(auth.roleGrantPermission(bytes("app"), bytes("app/"), bytes("app0"), Permission.Type.READWRITE));
            get(auth.userAdd(bytes("app"), bytes("apppw")));
            get(auth.userGrantRole(bytes("app"), bytes("app")));
            get(auth.authEnable());
        }
        List<String> outcomes = new java.util.ArrayList<>();
        try (Client app = Client.builder().endpoints(endpoint).user(bytes("app")).password(bytes("apppw")).build()) {
            long lease = get(app.getLeaseClient().grant(60)).getID();
            outcomes.add(outcome(app.getLockClient().lock(bytes("app/lock"), lease)
                    .thenApply(r -> r.getKey().toString(StandardCharsets.UTF_8).replaceAll("/[0-9a-f]+$", "/<lease>"))));
            outcomes.add(outcome(app.getLockClient().lock(bytes("elsewhere"), lease).thenApply(r -> "locked")));
            outcomes.add(outcome(app.getElectionClient().campaign(bytes("app/election"), lease, bytes("me"))
                    .thenApply(r -> r.getLeader().getName().toString(StandardCharsets.UTF_8))));
            outcomes.add(outcome(app.getElectionClient().campaign(bytes("elsewhere"), lease, bytes("me"))
                    .thenApply(r -> "leader")));
            outcomes.add(outcome(app.getElectionClient().leader(bytes("elsewhere"))
                    .thenApply(r -> r.getKv().getKey().toString(StandardCharsets.UTF_8))));
        }
        return outcomes;
    }

    private static String outcome(CompletableFuture<String> future) {
        try {
            return "ok " + future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return "failed " + e.getCause().getMessage();
        } catch (Exception e) {
            return "error " + e;
        }
    }

    private void checkAppUser() throws Exception {
        try (Client app = client("app", "apppw")) {
            get(app.getKVClient().put(bytes("app/x"), bytes("1")));
            assertEquals(1, get(app.getKVClient().get(bytes("app/x"))).getCount());
            assertTrue(failure(app.getKVClient().put(bytes("other"), bytes("1"))).contains("etcdserver: permission denied"));
            assertTrue(failure(app.getAuthClient().userList()).contains("etcdserver: permission denied"));
        }
    }
}
