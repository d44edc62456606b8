package dev.kj.apiserver.discovery;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * /version: the Kubernetes release whose API this server implements, in upstream's version.Info
 * shape. kj's own build goes in the semver build metadata, as distributions such as k3s do.
 */
public final class VersionInfo {
    public static final String KUBERNETES_MAJOR = "1";
    public static final String KUBERNETES_MINOR = "33";
    public static final String GIT_VERSION = "v1.33.0+kj";

    private VersionInfo() {
    }

    public static ObjectNode json() {
        ObjectNode info = JsonNodeFactory.instance.objectNode();
        info.put("major", KUBERNETES_MAJOR);
        info.put("minor", KUBERNETES_MINOR);
        info.put("gitVersion", GIT_VERSION);
        info.put("gitCommit", "");
        info.put("gitTreeState", "");
        info.put("buildDate", ""); // not recorded yet; left empty rather than invented
        info.put("goVersion", "java" + Runtime.version().feature());
        info.put("compiler", "javac");
        info.put("platform", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT) + "/"
                + switch (System.getProperty("os.arch")) {
                    case "amd64", "x86_64" -> "amd64";
                    case "aarch64" -> "arm64";
                    default -> System.getProperty("os.arch");
                });
        return info;
    }
}
