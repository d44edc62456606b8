package dev.kj.controllers.cronjob;

import static dev.kj.controllers.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kj.apiserver.testing.Kubectl;
import dev.kj.apiserver.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own cronjob-controller (on by default) with the real clock: a {@code * * * * *}
 * CronJob made by kubectl starts its Job at the next minute (at most a minute's wait), and kubectl
 * shows it in ACTIVE and LAST SCHEDULE.
 */
class CronJobRealClockTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static Kubectl kubectl;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, List.of("*", "-replicaset-controller", "-deployment-controller"));
        kubectl = Kubectl.require("kubectl", server.server().kubeconfig(), dir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void kubectlSeesTheJobOfTheNextMinute() {
        kubectl.run("create", "namespace", "cj-real").ok();
        kubectl.run("create", "cronjob", "tick", "-n", "cj-real", "--image=busybox", "--schedule=* * * * *").ok();
        Instant created = Instant.now();
        until("a job within the next minute", Duration.ofSeconds(75),
                () -> !kubectl.run("get", "jobs", "-n", "cj-real", "-o", "name").ok().stdout().isBlank());
        String job = kubectl.run("get", "jobs", "-n", "cj-real", "-o", "name").ok().stdout().strip();
        long minute = Long.parseLong(job.substring("job.batch/tick-".length()));
        assertTrue(minute * 60 >= created.getEpochSecond() - 1 && minute * 60 <= Instant.now().getEpochSecond(),
                job + " is named for the minute it was scheduled at");
        until("ACTIVE 1 and LAST SCHEDULE set", () -> {
            String[] columns = kubectl.run("get", "cronjob", "tick", "-n", "cj-real", "--no-headers").ok().stdout().strip()
                    .split("\\s+");
            // NAME SCHEDULE(5 words) TIMEZONE SUSPEND ACTIVE LAST-SCHEDULE AGE
            return columns[columns.length - 3].equals("1") && columns[columns.length - 2].matches("\\d+s");
        });
        String events = kubectl.run("get", "events", "-n", "cj-real", "--field-selector=involvedObject.kind=CronJob",
                "-o", "jsonpath={.items[*].reason}").ok().stdout();
        assertEquals("SuccessfulCreate", events.strip().split(" ")[0]);
    }
}
