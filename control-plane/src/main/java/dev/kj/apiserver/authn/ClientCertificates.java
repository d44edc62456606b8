package dev.kj.apiserver.authn;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * X.509 client-certificate authentication: the TLS layer has already verified the chain against
 * the cluster CA; the subject's CN is the user name and each O a group, as upstream.
 */
public final class ClientCertificates {
    private ClientCertificates() {
    }

    public static Optional<User> user(Certificate[] verifiedChain) {
        if (verifiedChain == null || verifiedChain.length == 0 || !(verifiedChain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        try {
            String name = null;
            List<String> groups = new ArrayList<>();
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    name = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(0, rdn.getValue().toString());
                }
            }
            if (name == null || name.isEmpty()) {
                return Optional.empty();
            }
            groups.add("system:authenticated");
            return Optional.of(new User(name, groups));
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
