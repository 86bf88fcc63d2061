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
local function route(id)
  local r = redis.call('HGET', p .. ':route', id)
  if not r then return nil, nil end
  local sp = string.find(r, ' ', 1, true)
  return string.sub(r, 1, sp - 1), tonumber(string.sub(r, sp + 1))
end
-- A request becomes ready: into its host's queue, the host into the ready set.
local function enqueue(id, host, prio, now)
  redis.call('ZADD', p .. ':q:' .. host, -prio, id)
  local nxt = tonumber(redis.call('HGET', p .. ':next', host) or '0')
  if nxt < now then nxt = now end
  redis.call('ZADD', p .. ':hosts', 'NX', nxt, host)
end
-- A lease ends without an ack: the request is pending again (at `not_before` if later).
local function release(id, not_before, now)
  local host, prio = route(id)
  redis.call('ZREM', p .. ':leases', id)
  redis.call('HDEL', p .. ':owner', id)
  if not host then return end
  if tonumber(redis.call('HINCRBY', p .. ':inflight', host, -1)) <= 0 then
    redis.call('HDEL', p .. ':inflight', host)
  end
  if not_before > now then
    redis.call('ZADD', p .. ':delayed', not_before, id)
  else
    enqueue(id, host, prio, now)
  end
end
local function owned(id, worker)
  return redis.call('ZSCORE', p .. ':leases', id) and redis.call('HGET', p .. ':owner', id) == worker
end
"#;

/// `ARGV`: prefix, then per request: seen set (a key suffix: `seen:<bucket>`, or `start`
/// for the start requests that skip the filter), its member (empty: not filtered), host,
/// priority, not-before in ms (0: now), request JSON. Returns how many were
/// new (the others had been seen).
const PUSH: &str = r#"
local now = now_ms()
local added = 0
for i = 2, #ARGV, 6 do
  local new = 1
  if ARGV[i + 1] ~= '' then
    new = redis.call('SADD', p .. ':' .. ARGV[i], ARGV[i + 1])
  end
  if new == 1 then
    local id = string.format('%016x', redis.call('INCR', p .. ':seq'))
    local host, prio = ARGV[i + 2], tonumber(ARGV[i + 3])
    redis.call('HSET', p .. ':req', id, ARGV[i + 5])
    redis.call('HSET', p .. ':route', id, host .. ' ' .. prio)
    local not_before = tonumber(ARGV[i + 4])
    if not_before > now then
      redis.call('ZADD', p .. ':delayed', not_before, id)
    else
      enqueue(id, host, prio, now)
    end
    added = added + 1
  end
end
return added
"#;

/// `ARGV`: prefix, worker, lease ms, per-host delay ms, per-host concurrency, how many,
/// how many ready hosts to compare. Expired leases are released first, then due delayed
/// requests become ready; then, up to `how many` times, the highest-priority head among
/// the ready hosts under their concurrency is leased, and its host waits the delay (its own
/// in `P:delay`, if a worker set one: robots.txt `Crawl-delay`, AutoThrottle).
/// Returns `{ {id, json, ...}, ms until the next request is ready or -1, requests left }`.
const LEASE: &str = r#"
local worker, lease_ms, delay = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local limit, want, scan = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now = now_ms()
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':leases', '-inf', now, 'LIMIT', 0, 256)) do
  release(id, 0, now)
  redis.call('HINCRBY', p .. ':stats', 'redis/lease_expired_count', 1)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':delayed', '-inf', now, 'LIMIT', 0, 256)) do
  redis.call('ZREM', p .. ':delayed', id)
  local host, prio = route(id)
  if host then enqueue(id, host, prio, now) end
end
local out = {}
while #out < want * 2 do
  local best, best_host, best_score = nil, nil, nil
  for _, host in ipairs(redis.call('ZRANGEBYSCORE', p .. ':hosts', '-inf', now, 'LIMIT', 0, scan)) do
    if tonumber(redis.call('HGET', p .. ':inflight', host) or '0') < limit then
      local head = redis.call('ZRANGE', p .. ':q:' .. host, 0, 0, 'WITHSCORES')
      if #head == 0 then
        redis.call('ZREM', p .. ':hosts', host)
      else
        local score = tonumber(head[2])
        if not best or score < best_score or (score == best_score and head[1] < best) then
          best, best_host, best_score = head[1], host, score
        end
      end
    end
  end
  if not best then break end
  redis.call('ZREM', p .. ':q:' .. best_host, best)
  redis.call('ZADD', p .. ':leases', now + lease_ms, best)
  redis.call('HSET', p .. ':owner', best, worker)
  redis.call('HINCRBY', p .. ':inflight', best_host, 1)
  local wait_ms = tonumber(redis.call('HGET', p .. ':delay', best_host) or delay)
  if wait_ms > 0 then
    redis.call('HSET', p .. ':next', best_host, now + wait_ms)
    redis.call('ZADD', p .. ':hosts', 'XX', now + wait_ms, best_host)
  end
  if redis.call('ZCARD', p .. ':q:' .. best_host) == 0 then
    redis.call('ZREM', p .. ':hosts', best_host)
  end
  out[#out + 1] = best
  out[#out + 1] = redis.call('HGET', p .. ':req', best)
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

/// `ARGV`: prefix, worker, how many ids, the ids, the items stream's key (empty: none), how
/// many items, the items (JSON), then pairs of feed path and length. The callbacks of these
/// leases finished and their outputs are committed: the requests are done, their items are
/// appended to the stream, and the worker's feeds hold their items up to these lengths
/// (`P:feeds:<worker>`), all in one atomic step. Returns how many were still this worker's
/// (a lease that expired and went to another worker is not acknowledged).
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
local done = 0
for i = 4, last do
  local id = ARGV[i]
  if owned(id, worker) then
    local host = route(id)
    redis.call('ZREM', p .. ':leases', id)
    redis.call('HDEL', p .. ':owner', id)
    redis.call('HDEL', p .. ':req', id)
    redis.call('HDEL', p .. ':route', id)
    if host and tonumber(redis.call('HINCRBY', p .. ':inflight', host, -1)) <= 0 then
      redis.call('HDEL', p .. ':inflight', host)
    end
    done = done + 1
  else
    redis.call('HINCRBY', p .. ':stats', 'redis/ack_lost_count', 1)
  end
end
return done
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
