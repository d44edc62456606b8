package dev.kj.apiserver.authn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Static tokens from {@code --token-auth-file} (upstream's tokenfile authenticator): a CSV file of
 * {@code token,user,uid[,"group1,group2"]}, read once at start. Rows with fewer than three columns
 * are refused with upstream's message; empty tokens are skipped and a repeated token's last row
 * wins, with a warning each (never naming the token).
 */
public final class TokenFile implements TokenAuthenticator {
    private static final System.Logger LOG = System.getLogger(TokenFile.class.getName());

    private final Map<String, User> users;

    private TokenFile(Map<String, User> users) {
        this.users = Map.copyOf(users);
    }

    public static TokenFile read(Path file) throws IOException {
        Map<String, User> users = new HashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            List<String> record = csv(line, file, i + 1);
            if (record.size() < 3) {
                throw new IOException("token file '" + file + "' must have at least 3 columns (token, user name, user uid), found "
                        + record.size());
            }
            String token = record.get(0);
            if (token.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "empty token has been found in token file ''{0}'', record number ''{1}''",
                        file, i + 1);
                continue;
            }
            List<String> groups = new ArrayList<>();
            if (record.size() >= 4 && !record.get(3).isEmpty()) {
                for (String group : record.get(3).split(",")) {
                    groups.add(group.trim());
                }
            }
            if (users.put(token, new User(record.get(1), record.get(2), groups, Map.of())) != null) {
                LOG.log(System.Logger.Level.WARNING, "duplicate token has been found in token file ''{0}'', record number ''{1}''",
                        file, i + 1);
            }
        }
        return new TokenFile(users);
    }

    /** One RFC 4180 record (Go's encoding/csv): commas separate, double quotes enclose, "" is a quote. */
    private static List<String> csv(String line, Path file, int number) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IOException("record on line " + number + " of " + file + ": extraneous or missing \" in quoted-field");
        }
        fields.add(field.toString());
        return fields;
    }

    @Override
    public Optional<Authenticated> authenticate(String token, List<String> audiences) {
        return Optional.ofNullable(users.get(token)).map(user -> new Authenticated(user, List.of()));
    }
}
