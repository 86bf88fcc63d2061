//! The Lua scripts that make each frontier operation one atomic step on the Redis server.
//!
//! Every script takes the key prefix as `ARGV[1]` and reads the time from the server
//! (`TIME`), so workers on machines with different clocks agree on lease deadlines and
//! per-host delays. The key layout is documented on [`super::keys`].

/// Shared functions, prepended to every script.
const PRELUDE: &str = r#"
local p = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- `cmd key ...list` in calls of at most 1000 of `list` (Lua's `unpack` is bounded), the
-- replies joined (`list` of pairs stays whole: 1000 is even).
local function each(cmd, key, list)
  local out = {}
  for i = 1, #list, 1000 do
    local reply = redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list)))
    if type(reply) == 'table' then
      for _, v in ipairs(reply) do out[#out + 1] = v end
    end
  end
  return out
end
-- A route, `"<host> <priority>"`, split.
local function split(r)
  local sp = string.find(r, ' ', 1, true)
  return string.sub(r, 1, sp - 1), tonumber(string.sub(r, sp + 1))
end
local function route(id)
  local r = redis.call('HGET', p .. ':route', id)
  if not r then return nil, nil end
  return split(r)
end
-- A request becomes ready: into its host's queue, the host into the ready set.
local function enqueue(id, host, prio, now)
  redis.call('ZADD', p .. ':q:' .. host, -prio, id)
  local nxt = tonumber(redis.call('HGET', p .. ':next', host) or '0')
  if nxt < now then nxt = now end
  redis.call('ZADD', p .. ':hosts', 'NX', nxt, host)
end
-- `n` downloads of `host` fewer (`CONCURRENT_REQUESTS_PER_DOMAIN`), `worker`'s (if known).
local function free(host, worker, n)
  if tonumber(redis.call('HINCRBY', p .. ':inflight', host, -n)) <= 0 then
    redis.call('HDEL', p .. ':inflight', host)
  end
  local by = p .. ':in:' .. host
  if worker and tonumber(redis.call('HINCRBY', by, worker, -n)) <= 0 then
    redis.call('HDEL', by, worker)
  end
end
-- Frees the hosts' places of `worker`'s leases `ids` (each host once, by its count).
local function free_all(ids, worker)
  if #ids == 0 then return end
  local per = {}
  for _, r in ipairs(each('HMGET', p .. ':route', ids)) do
    if r then
      local host = split(r)
      per[host] = (per[host] or 0) + 1
    end
  end
  for host, n in pairs(per) do free(host, worker, n) end
end
-- The lease `id` ends: its host's place is free, unless its download ended already.
local function unlease(id, host)
  redis.call('ZREM', p .. ':leases', id)
  local worker = redis.call('HGET', p .. ':owner', id)
  redis.call('HDEL', p .. ':owner', id)
  if redis.call('SREM', p .. ':fetched', id) == 0 and host then free(host, worker, 1) end
end
-- A lease ends without an ack: the request is pending again (at `not_before` if later).
local function release(id, not_before, now)
  local host, prio = route(id)
  unlease(id, host)
  if not host then return end
  if not_before > now then
    redis.call('ZADD', p .. ':delayed', not_before, id)
  else
    enqueue(id, host, prio, now)
  end
end
local function owned(id, worker)
  return redis.call('ZSCORE', p .. ':leases', id) and redis.call('HGET', p .. ':owner', id) == worker
end
-- Those of `ids` leased to `worker`, and how many were not.
local function owned_all(ids, worker)
  if #ids == 0 then return {}, 0 end
  local scores = each('ZMSCORE', p .. ':leases', ids)
  local owners = each('HMGET', p .. ':owner', ids)
  local mine = {}
  for i, id in ipairs(ids) do
    if scores[i] and owners[i] == worker then mine[#mine + 1] = id end
  end
  return mine, #ids - #mine
end
-- `ARGV[first..last]`, as a list.
local function args(first, last)
  local list = {}
  for i = first, last do list[#list + 1] = ARGV[i] end
  return list
end
"#;

/// `ARGV`: prefix, then per request: seen set (a key suffix: `seen:<bucket>`, or `start`
/// for the start requests that skip the filter), its member (empty: not filtered), host,
/// priority, not-before in ms (0: now), request JSON (at most 512 requests). Returns how
/// many were new (the others had been seen). Apart from the seen sets, each key is
/// written once per call (per host for the queues).
const PUSH: &str = r#"
local now = now_ms()
local new = {}
for i = 2, #ARGV, 6 do
  if ARGV[i + 1] == '' or redis.call('SADD', p .. ':' .. ARGV[i], ARGV[i + 1]) == 1 then
    new[#new + 1] = i
  end
end
if #new == 0 then return 0 end
local first = redis.call('INCRBY', p .. ':seq', #new) - #new
local reqs, routes, delayed, ready = {}, {}, {}, {}
for n, i in ipairs(new) do
  local id = string.format('%016x', first + n)
  local host, prio = ARGV[i + 2], tonumber(ARGV[i + 3])
  reqs[#reqs + 1] = id
  reqs[#reqs + 1] = ARGV[i + 5]
  routes[#routes + 1] = id
  routes[#routes + 1] = host .. ' ' .. prio
  local not_before = tonumber(ARGV[i + 4])
  if not_before > now then
    delayed[#delayed + 1] = not_before
    delayed[#delayed + 1] = id
  else
    local queue = ready[host] or {}
    queue[#queue + 1] = -prio
    queue[#queue + 1] = id
    ready[host] = queue
  end
end
each('HSET', p .. ':req', reqs)
each('HSET', p .. ':route', routes)
if #delayed > 0 then each('ZADD', p .. ':delayed', delayed) end
for host, queue in pairs(ready) do
  each('ZADD', p .. ':q:' .. host, queue)
  local nxt = tonumber(redis.call('HGET', p .. ':next', host) or '0')
  if nxt < now then nxt = now end
  redis.call('ZADD', p .. ':hosts', 'NX', nxt, host)
end
return #new
"#;

/// `ARGV`: prefix, worker, lease ms, per-host delay ms, per-host concurrency, how many,
/// how many ready hosts to compare, the share window in ms, then the ids of this worker's
/// leases whose downloads ended (their hosts' places are free: `P:fetched`). Expired
/// leases are released first, then due delayed requests become ready; then requests are
/// leased, the highest priority first among the ready hosts under their concurrency (and
/// the worker's share of it: while other workers got fewer than they asked for within the
/// window, `P:hungry`, each host's concurrency is shared evenly among them), then
/// in push order: from the best host, as many as its concurrency allows that come before
/// every other host's head, or one when the host has a delay, after which it
/// waits the delay (its own in `P:delay`, if a worker set one: robots.txt `Crawl-delay`,
/// AutoThrottle). Returns `{ {id, json, ...}, ms until the next request is ready or -1,
/// requests left }`.
const LEASE: &str = r#"
local worker, lease_ms, delay = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local limit, want, scan = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local window = tonumber(ARGV[8])
local now = now_ms()
local mine = owned_all(args(9, #ARGV), worker)
if #mine > 0 then
  local known = each('SMISMEMBER', p .. ':fetched', mine)
  local fresh = {}
  for i, id in ipairs(mine) do
    if known[i] == 0 then fresh[#fresh + 1] = id end
  end
  if #fresh > 0 then
    each('SADD', p .. ':fetched', fresh)
    free_all(fresh, worker)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 256)) do
  release(id, 0, now)
  redis.call('HINCRBY', p .. ':stats', 'redis/lease_expired_count', 1)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':delayed', '-inf', now, 'LIMIT', 0, 256)) do
  redis.call('ZREM', p .. ':delayed', id)
  local host, prio = route(id)
  if host then enqueue(id, host, prio, now) end
end
-- Workers that got fewer than they asked for within the window share each host's
-- concurrency evenly (so that one worker, freeing and retaking places in one call, does not
-- keep them all); a worker alone takes them all.
local hungry = p .. ':hungry'
redis.call('ZREMRANGEBYSCORE', hungry, '-inf', '(' .. (now - window))
local others = redis.call('ZCARD', hungry)
if redis.call('ZSCORE', hungry, worker) then others = others - 1 end
local share = math.ceil(limit / (others + 1))
-- The ready hosts under their concurrency (and this worker's share), with their heads.
local hosts = {}
for _, host in ipairs(redis.call('ZRANGEBYSCORE', p .. ':hosts', '-inf', now, 'LIMIT', 0, scan)) do
  local room = limit - tonumber(redis.call('HGET', p .. ':inflight', host) or '0')
  if share < limit then
    local own = tonumber(redis.call('HGET', p .. ':in:' .. host, worker) or '0')
    room = math.min(room, share - own)
  end
  if room > 0 then
    local head = redis.call('ZRANGE', p .. ':q:' .. host, 0, 0, 'WITHSCORES')
    if #head == 0 then
      redis.call('ZREM', p .. ':hosts', host)
    else
      hosts[#hosts + 1] = { host = host, id = head[1], score = tonumber(head[2]), room = room }
    end
  end
end
local leased = {}
while #leased < want and #hosts > 0 do
  local b = 1
  for i = 2, #hosts do
    local h = hosts[i]
    if h.score < hosts[b].score or (h.score == hosts[b].score and h.id < hosts[b].id) then b = i end
  end
  local best = hosts[b]
  local second = nil
  for i, h in ipairs(hosts) do
    if i ~= b and (not second or h.score < second) then second = h.score end
  end
  local queue = p .. ':q:' .. best.host
  local wait_ms = tonumber(redis.call('HGET', p .. ':delay', best.host) or delay)
  local k = math.min(want - #leased, best.room)
  local ids = { best.id }
  if wait_ms <= 0 and k > 1 then
    if second then
      ids = redis.call('ZRANGEBYSCORE', queue, '-inf', '(' .. second, 'LIMIT', 0, k)
      if #ids == 0 then ids = { best.id } end
    else
      ids = redis.call('ZRANGE', queue, 0, k - 1)
    end
  end
  each('ZREM', queue, ids)
  local deadlines, owners = {}, {}
  for _, id in ipairs(ids) do
    deadlines[#deadlines + 1] = now + lease_ms
    deadlines[#deadlines + 1] = id
    owners[#owners + 1] = id
    owners[#owners + 1] = worker
    leased[#leased + 1] = id
  end
  each('ZADD', p .. ':leases', deadlines)
  each('HSET', p .. ':owner', owners)
  redis.call('HINCRBY', p .. ':inflight', best.host, #ids)
  redis.call('HINCRBY', p .. ':in:' .. best.host, worker, #ids)
  best.room = best.room - #ids
  local done = best.room <= 0
  if wait_ms > 0 then
    redis.call('HSET', p .. ':next', best.host, now + wait_ms)
    redis.call('ZADD', p .. ':hosts', 'XX', now + wait_ms, best.host)
    done = true
  end
  local head = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('ZREM', p .. ':hosts', best.host)
    done = true
  else
    best.id, best.score = head[1], tonumber(head[2])
  end
  if done then table.remove(hosts, b) end
end
if #leased < want then
  redis.call('ZADD', hungry, now, worker)
else
  redis.call('ZREM', hungry, worker)
end
local out = {}
if #leased > 0 then
  local jsons = each('HMGET', p .. ':req', leased)
  for i, id in ipairs(leased) do
    out[#out + 1] = id
    out[#out + 1] = jsons[i]
  end
end
local wait = -1
local function sooner(key)
  local first = redis.call('ZRANGE', p .. key, 0, 0, 'WITHSCORES')
  if #first > 0 then
    local w = math.max(0, tonumber(first[2]) - now)
    if wait < 0 or w < wait then wait = w end
  end
end
sooner(':hosts')
sooner(':delayed')
sooner(':leases')
return { out, wait, redis.call('HLEN', p .. ':req') }
"#;

/// `ARGV`: prefix, worker, how many ids, the ids, the items stream's key
/// (empty: none), how many items, the items (JSON), then pairs of feed path and length. The
/// callbacks of these leases finished and their outputs are committed: the requests are
/// done, their items are appended to the stream, and the worker's feeds hold their items up
/// to these lengths (`P:feeds:<worker>`), all in one atomic step. Returns how many were
/// still this worker's (a lease that expired and went to another worker is not
/// acknowledged).
const ACK: &str = r#"
local worker = ARGV[2]
local last = 3 + tonumber(ARGV[3])
local stream = ARGV[last + 1]
local items_end = last + 2 + tonumber(ARGV[last + 2])
for i = last + 3, items_end do
  redis.call('XADD', stream, '*', 'item', ARGV[i])
end
for i = items_end + 1, #ARGV, 2 do
  redis.call('HSET', p .. ':feeds:' .. worker, ARGV[i], ARGV[i + 1])
end
local mine, lost = owned_all(args(4, last), worker)
if lost > 0 then
  redis.call('HINCRBY', p .. ':stats', 'redis/ack_lost_count', lost)
end
if #mine == 0 then return 0 end
local fetched = each('SMISMEMBER', p .. ':fetched', mine)
local downloading = {}
for i, id in ipairs(mine) do
  if fetched[i] == 0 then downloading[#downloading + 1] = id end
end
free_all(downloading, worker)
each('ZREM', p .. ':leases', mine)
each('HDEL', p .. ':owner', mine)
each('SREM', p .. ':fetched', mine)
each('HDEL', p .. ':req', mine)
each('HDEL', p .. ':route', mine)
return #mine
"#;

/// `ARGV`: prefix, worker, id, backoff ms, request JSON. The lease ends without a result:
/// the (possibly updated) request is pending again, ready once the backoff has passed on the
/// server's clock. Returns 1, or 0 when the lease was no longer this worker's.
const NACK: &str = r#"
local worker, id = ARGV[2], ARGV[3]
if not owned(id, worker) then return 0 end
redis.call('HSET', p .. ':req', id, ARGV[5])
local now = now_ms()
release(id, now + tonumber(ARGV[4]), now)
return 1
"#;

/// `ARGV`: prefix, worker, ids. This worker's leases end without a result: the requests
/// are pending again now. Returns how many were still this worker's.
const RELEASE: &str = r#"
local now = now_ms()
local released = 0
for i = 3, #ARGV do
  if owned(ARGV[i], ARGV[2]) then
    release(ARGV[i], 0, now)
    released = released + 1
  end
end
return released
"#;

/// `ARGV`: prefix, worker, lease ms, ids. Pushes the deadline of this worker's leases
/// forward (a slow page keeps its lease). Returns how many were extended.
const EXTEND: &str = r#"
local worker, lease_ms = ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local kept = 0
for i = 4, #ARGV do
  if owned(ARGV[i], worker) then
    redis.call('ZADD', p .. ':leases', 'XX', now + lease_ms, ARGV[i])
    kept = kept + 1
  end
end
return kept
"#;

/// `ARGV`: prefix, worker. The worker is alive now (`P:workers`, by server time in ms).
const HEARTBEAT: &str = r#"
redis.call('ZADD', p .. ':workers', now_ms(), ARGV[2])
return 1
"#;

/// `ARGV`: prefix, worker, ms after which a silent worker counts as gone. The worker leaves
/// the crawl. Returns `{workers still alive, requests left}`.
const LEAVE: &str = r#"
local now = now_ms()
redis.call('ZREM', p .. ':workers', ARGV[2])
redis.call('ZREM', p .. ':hungry', ARGV[2])
redis.call('ZREMRANGEBYSCORE', p .. ':workers', '-inf', now - tonumber(ARGV[3]))
return { redis.call('ZCARD', p .. ':workers'), redis.call('HLEN', p .. ':req') }
"#;

/// The scripts, compiled once per frontier (their SHA1 is sent, the body only on a miss).
pub(super) struct Scripts {
    pub push: redis::Script,
    pub lease: redis::Script,
    pub ack: redis::Script,
    pub nack: redis::Script,
    pub extend: redis::Script,
    pub heartbeat: redis::Script,
    pub leave: redis::Script,
    pub release: redis::Script,
}

impl Scripts {
    pub(super) fn new() -> Scripts {
        let script = |body: &str| redis::Script::new(&format!("{PRELUDE}{body}"));
        Scripts {
            push: script(PUSH),
            lease: script(LEASE),
            ack: script(ACK),
            nack: script(NACK),
            extend: script(EXTEND),
            heartbeat: script(HEARTBEAT),
            leave: script(LEAVE),
            release: script(RELEASE),
        }
    }
}
