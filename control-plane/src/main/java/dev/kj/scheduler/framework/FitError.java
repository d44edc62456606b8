package dev.kj.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why no node fits (upstream's FitError): {@code 0/N nodes are available: <PreFilter message>.} or
 * the filters' reasons counted and sorted as strings ({@code 1 node(s) had untolerated taint {a: b},
 * 2 Insufficient cpu.}), then the PostFilter message.
 *
 * @param nodeStatus  the status of each node that was filtered out
 * @param absentNodes the status for nodes without an entry (preemption: "not helpful")
 */
public record FitError(int numAllNodes, Map<String, Status> nodeStatus, Status absentNodes, String preFilterMessage,
                       String postFilterMessage) {
    public static final String NO_NODES_AVAILABLE = "no nodes available to schedule pods";

    public FitError withPostFilterMessage(String message) {
        return new FitError(numAllNodes, nodeStatus, absentNodes, preFilterMessage, message);
    }

    public String message() {
        StringBuilder message = new StringBuilder("0/" + numAllNodes + " nodes are available:");
        if (!preFilterMessage.isEmpty()) {
            message.append(' ').append(preFilterMessage).append('.');
        } else {
            Map<String, Integer> counts = new TreeMap<>();
            nodeStatus.values().forEach(status -> status.reasons().forEach(reason -> counts.merge(reason, 1, Integer::sum)));
            if (nodeStatus.size() < numAllNodes && absentNodes != null) {
                for (String reason : absentNodes.reasons()) {
                    counts.merge(reason, numAllNodes - nodeStatus.size(), Integer::sum);
                }
            }
            List<String> histogram = new ArrayList<>();
            counts.forEach((reason, count) -> histogram.add(count + " " + reason));
            Collections.sort(histogram); // Go's sort.Strings: byte order, the count first
            if (!histogram.isEmpty()) {
                message.append(' ').append(String.join(", ", histogram)).append('.');
            }
        }
        if (!postFilterMessage.isEmpty()) {
            message.append(' ').append(postFilterMessage);
        }
        return message.toString();
    }
}
