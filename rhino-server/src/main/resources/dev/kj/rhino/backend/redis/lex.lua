-- Members of a sorted set in a lex range. KEYS: the set. ARGV: min, max.
return redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2])
