package dev.kj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kj.apiserver.ApiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kj server} end to end: the command line starts an API server that stock kubectl uses with the written kubeconfig. */
class KjServerKubectlTest {
    @TempDir
    Path tmp;

    @Test
    void kubectlListsTheSystemNamespacesWithTheWrittenKubeconfig() throws Exception {
        Path kubectl = KjRhinoEtcdctlTest.requirePeer("kubectl", "kubectl");
        CommandLine kj = Kj.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        kj.setOut(new PrintWriter(out, true));
        kj.setErr(new PrintWriter(err, true));
        ServerCommand command = kj.getSubcommands().get("server").getCommand();
        Path data = tmp.resolve("data");
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> kj.execute("server",
                "--data-dir", data.toString(), "--secure-port", "0"));
        ApiServer server;
        try {
            server = command.started.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            fail("kj server did not start: " + err + " " + e);
            return;
        }
        try {
            assertEquals(data.resolve("kubeconfig").toAbsolutePath(), server.kubeconfig());
            assertTrue(out.toString().contains("kubeconfig: " + server.kubeconfig()), out.toString());
            // where the join token is, never the token itself
            assertEquals(data.resolve("token").toAbsolutePath(), server.joinToken());
            assertTrue(out.toString().contains("agent join token: " + server.joinToken()), out.toString());
            String token = Files.readString(server.joinToken()).strip();
            String secret = token.substring(token.lastIndexOf('.') + 1);
            assertTrue(!out.toString().contains(secret) && !err.toString().contains(secret), "the token stays in its file");
            ProcessBuilder builder = new ProcessBuilder(kubectl.toString(), "--kubeconfig", server.kubeconfig().toString(),
                    "--cache-dir", tmp.resolve("cache").toString(), "get", "namespaces", "-o", "name");
            builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(List.of("namespace/default", "namespace/kube-node-lease", "namespace/kube-public",
                    "namespace/kube-system"), output.lines().toList());
            assertTrue(Files.exists(data.resolve("pki/ca.crt")) && Files.exists(data.resolve("rhino/rhino.db")));
        } finally {
            server.close();
        }
        assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
    }

    /**
     * {@code kj server --all-in-one --data-dir DIR}: DIR/kubeconfig works for kubectl, and every
     * system namespace soon has its default service account and kube-root-ca.crt.
     */
    @Test
    void allInOneWritesAKubeconfigAndBootstrapsTheNamespaces() throws Exception {
        Path kubectl = KjRhinoEtcdctlTest.requirePeer("kubectl", "kubectl");
        CommandLine kj = Kj.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        kj.setOut(new PrintWriter(out, true));
        kj.setErr(new PrintWriter(err, true));
        ServerCommand command = kj.getSubcommands().get("server").getCommand();
        Path data = tmp.resolve("aio");
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> kj.execute("server", "--all-in-one",
                "--data-dir", data.toString(), "--secure-port", "0",
                // no containerd on this JVM's (host) network: the e2e module runs the node for real
                "--container-runtime-endpoint", "unix://" + data.resolve("no-runtime.sock").toAbsolutePath()));
        ApiServer server;
        try {
            server = command.started.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            fail("kj server did not start: " + err + " " + e);
            return;
        }
        try {
            Path kubeconfig = data.resolve("kubeconfig").toAbsolutePath();
            assertTrue(out.toString().contains("kj server: admin kubeconfig: " + kubeconfig), out.toString());
            assertTrue(out.toString().contains("kj server: --all-in-one: running the API server, the scheduler, the"
                    + " controller manager and the kubelet (node "), out.toString());
            List<String> expected = new java.util.ArrayList<>();
            for (String ns : List.of("default", "kube-node-lease", "kube-public", "kube-system")) {
                expected.add(ns + " namespace/" + ns);
                expected.add(ns + " serviceaccount/default");
                expected.add(ns + " configmap/kube-root-ca.crt");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> got;
            do {
                ProcessBuilder builder = new ProcessBuilder(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
                        "--cache-dir", tmp.resolve("cache-aio").toString(), "get", "ns,sa,cm", "-A", "--no-headers",
                        "-o", "custom-columns=NS:.metadata.namespace,KIND:.kind,NAME:.metadata.name");
                builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
                builder.redirectErrorStream(true);
                Process process = builder.start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(process.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, process.exitValue(), output);
                got = output.lines().map(line -> {
                    String[] f = line.trim().split("\\s+");
                    String ns = f[0].equals("<none>") ? f[2] : f[0];
                    return ns + " " + f[1].toLowerCase(java.util.Locale.ROOT) + "/" + f[2];
                }).filter(expected::contains).toList();
            } while (got.size() < expected.size() && System.nanoTime() < deadline && sleep());
            assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(got));
        } finally {
            server.close();
        }
        assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }

    @Test
    void unknownControllersAreRefusedWithUpstreamsText() {
        CommandLine kj = Kj.commandLine();
        StringWriter err = new StringWriter();
        kj.setErr(new PrintWriter(err, true));
        int exit = kj.execute("server", "--data-dir", tmp.resolve("refused").toString(), "--secure-port", "0",
                "--controllers", "*,-garbagecollector,bootstrap-signer-controller");
        assertEquals(2, exit);
        assertEquals("kj server: --controllers: \"bootstrap-signer-controller\" is not in the list of known controllers"
                + " (see 'kj server --help')", err.toString().strip());
        assertTrue(!Files.exists(tmp.resolve("refused/pki")), "nothing was started");
    }

    @Test
    void aBadEncryptionProviderConfigStopsTheServerWithUpstreamsText() throws Exception {
        Path config = tmp.resolve("encryption.yaml");
        Files.writeString(config, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: [secrets, secrets]
                    providers: [{identity: {}}]
                """);
        CommandLine kj = Kj.commandLine();
        StringWriter err = new StringWriter();
        kj.setErr(new PrintWriter(err, true));
        int exit = kj.execute("server", "--data-dir", tmp.resolve("refused").toString(), "--secure-port", "0",
                "--encryption-provider-config", config.toString());
        assertEquals(1, exit);
        assertEquals("kj server: error while parsing file: resources[0].resources: Invalid value: []string{\"secrets\","
                + " \"secrets\"}: the same resource cannot be specified multiple times", err.toString().strip());
        assertTrue(!Files.exists(tmp.resolve("refused/rhino")), "no storage was opened");
    }
}
