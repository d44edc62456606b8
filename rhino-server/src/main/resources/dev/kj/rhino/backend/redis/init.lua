-- Creates the counters of an empty store (a fresh store is at revision 1, as etcd is).
-- KEYS: rev, seq, meta. Returns the schema version.
redis.call('SETNX', KEYS[1], '1')
redis.call('SETNX', KEYS[2], '0')
redis.call('HSETNX', KEYS[3], 'compact_revision', '0')
redis.call('HSETNX', KEYS[3], 'schema_version', '1')
return redis.call('HGET', KEYS[3], 'schema_version')
