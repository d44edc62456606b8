package dev.kj.apiserver.reconcilers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.storage.EtcdStorage;
import dev.kj.apiserver.storage.StorageException;
import dev.kj.apiserver.storage.StoredValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's storageLeases: each API server keeps a key {@code /registry/masterleases/<ip>} (a
 * v1 Endpoints naming its advertised address) attached to an etcd lease of the reconciler's TTL and
 * rewritten every interval; a server that stops refreshing it drops out when the lease expires. The
 * keys live beside the registry's, outside any served resource, so servers sharing a store (and
 * upstream's own API servers on the same etcd) see one another.
 */
public final class MasterLeases {
    static final String PREFIX = "/registry/masterleases/";

    private final EtcdStorage storage;
    private final Duration ttl;
    private final ObjectMapper json = new ObjectMapper();

    public MasterLeases(EtcdStorage storage, Duration ttl) {
        this.storage = storage;
        this.ttl = ttl;
    }

    /** The addresses of the servers whose keys have not expired, in key order. */
    public List<String> list() {
        List<String> addresses = new ArrayList<>();
        for (StoredValue value : storage.list(PREFIX, null, 0, 0).items()) {
            String ip = read(value).path("subsets").path(0).path("addresses").path(0).path("ip").asText("");
            if (!ip.isEmpty()) {
                addresses.add(ip);
            }
        }
        return addresses;
    }

    /**
     * Writes this server's key with a fresh lease (upstream bumps metadata.generation so the write
     * is never a no-op), retrying when another write came between.
     */
    public void update(String ip) {
        String key = PREFIX + ip;
        while (true) {
            Optional<StoredValue> current = storage.get(key);
            ObjectNode endpoints = json.createObjectNode();
            endpoints.put("kind", "Endpoints").put("apiVersion", "v1");
            ObjectNode meta = endpoints.putObject("metadata");
            meta.put("name", ip);
            meta.put("generation", current.map(v -> read(v).path("metadata").path("generation").asLong(0)).orElse(0L) + 1);
            meta.putNull("creationTimestamp");
            endpoints.putArray("subsets").addObject().putArray("addresses").addObject().put("ip", ip);
            byte[] bytes = endpoints.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            long lease = storage.grantLease(ttl.toSeconds());
            try {
                if (current.isEmpty()) {
                    storage.create(key, bytes, lease);
                } else {
                    storage.update(key, bytes, current.get().modRevision(), lease);
                }
                return;
            } catch (StorageException e) {
                if (e.kind() != StorageException.Kind.KEY_EXISTS && e.kind() != StorageException.Kind.CONFLICT
                        && e.kind() != StorageException.Kind.KEY_NOT_FOUND) {
                    throw e;
                }
            }
        }
    }

    /** Drops this server's key (a server shutting down). */
    public void remove(String ip) {
        String key = PREFIX + ip;
        while (true) {
            Optional<StoredValue> current = storage.get(key);
            if (current.isEmpty()) {
                return;
            }
            try {
                storage.delete(key, current.get().modRevision());
                return;
            } catch (StorageException e) {
                if (e.kind() == StorageException.Kind.KEY_NOT_FOUND) {
                    return;
                }
                if (e.kind() != StorageException.Kind.CONFLICT) {
                    throw e;
                }
            }
        }
    }

    private JsonNode read(StoredValue value) {
        try {
            return json.readTree(value.value());
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable master lease at " + value.key(), e);
        }
    }
}
