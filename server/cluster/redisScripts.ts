/**
 * The Lua scripts of RedisDirectory, each run atomically by Redis 7.0 (EVALSHA). Every script takes
 * the key prefix as ARGV[1] and reads the time from Redis (TIME), so processes on machines with skewed
 * clocks agree on expiry. Keys (P = prefix), all on one Redis server (not Redis Cluster):
 *
 *   P procs             zset  process id → expiry ms (the liveness index)
 *   P load              zset  process id → load, live and not draining (where new rooms go)
 *   P proc:<id>         hash  url, load, draining          (PEXPIRE 2 × expiry)
 *   P proc:<id>:rooms   set   room ids of the process
 *   P room:<id>         hash  type, owner, capacity, clients, live (1 once the owner reported it)
 *   P seats:<id>        zset  seat token → expiry ms (reserved, not claimed)
 *   P free:<type>       zset  room id → free seats, only rooms with a free seat (the join index)
 *   P seq               counter for new room ids
 */

const COMMON = `
local P = ARGV[1]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function dropRoom(id)
  local r = P .. 'room:' .. id
  local t = redis.call('HGET', r, 'type')
  if t then redis.call('ZREM', P .. 'free:' .. t, id) end
  local o = redis.call('HGET', r, 'owner')
  if o then redis.call('SREM', P .. 'proc:' .. o .. ':rooms', id) end
  redis.call('DEL', r, P .. 'seats:' .. id)
end
local function dropProcess(p)
  for _, id in ipairs(redis.call('SMEMBERS', P .. 'proc:' .. p .. ':rooms')) do dropRoom(id) end
  redis.call('DEL', P .. 'proc:' .. p, P .. 'proc:' .. p .. ':rooms')
  redis.call('ZREM', P .. 'procs', p)
  redis.call('ZREM', P .. 'load', p)
end
local function reap(t)
  for _, p in ipairs(redis.call('ZRANGEBYSCORE', P .. 'procs', '-inf', t, 'LIMIT', 0, 16)) do dropProcess(p) end
end
local function alive(p, t)
  local e = redis.call('ZSCORE', P .. 'procs', p)
  return e and tonumber(e) > t and redis.call('HGET', P .. 'proc:' .. p, 'draining') ~= '1'
end
local function freeSeats(id, t)
  local r = P .. 'room:' .. id
  redis.call('ZREMRANGEBYSCORE', P .. 'seats:' .. id, '-inf', t)
  local cap = tonumber(redis.call('HGET', r, 'capacity') or '0')
  local used = tonumber(redis.call('HGET', r, 'clients') or '0') + redis.call('ZCARD', P .. 'seats:' .. id)
  return cap - used
end
local function reindex(id, t)
  local r = P .. 'room:' .. id
  local ty = redis.call('HGET', r, 'type')
  if not ty then return end
  local f = freeSeats(id, t)
  if f > 0 and alive(redis.call('HGET', r, 'owner'), t) then
    redis.call('ZADD', P .. 'free:' .. ty, f, id)
  else
    redis.call('ZREM', P .. 'free:' .. ty, id)
  end
end
`;

/**
 * ARGV: prefix, process id, url, load, draining (0/1), expiry ms, then per room: id, type, clients,
 * capacity. Refreshes the process, reaps expired processes, removes this process's rooms it no longer
 * reports (a record another process created for it lives until its seats expire), re-indexes the rest.
 */
export const HEARTBEAT = `${COMMON}
local t = now()
reap(t)
local id, url, load, draining, expiry = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local pk = P .. 'proc:' .. id
redis.call('ZADD', P .. 'procs', t + expiry, id)
redis.call('HSET', pk, 'url', url, 'load', load, 'draining', draining)
redis.call('PEXPIRE', pk, expiry * 2)
local set = pk .. ':rooms'
local reported = {}
for i = 7, #ARGV, 4 do reported[ARGV[i]] = i end
for _, rid in ipairs(redis.call('SMEMBERS', set)) do
  if not reported[rid] then
    local r = P .. 'room:' .. rid
    if redis.call('HGET', r, 'live') == '1' or redis.call('EXISTS', r) == 0 then dropRoom(rid)
    else
      freeSeats(rid, t)
      local waiting = redis.call('ZCARD', P .. 'seats:' .. rid)
      load = load + waiting
      if waiting == 0 and tonumber(redis.call('HGET', r, 'clients') or '0') == 0 then dropRoom(rid) end
    end
  end
end
for i = 7, #ARGV, 4 do
  local rid = ARGV[i]
  local r = P .. 'room:' .. rid
  redis.call('HSET', r, 'type', ARGV[i + 1], 'owner', id, 'clients', ARGV[i + 2], 'capacity', ARGV[i + 3], 'live', '1')
  redis.call('PEXPIRE', r, expiry * 2)
  redis.call('SADD', set, rid)
  reindex(rid, t)
  load = load + redis.call('ZCARD', P .. 'seats:' .. rid)
end
if draining == '1' then redis.call('ZREM', P .. 'load', id) else redis.call('ZADD', P .. 'load', load, id) end
redis.call('PEXPIRE', set, expiry * 2)
return 1
`;

