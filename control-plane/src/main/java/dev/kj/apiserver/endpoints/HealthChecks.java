package dev.kj.apiserver.endpoints;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * /healthz, /livez and /readyz: named checks, answered as upstream does ("ok", or with
 * {@code ?verbose} one "[+]name ok" / "[-]name failed: reason withheld" line per check).
 */
public final class HealthChecks {
    private final Map<String, BooleanSupplier> live;
    private final Map<String, BooleanSupplier> ready;

    public HealthChecks(Map<String, BooleanSupplier> live, Map<String, BooleanSupplier> readyOnly) {
        this.live = Map.copyOf(live);
        LinkedHashMap<String, BooleanSupplier> all = new LinkedHashMap<>(live);
        all.putAll(readyOnly);
        this.ready = all;
    }

    public ApiResponse answer(String endpoint, boolean verbose) {
        Map<String, BooleanSupplier> checks = endpoint.equals("readyz") ? ready : live;
        StringBuilder report = new StringBuilder();
        boolean healthy = true;
        for (Map.Entry<String, BooleanSupplier> check : new java.util.TreeMap<>(checks).entrySet()) {
            boolean ok;
            try {
                ok = check.getValue().getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            healthy &= ok;
            report.append(ok ? "[+]" + check.getKey() + " ok\n" : "[-]" + check.getKey() + " failed: reason withheld\n");
        }
        if (healthy && !verbose) {
            return ApiResponse.Full.text(200, "ok");
        }
        report.append(endpoint).append(healthy ? " check passed\n" : " check failed\n");
        return ApiResponse.Full.text(healthy ? 200 : 500, report.toString());
    }
}
