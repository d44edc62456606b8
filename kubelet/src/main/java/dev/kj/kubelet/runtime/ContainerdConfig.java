package dev.kj.kubelet.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration kj gives the containerd it runs: everything under one directory (root, state,
 * sockets, CNI configuration, registry hosts), so it never meets a system containerd's files.
 *
 * @param dir               where containerd keeps everything (the kubelet's DATA_DIR/containerd)
 * @param sandboxImage      the pause image (kj's own, imported before the first sandbox)
 * @param snapshotter       overlayfs where the filesystem allows it, otherwise native
 * @param cniBinDir         the CNI plugins (Debian's containernetworking-plugins: /usr/lib/cni)
 * @param plainHttpRegistries registries (host:port) containerd pulls from over plain HTTP, each
 *                          given a hosts.toml in {@link #registryConfigDir()}
 * @param restrictOomScoreAdj true where kj lacks CAP_SYS_RESOURCE (inside some sandboxes): containers
 *                          then get no OOM score below containerd's own, which runc could not set
 */
public record ContainerdConfig(Path dir, String sandboxImage, String snapshotter, Path cniBinDir,
                               List<String> plainHttpRegistries, boolean restrictOomScoreAdj) {
    public static final Path DEBIAN_CNI_BIN_DIR = Path.of("/usr/lib/cni");

    public ContainerdConfig {
        plainHttpRegistries = List.copyOf(plainHttpRegistries);
    }

    public Path configFile() {
        return dir.resolve("config.toml");
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public Path root() {
        return dir.resolve("root");
    }

    public Path state() {
        return dir.resolve("state");
    }

    public Path cniConfDir() {
        return dir.resolve("cni/net.d");
    }

    /** host-local's lease files: kept beside the rest, not in the host's /var/lib/cni. */
    public Path cniDataDir() {
        return dir.resolve("cni/networks");
    }

    /** containerd's registry host configuration ({@code <host>/hosts.toml} per registry). */
    public Path registryConfigDir() {
        return dir.resolve("certs.d");
    }

    public Path logFile() {
        return dir.resolve("containerd.log");
    }

    /** containerd's config.toml (version 2, containerd 1.6 and later). */
    public String toml() {
        return """
                version = 2
                root = %s
                state = %s

                [grpc]
                  address = %s

                [ttrpc]
                  address = %s

                [plugins."io.containerd.internal.v1.opt"]
                  path = %s

                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = %s
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  # pod network namespaces are mounted under the state directory, not the host's /run/netns
                  netns_mounts_under_state_dir = true
                  restrict_oom_score_adj = %s

                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = %s
                    default_runtime_name = "runc"

                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"

                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        Root = %s
                        SystemdCgroup = false

                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = %s
                    conf_dir = %s
                    max_conf_num = 1

                  [plugins."io.containerd.grpc.v1.cri".registry]
                    config_path = %s
                """.formatted(
                quote(root()), quote(state()), quote(socket()), quote(dir.resolve("containerd.sock.ttrpc")),
                quote(dir.resolve("opt")), quote(sandboxImage), restrictOomScoreAdj, quote(snapshotter), quote(state().resolve("runc")),
                quote(cniBinDir), quote(cniConfDir()), quote(registryConfigDir()));
    }

    /** hosts.toml for a registry served over plain HTTP: pull and resolve go straight to it. */
    static String plainHttpHosts(String hostPort) {
        return """
                server = %s

                [host.%s]
                  capabilities = ["pull", "resolve"]
                """.formatted(quote("http://" + hostPort), quote("http://" + hostPort));
    }

    /** A TOML basic string. */
    static String quote(Object value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toString().toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
