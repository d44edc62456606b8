package dev.kj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.rhino.RhinoConfig;
import dev.kj.rhino.auth.AuthOptions;
import dev.kj.rhino.tls.ClientTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class RhinoCommandTest {
    @TempDir
    Path tmp;

    /** What the process would print and return; the command runs in-process. */
    record Run(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine kj = Kj.commandLine();
        kj.setOut(new PrintWriter(out, true));
        kj.setErr(new PrintWriter(err, true));
        int code = kj.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static RhinoConfig configOf(String... args) {
        CommandLine kj = Kj.commandLine();
        CommandLine.ParseResult parsed = kj.parseArgs(args);
        RhinoCommand rhino = parsed.subcommand().commandSpec().commandLine().getCommand();
        return rhino.config();
    }

    @Test
    void defaultsAreEtcds() {
        RhinoConfig config = configOf("rhino");
        assertEquals("default", config.name());
        assertEquals(Path.of("default.etcd").toAbsolutePath(), config.dataDir());
        assertNull(config.endpoint());
        assertEquals(List.of(URI.create("http://127.0.0.1:2379")), config.listenClientUrls());
        assertEquals(config.listenClientUrls(), config.advertiseClientUrls());
        assertEquals(List.of(URI.create("http://localhost:2380")), config.advertisePeerUrls());
        assertEquals(Duration.ofMinutes(10), config.progressNotifyInterval());
    }

    @Test
    void dataDirDefaultFollowsName() {
        assertEquals(Path.of("infra1.etcd").toAbsolutePath(), configOf("rhino", "--name", "infra1").dataDir());
    }

    @Test
    void postgresEndpointsAreAccepted() {
        assertEquals("postgres://kj@db:5433/k8s?sslmode=require",
                configOf("rhino", "--endpoint", "postgres://kj@db:5433/k8s?sslmode=require").endpoint());
        assertEquals("postgresql://kj@db/k8s", configOf("rhino", "--endpoint", "postgresql://kj@db/k8s").endpoint());
    }

    @Test
    void endpointAloneNeedsNoDataDir() {
        RhinoConfig config = configOf("rhino", "--endpoint", "sqlite:///var/lib/rhino/state.db");
        assertEquals("sqlite:///var/lib/rhino/state.db", config.endpoint());
        assertNull(config.dataDir());
    }

    @Test
    void everyFlagIsParsed() {
        RhinoConfig config = configOf("rhino",
                "--name", "n1",
                "--data-dir", tmp.resolve("d").toString(),
                "--endpoint", "sqlite://" + tmp.resolve("x.db"),
                "--listen-client-urls", "http://127.0.0.1:0, http://[::1]:23790",
                "--advertise-client-urls", "http://rhino.local:2379",
                "--initial-advertise-peer-urls", "https://10.0.0.1:2380,http://10.0.0.2:2380",
                "--experimental-watch-progress-notify-interval", "1m30s");
        assertEquals("n1", config.name());
        assertEquals(tmp.resolve("d"), config.dataDir());
        assertEquals("sqlite://" + tmp.resolve("x.db"), config.endpoint());
        assertEquals(List.of(URI.create("http://127.0.0.1:0"), URI.create("http://[::1]:23790")),
                config.listenClientUrls());
        assertEquals(List.of(URI.create("http://rhino.local:2379")), config.advertiseClientUrls());
        assertEquals(List.of(URI.create("https://10.0.0.1:2380"), URI.create("http://10.0.0.2:2380")),
                config.advertisePeerUrls());
        assertEquals(Duration.ofSeconds(90), config.progressNotifyInterval());
        assertEquals(ClientTls.NONE, config.clientTls());
    }

    @Test
    void tlsFlagsUseEtcdsNames() {
        RhinoConfig config = configOf("rhino",
                "--listen-client-urls", "https://127.0.0.1:2379",
                "--advertise-client-urls", "https://rhino.local:2379",
                "--cert-file", "server.pem", "--key-file", "server-key.pem",
                "--trusted-ca-file", "ca.pem", "--client-cert-auth", "--client-crl-file", "revoked.crl");
        assertEquals(List.of(URI.create("https://127.0.0.1:2379")), config.listenClientUrls());
        assertEquals(List.of(URI.create("https://rhino.local:2379")), config.advertiseClientUrls());
        assertEquals(new ClientTls(Path.of("server.pem"), Path.of("server-key.pem"), Path.of("ca.pem"), true,
                Path.of("revoked.crl")), config.clientTls());
        assertEquals(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                configOf("rhino", "--cipher-suites",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").clientTls().cipherSuites());
        assertEquals(false, configOf("rhino", "--client-cert-auth=false").clientTls().clientCertAuth());
        assertEquals(true, configOf("rhino", "--client-cert-auth=true").clientTls().clientCertAuth());
    }

    @Test
    void authFlagsUseEtcdsNamesAndDefaults() {
        assertEquals(AuthOptions.DEFAULTS, configOf("rhino").authOptions());
        assertEquals(new AuthOptions(12, Duration.ofSeconds(60)),
                configOf("rhino", "--auth-token", "simple", "--bcrypt-cost", "12", "--auth-token-ttl", "60").authOptions());
        assertEquals(10, configOf("rhino", "--bcrypt-cost", "40").authOptions().bcryptCost(), "etcd falls back to 10");
    }

    @Test
    void httpsWithoutACertificateFailsWithEtcdsMessage() {
        Run run = run("rhino", "--data-dir", tmp.resolve("d").toString(), "--listen-client-urls", "https://127.0.0.1:0");
        assertEquals(1, run.exitCode(), run.err());
        assertEquals(List.of("kj rhino: TLS key/cert (--cert-file, --key-file) must be provided for client url"
                + " https://127.0.0.1:0 with HTTPS scheme"), run.errLines());
    }

    @Test
    void aMissingCertificateFileFailsWithEtcdsMessage() {
        Path missing = tmp.resolve("missing.pem");
        Run run = run("rhino", "--data-dir", tmp.resolve("d").toString(), "--listen-client-urls", "https://127.0.0.1:0",
                "--cert-file", missing.toString(), "--key-file", missing.toString());
        assertEquals(1, run.exitCode(), run.err());
        assertEquals(List.of("kj rhino: open " + missing + ": no such file or directory"), run.errLines());
    }

    @Test
    void etcd36NameForTheIntervalWorksToo() {
        assertEquals(Duration.ofSeconds(5), configOf("rhino", "--watch-progress-notify-interval", "5s")
                .progressNotifyInterval());
    }

    record BadFlag(List<String> args, String says) {
        @Override
        public String toString() {
            return String.join(" ", args) + " -> " + says;
        }
    }

    static Stream<BadFlag> badFlags() {
        return Stream.of(
                new BadFlag(List.of("--client-cert-auth=maybe"), "Invalid value"),
                new BadFlag(List.of("--auth-token", "jwt,pub-key=k.pub,priv-key=k,sign-method=RS256"), "jwt tokens are not supported yet"),
                new BadFlag(List.of("--auth-token", "magic"), "auth: invalid auth options"),
                new BadFlag(List.of("--listen-client-urls", "unix:///run/rhino.sock"), "unix sockets are not supported yet"),
                new BadFlag(List.of("--listen-client-urls", "127.0.0.1:2379"), "not a URL of the form http://host:port"),
                new BadFlag(List.of("--listen-client-urls", "http://127.0.0.1"), "does not have the form host:port"),
                new BadFlag(List.of("--listen-client-urls", "http://127.0.0.1:2379/v3"), "must not contain a path"),
                new BadFlag(List.of("--listen-client-urls", "http://127.0.0.1:2379,,http://127.0.0.1:2380"), "empty URL"),
                new BadFlag(List.of("--listen-client-urls", "http://127.0.0.1:notaport"), "host:port"),
                new BadFlag(List.of("--listen-client-urls", "ftp://127.0.0.1:21"), "scheme must be http"),
                new BadFlag(List.of("--initial-advertise-peer-urls", "unix://x:1"), "scheme must be http or https"),
                new BadFlag(List.of("--endpoint", "postgres://kj@127.0.0.1:99999/kj"), "port 99999 is out of range"),
                new BadFlag(List.of("--endpoint", "postgres://kj:secret@/kj"), "invalid PostgreSQL endpoint postgres://kj:***@/kj"),
                new BadFlag(List.of("--endpoint", "redis:///0"), "names no host"),
                new BadFlag(List.of("--endpoint", "mysql://127.0.0.1/kj"), "unknown datastore scheme"),
                new BadFlag(List.of("--endpoint", "/var/lib/rhino.db"), "not a datastore URL"),
                new BadFlag(List.of("--endpoint", "sqlite://"), "names no database file"),
                new BadFlag(List.of("--experimental-watch-progress-notify-interval", "10"), "missing unit"),
                new BadFlag(List.of("--experimental-watch-progress-notify-interval", "-5s"), "greater than zero"),
                new BadFlag(List.of("--no-such-flag"), "Unknown option"));
    }

    @ParameterizedTest
    @MethodSource("badFlags")
    void badFlagsExitTwoWithOneLine(BadFlag c) {
        String[] args = Stream.concat(Stream.of("rhino", "--data-dir", tmp.resolve("d").toString()), c.args().stream())
                .toArray(String[]::new);
        Run run = run(args);
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("kj rhino: "), run.err());
        assertTrue(run.err().contains(c.says()), run.err());
        assertFalse(Files.exists(tmp.resolve("d")), "a rejected command line must not create the data dir");
    }

    @Test
    void dataDirThatIsAFileFailsWithOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Run run = run("rhino", "--data-dir", file.toString(), "--listen-client-urls", "http://127.0.0.1:0");
        assertEquals(1, run.exitCode());
        assertEquals(List.of("kj rhino: data dir " + file + " is not a directory"), run.errLines());
    }

    @Test
    void dataDirThatCannotBeCreatedFailsWithOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Run run = run("rhino", "--data-dir", file.resolve("sub").toString(), "--listen-client-urls", "http://127.0.0.1:0");
        assertEquals(1, run.exitCode());
        assertEquals(1, run.errLines().size(), run.err());
        assertEquals("kj rhino: cannot create data dir " + file.resolve("sub") + ": " + file + " is not a directory",
                run.err().strip());
    }

    @Test
    void restoreRefusesADataDirWithData() throws IOException {
        Path snapshot = Files.writeString(tmp.resolve("snap.db"), "not read: the data dir is checked first");
        Path dataDir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dataDir.resolve("rhino.db"), "existing");
        Run run = run("rhino", "--data-dir", dataDir.toString(), "--restore", snapshot.toString());
        assertEquals(1, run.exitCode());
        assertEquals(List.of("kj rhino: data dir " + dataDir + " already holds data; restore needs a new or empty directory"),
                run.errLines());
        assertEquals("existing", Files.readString(dataDir.resolve("rhino.db")));
    }

    @Test
    void restoreNeedsAReadableSnapshot() {
        Run run = run("rhino", "--data-dir", tmp.resolve("d").toString(), "--restore", tmp.resolve("missing.db").toString());
        assertEquals(1, run.exitCode());
        assertEquals(List.of("kj rhino: cannot read snapshot file " + tmp.resolve("missing.db")), run.errLines());
    }

    @Test
    void restoreCannotTargetAnEndpoint() {
        Run run = run("rhino", "--endpoint", "sqlite://" + tmp.resolve("x.db"), "--restore", tmp.resolve("s.db").toString());
        assertEquals(1, run.exitCode());
        assertEquals(List.of("kj rhino: --restore writes into --data-dir and cannot be combined with --endpoint"),
                run.errLines());
    }

    @Test
    void unreachablePostgresFailsWithOneLine() {
        Run run = run("rhino", "--endpoint", "postgres://kj:secret@127.0.0.1:1/kj", "--listen-client-urls", "http://127.0.0.1:0");
        assertEquals(1, run.exitCode(), run.err());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("kj rhino: cannot reach PostgreSQL at 127.0.0.1:1: "), run.err());
        assertFalse(run.err().contains("secret"), run.err());
    }

    @Test
    void anUnreachableRedisFailsWithOneLine() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Run run = run("rhino", "--endpoint", "redis://127.0.0.1:" + port + "/0",
                "--listen-client-urls", "http://127.0.0.1:0");
        assertEquals(1, run.exitCode(), run.err());
        assertEquals(List.of("kj rhino: cannot use redis at redis://127.0.0.1:" + port + "/0 (prefix rhino:):"
                + " connection refused"), run.errLines());
    }

    @Test
    void portInUseFailsWithOneLineNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = run("rhino", "--data-dir", tmp.resolve("d").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + port);
            assertEquals(1, run.exitCode(), run.err());
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(run.err().startsWith("kj rhino: "), run.err());
            assertTrue(run.err().contains(String.valueOf(port)) || run.err().toLowerCase().contains("in use"),
                    "the line should say which address is taken: " + run.err());
        }
    }

    @Test
    void helpDocumentsEveryFlag() {
        Run run = run("rhino", "--help");
        assertEquals(0, run.exitCode());
        CommandLine rhino = Kj.commandLine().getSubcommands().get("rhino");
        for (OptionSpec option : rhino.getCommandSpec().options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(),
                    option.longestName() + " has no description");
            assertTrue(run.out().contains(option.longestName()), option.longestName() + " missing from --help");
        }
        assertTrue(run.out().contains("'${name}.etcd'"), "the data dir default is shown literally");
        assertTrue(run.out().contains("(default: 10m)"), run.out());
    }

    @Test
    void versionIsTheProjectVersion() {
        Run run = run("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().lines().findFirst().orElseThrow().matches("kj \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), run.out());
    }

    @Test
    void bareKjListsRhino() {
        Run run = run();
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("rhino"), run.out());
    }
}
