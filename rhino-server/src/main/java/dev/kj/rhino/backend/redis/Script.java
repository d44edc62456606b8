package dev.kj.rhino.backend.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One of rhino's Lua scripts (resources next to this class), run by its SHA-1 so the text crosses
 * the network once; a server that lost its script cache (restart, SCRIPT FLUSH) is sent it again.
 */
enum Script {
    INIT("init.lua"),
    BEGIN("begin.lua"),
    RANGE("range.lua"),
    HISTORY("history.lua"),
    COMPACT_PLAN("compactplan.lua"),
    LEX("lex.lua"),
    COMMIT("commit.lua");

    private final String text;
    private final String sha;

    Script(String resource) {
        try (InputStream in = Script.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + resource);
            }
            this.text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            this.sha = HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String text() {
        return text;
    }

    <T> T run(RedisCommands<byte[], byte[]> redis, ScriptOutputType type, byte[][] keys, byte[]... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            redis.scriptLoad(text);
            return redis.evalsha(sha, type, keys, args);
        }
    }
}
