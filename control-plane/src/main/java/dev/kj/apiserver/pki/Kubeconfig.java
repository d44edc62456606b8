package dev.kj.apiserver.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes a kubeconfig for the admin user with everything embedded, so it works from any directory. */
public final class Kubeconfig {
    private Kubeconfig() {
    }

    public static void write(Path file, String serverUrl, ClusterPki pki) throws IOException {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kj
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: kubernetes-admin
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: kubernetes-admin@kj
                  context:
                    cluster: kj
                    user: kubernetes-admin
                current-context: kubernetes-admin@kj
                """.formatted(serverUrl, ClusterPki.base64(pki.caCert()), ClusterPki.base64(pki.adminCert()),
                ClusterPki.base64(pki.adminKey()));
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
