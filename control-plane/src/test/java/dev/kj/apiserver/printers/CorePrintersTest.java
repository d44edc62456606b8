package dev.kj.apiserver.printers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Cells of the core and group printers, case by case after upstream's printers_test.go situations. */
class CorePrintersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");

    record Case(String name, Printer printer, String object, List<Object> cells) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String meta = "\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"}";
        return Stream.of(
                new Case("pending pod", CorePrinters.POD, "{" + meta + ",\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
                        + "\"status\":{\"phase\":\"Pending\"}}",
                        List.of("p", "0/2", "Pending", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("running pod with a restart", CorePrinters.POD, "{" + meta + ",\"spec\":{\"nodeName\":\"n1\","
                        + "\"readinessGates\":[{\"conditionType\":\"x/ok\"}],\"containers\":[{\"name\":\"a\"}]},"
                        + "\"status\":{\"phase\":\"Running\",\"podIPs\":[{\"ip\":\"10.1.0.4\"}],\"conditions\":[{\"type\":\"x/ok\",\"status\":\"True\"}],"
                        + "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":2,\"state\":{\"running\":{}},"
                        + "\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":\"2026-01-01T00:55:00Z\"}}}]}}",
                        List.of("p", "1/1", "Running", "2 (5m ago)", "60m", "10.1.0.4", "n1", "<none>", "1/1")),
                new Case("waiting container reason", CorePrinters.POD, "{" + meta + ",\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
                        + "\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"a\",\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\"}}}]}}",
                        List.of("p", "0/1", "ImagePullBackOff", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("terminated without reason", CorePrinters.POD, "{" + meta + ",\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
                        + "\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":3}}}]}}",
                        List.of("p", "0/1", "ExitCode:3", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("init container waiting", CorePrinters.POD, "{" + meta + ",\"spec\":{\"initContainers\":[{\"name\":\"i\"},{\"name\":\"j\"}],"
                        + "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":["
                        + "{\"name\":\"i\",\"state\":{\"terminated\":{\"exitCode\":0}}},{\"name\":\"j\",\"state\":{\"running\":{}}}],"
                        + "\"containerStatuses\":[{\"name\":\"a\",\"state\":{\"waiting\":{\"reason\":\"PodInitializing\"}}}]}}",
                        List.of("p", "0/1", "Init:1/2", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("init container crashing", CorePrinters.POD, "{" + meta + ",\"spec\":{\"initContainers\":[{\"name\":\"i\"}],"
                        + "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":["
                        + "{\"name\":\"i\",\"restartCount\":4,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}",
                        List.of("p", "0/1", "Init:CrashLoopBackOff", "4", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("sidecar counts as a container", CorePrinters.POD, "{" + meta + ",\"spec\":{\"initContainers\":[{\"name\":\"s\","
                        + "\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\","
                        + "\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\"}],\"initContainerStatuses\":[{\"name\":\"s\",\"started\":true,"
                        + "\"ready\":true,\"state\":{\"running\":{}}}],\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}}]}}",
                        List.of("p", "2/2", "Running", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("completed with a running container", CorePrinters.POD, "{" + meta + ",\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]},"
                        + "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},"
                        + "{\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}}]}}",
                        List.of("p", "1/2", "NotReady", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("terminating", CorePrinters.POD, "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                        + "\"deletionTimestamp\":\"2026-01-01T00:59:00Z\"},\"spec\":{\"containers\":[]},\"status\":{\"phase\":\"Running\"}}",
                        List.of("p", "0/0", "Terminating", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("node lost", CorePrinters.POD, "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
                        + "\"deletionTimestamp\":\"2026-01-01T00:59:00Z\"},\"spec\":{},\"status\":{\"phase\":\"Running\",\"reason\":\"NodeLost\"}}",
                        List.of("p", "0/0", "Unknown", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("scheduling gated", CorePrinters.POD, "{" + meta + ",\"spec\":{},\"status\":{\"phase\":\"Pending\","
                        + "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":\"SchedulingGated\"}]}}",
                        List.of("p", "0/0", "SchedulingGated", "0", "60m", "<none>", "<none>", "<none>", "<none>")),
                new Case("node port service", CorePrinters.SERVICE, "{" + meta + ",\"spec\":{\"type\":\"NodePort\",\"clusterIPs\":[\"10.43.0.9\"],"
                        + "\"ports\":[{\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":53,\"protocol\":\"UDP\"}],\"selector\":{\"b\":\"2\",\"a\":\"1\"}}}",
                        List.of("p", "NodePort", "10.43.0.9", "<none>", "80:30080/TCP,53/UDP", "60m", "a=1,b=2")),
                new Case("pending load balancer", CorePrinters.SERVICE, "{" + meta + ",\"spec\":{\"type\":\"LoadBalancer\",\"externalIPs\":[\"5.6.7.8\"]},"
                        + "\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb.example\"},{\"ip\":\"1.2.3.4\"}]}}}",
                        List.of("p", "LoadBalancer", "<none>", "1.2.3.4,lb.example,5.6.7.8", "<none>", "60m", "<none>")),
                new Case("external name service", CorePrinters.SERVICE, "{" + meta + ",\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"db.example\"}}",
                        List.of("p", "ExternalName", "<none>", "db.example", "<none>", "60m", "<none>")),
                new Case("endpoints beyond three", CorePrinters.ENDPOINTS, "{" + meta + ",\"subsets\":[{\"addresses\":[{\"ip\":\"10.0.0.1\"},"
                        + "{\"ip\":\"10.0.0.2\"},{\"ip\":\"fd00::3\"}],\"ports\":[{\"port\":80},{\"port\":443}]}]}",
                        List.of("p", "10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...", "60m")),
                new Case("bound claim", CorePrinters.PERSISTENT_VOLUME_CLAIM, "{" + meta + ",\"spec\":{\"volumeName\":\"pv1\",\"storageClassName\":\"fast\"},"
                        + "\"status\":{\"phase\":\"Bound\",\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":[\"ReadWriteMany\",\"ReadWriteOnce\"]}}",
                        List.of("p", "Bound", "pv1", "1Gi", "RWO,RWX", "fast", "<unset>", "60m", "<unset>")),
                new Case("quota requests and limits", CorePrinters.RESOURCE_QUOTA, "{" + meta + ",\"status\":{\"hard\":{\"pods\":\"10\","
                        + "\"limits.cpu\":\"2\",\"requests.cpu\":\"1\"},\"used\":{\"pods\":\"3\"}}}",
                        List.of("p", "pods: 3/10, requests.cpu: 0/1", "limits.cpu: 0/2", "60m")),
                new Case("hpa targets", GroupPrinters.HORIZONTAL_POD_AUTOSCALER, "{" + meta + ",\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\","
                        + "\"name\":\"web\"},\"maxReplicas\":9,\"metrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":"
                        + "{\"type\":\"Utilization\",\"averageUtilization\":50}}},{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"q\"},"
                        + "\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1k\"}}},{\"type\":\"External\",\"external\":{\"metric\":"
                        + "{\"name\":\"e\"},\"target\":{\"type\":\"Value\",\"value\":\"3\"}}}]},\"status\":{\"currentReplicas\":2,"
                        + "\"currentMetrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":41}}}]}}",
                        List.of("p", "Deployment/web", "cpu: 41%/50%, <unknown>/1k + 1 more...", "<unset>", 9L, 2L, "60m")),
                new Case("issued and approved csr", GroupPrinters.CERTIFICATE_SIGNING_REQUEST, "{" + meta + ",\"spec\":{\"username\":\"u\","
                        + "\"expirationSeconds\":86400},\"status\":{\"certificate\":\"QQ==\",\"conditions\":[{\"type\":\"Approved\"}]}}",
                        List.of("p", "60m", "<none>", "u", "24h", "Approved,Issued")),
                new Case("default storage class", GroupPrinters.STORAGE_CLASS, "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":"
                        + "\"2026-01-01T00:00:00Z\",\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
                        + "\"provisioner\":\"rancher.io/local-path\",\"volumeBindingMode\":\"WaitForFirstConsumer\"}",
                        List.of("p (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "60m")),
                new Case("pdb", GroupPrinters.POD_DISRUPTION_BUDGET, "{" + meta + ",\"spec\":{\"minAvailable\":\"50%\"},\"status\":{\"disruptionsAllowed\":1}}",
                        List.of("p", "50%", "N/A", 1L, "60m")),
                new Case("ingress", GroupPrinters.INGRESS, "{" + meta + ",\"spec\":{\"rules\":[{\"host\":\"a\"},{},{\"host\":\"b\"}],\"tls\":[{}]}}",
                        List.of("p", "<none>", "a,b", "", "80, 443", "60m")),
                new Case("controller revision", GroupPrinters.CONTROLLER_REVISION, "{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":"
                        + "\"2026-01-01T00:00:00Z\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"ds\","
                        + "\"controller\":true}]},\"revision\":3}",
                        List.of("p", "daemonset.apps/ds", 3L, "60m")),
                new Case("csi driver defaults", GroupPrinters.CSI_DRIVER, "{" + meta + ",\"spec\":{}}",
                        List.of("p", true, false, false, "<unset>", false, "<none>", "60m")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cells(Case c) throws Exception {
        assertEquals(c.cells(), c.printer().cells().of(JSON.readTree(c.object()), NOW));
        assertEquals(c.printer().columns().size(), c.cells().size(), "one cell per column");
    }
}
