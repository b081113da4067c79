import type { Redis } from 'ioredis';

/**
 * The Lua scripts of the Redis broker's channel logs. Each channel has a hash (`epoch`, `offset`,
 * `ms`: its epoch, the last offset given and the last item's time) and a stream of its retained
 * items whose ids are `ms-offset`, so that age trims by id (XTRIM MINID) and offsets stay exact.
 * A hash made anew gets a new epoch and drops any stream left from before it: positions of two
 * epochs never mix.
 */

// KEYS: meta, log. ARGV: a new epoch, the meta ttl in ms. Returns the epoch; makes the hash if missing.
const ENSURE_EPOCH = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0, 'ms', 0)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;

/**
 * KEYS: meta, log. ARGV: new epoch, meta ttl ms, pub/sub channel, item frame, max items, max
 * age ms, expected offset ('' for any). Appends the item, trims the log, and publishes
 * `position SP frame` in the same step, so pub/sub order is log order. Returns the position, or
 * `{ current offset }` when an expected offset was given and the log is elsewhere.
 */
const PUBLISH = `${ENSURE_EPOCH}
if ARGV[7] ~= '' then
  local current = tonumber(redis.call('HGET', KEYS[1], 'offset'))
  if current ~= tonumber(ARGV[7]) then return { current } end
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local last = tonumber(redis.call('HGET', KEYS[1], 'ms'))
if ms < last then ms = last end
redis.call('HSET', KEYS[1], 'ms', ms)
local maxItems = tonumber(ARGV[5])
if maxItems > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', maxItems, ms .. '-' .. offset, 'd', ARGV[4])
  redis.call('XTRIM', KEYS[2], 'MINID', math.max(0, ms - tonumber(ARGV[6])) .. '-0')
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
else
  redis.call('DEL', KEYS[2])
end
local position = epoch .. ':' .. offset .. ':' .. ms
redis.call('PUBLISH', ARGV[3], position .. ' ' .. ARGV[4])
return position
`;

/** KEYS: meta, log. ARGV: new epoch, meta ttl ms. Returns [epoch, offset, ms, first retained id or false]. */
const HEAD = `${ENSURE_EPOCH}
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
return { epoch, redis.call('HGET', KEYS[1], 'offset'), redis.call('HGET', KEYS[1], 'ms'), first and first[1] or false }
`;

/** The channel log commands, defined on a connection with ioredis's `defineCommand`. */
export interface LogCommands {
  switchboardLogPublish(
    meta: string,
    log: string,
    epoch: string,
    metaTtlMs: number,
    channel: string,
    frame: Buffer,
    maxItems: number,
    maxAgeMs: number,
    expectedOffset: number | '',
  ): Promise<string | [number]>;
  switchboardLogHead(
    meta: string,
    log: string,
    epoch: string,
    metaTtlMs: number,
  ): Promise<[string, string, string, string | null]>;
}

/** `connection` with the log commands defined (ioredis sends each script by its SHA after the first time). */
export function withLogCommands(connection: Redis): Redis & LogCommands {
  if (!('switchboardLogPublish' in connection)) {
    connection.defineCommand('switchboardLogPublish', { numberOfKeys: 2, lua: PUBLISH });
    connection.defineCommand('switchboardLogHead', { numberOfKeys: 2, lua: HEAD });
  }
  return connection as Redis & LogCommands;
}
