-- A transaction's starting point, read atomically. KEYS: rev, seq, meta.
-- Returns {revision, commit sequence, compact revision}.
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('HGET', KEYS[3], 'compact_revision')}