/**
 * ARGV: prefix, type, capacity, seat ttl ms, seat nonce. Looks at up to 8 indexed rooms, then opens a room. Returns
 * {seat, room id, owner, url, created 0/1}, or false when no live process can take a new room.
 */
export const RESERVE = `${COMMON}
local t = now()
reap(t)
local ty, capacity, ttl, nonce = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local function seatIn(rid, owner, created)
  local seat = rid .. '.' .. nonce
  redis.call('ZADD', P .. 'seats:' .. rid, t + ttl, seat)
  redis.call('PEXPIRE', P .. 'seats:' .. rid, ttl * 2)
  if redis.call('ZSCORE', P .. 'load', owner) then redis.call('ZINCRBY', P .. 'load', 1, owner) end
  reindex(rid, t)
  return { seat, rid, owner, redis.call('HGET', P .. 'proc:' .. owner, 'url'), created }
end
for _, rid in ipairs(redis.call('ZRANGEBYSCORE', P .. 'free:' .. ty, 1, '+inf', 'LIMIT', 0, 8)) do
  local owner = redis.call('HGET', P .. 'room:' .. rid, 'owner')
  if owner and alive(owner, t) and freeSeats(rid, t) > 0 then return seatIn(rid, owner, 0) end
  reindex(rid, t)
end
for _, p in ipairs(redis.call('ZRANGE', P .. 'load', 0, 7)) do
  if alive(p, t) then
    local rid = ty .. '.' .. string.format('%x', redis.call('INCR', P .. 'seq'))
    local r = P .. 'room:' .. rid
    redis.call('HSET', r, 'type', ty, 'owner', p, 'capacity', capacity, 'clients', 0, 'live', '0')
    redis.call('PEXPIRE', r, ttl * 2)
    redis.call('SADD', P .. 'proc:' .. p .. ':rooms', rid)
    return seatIn(rid, p, 1)
  end
end
return false
`;

/** ARGV: prefix, process id, room id, seat. Returns the room's type, or false. */
export const CLAIM = `${COMMON}
local t = now()
local p, rid, seat = ARGV[2], ARGV[3], ARGV[4]
local r = P .. 'room:' .. rid
if redis.call('HGET', r, 'owner') ~= p then return false end
local e = redis.call('ZSCORE', P .. 'seats:' .. rid, seat)
if e and tonumber(e) > t then
  redis.call('ZREM', P .. 'seats:' .. rid, seat)
elseif freeSeats(rid, t) <= 0 then
  return false
end
redis.call('HINCRBY', r, 'clients', 1)
reindex(rid, t)
return redis.call('HGET', r, 'type')
`;

/** ARGV: prefix, process id. Returns {url, draining} of a live process, or false. */
export const PROCESS = `${COMMON}
local t = now()
local e = redis.call('ZSCORE', P .. 'procs', ARGV[2])
if not e or tonumber(e) <= t then return false end
local h = redis.call('HMGET', P .. 'proc:' .. ARGV[2], 'url', 'draining')
if not h[1] then return false end
return { h[1], h[2] or '0' }
`;

/** ARGV: prefix, process id. Marks it draining and takes its rooms out of the join index. */
export const DRAIN = `${COMMON}
local t = now()
local pk = P .. 'proc:' .. ARGV[2]
redis.call('HSET', pk, 'draining', '1')
redis.call('ZREM', P .. 'load', ARGV[2])
for _, rid in ipairs(redis.call('SMEMBERS', pk .. ':rooms')) do reindex(rid, t) end
return 1
`;

/** ARGV: prefix, process id. Removes the process and its rooms. */
export const UNREGISTER = `${COMMON}
dropProcess(ARGV[2])
return 1
`;

/** ARGV: prefix. Returns, per room of a live process: id, type, owner, clients, capacity, reserved. */
export const LIST_ROOMS = `${COMMON}
local t = now()
reap(t)
local out = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', P .. 'procs', t, '+inf')) do
  for _, rid in ipairs(redis.call('SMEMBERS', P .. 'proc:' .. p .. ':rooms')) do
    local h = redis.call('HMGET', P .. 'room:' .. rid, 'type', 'clients', 'capacity')
    if h[1] then
      redis.call('ZREMRANGEBYSCORE', P .. 'seats:' .. rid, '-inf', t)
      local n = redis.call('ZCARD', P .. 'seats:' .. rid)
      table.insert(out, { rid, h[1], p, h[2], h[3], tostring(n) })
    end
  end
end
return out
`;
