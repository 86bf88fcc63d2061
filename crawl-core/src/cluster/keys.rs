//! The key layout of a crawl in Redis.
//!
//! Every key of one crawl starts with its prefix, `REDIS_KEY_PREFIX` (default
//! `crawl:<spider name>`), written `P` here:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P:req` | hash | request id -> the request as JSON (pending, delayed or leased) |
//! | `P:route` | hash | request id -> `"<host> <priority>"` |
//! | `P:q:<host>` | sorted set | ready request ids of one host, by `-priority` then id (FIFO) |
//! | `P:hosts` | sorted set | hosts with ready requests, by the time (ms) they may be fetched next |
//! | `P:next` | hash | host -> the earliest time (ms) of its next fetch (`DOWNLOAD_DELAY`) |
//! | `P:delay` | hash | host -> its own delay (ms) when it differs from `DOWNLOAD_DELAY` (robots.txt `Crawl-delay`, AutoThrottle) |
//! | `P:inflight` | hash | host -> leases out now whose downloads have not ended (`CONCURRENT_REQUESTS_PER_DOMAIN`) |
//! | `P:in:<host>` | hash | worker -> its part of `P:inflight[host]` |
//! | `P:hungry` | sorted set | workers that got fewer leases than they asked for, by when (ms): while there are two or more, each host's concurrency is shared evenly among them |
//! | `P:fetched` | set | leased request ids whose downloads ended (their places in `P:inflight` are free) |
//! | `P:delayed` | sorted set | request ids waiting for a retry backoff, by ready time (ms) |
//! | `P:leases` | sorted set | leased request ids, by lease deadline (ms) |
//! | `P:owner` | hash | leased request id -> the worker holding it |
//! | `P:seen:<bucket>` | set | fingerprints seen (integers: Redis stores them as an intset) |
//! | `P:seq` | string | the last request id given |
//! | `P:stats` | hash | the crawl's stats, every worker's counts added up |
//! | `P:start` | set | fingerprints of the start requests that skip the filter (`dont_filter`): every worker reads the start requests, each runs once |
//! | `P:unreadable` | hash | request id -> the JSON of a request this version of crawl could not read, set aside (`redis/unreadable_request_count`) |
//! | `P:feeds:<worker>` | hash | feed path -> its length committed with the worker's acks |
//! | `P:workers` | sorted set | workers of the crawl, by their last heartbeat (ms) |
//!
//! Ids are 16 hex digits, so they sort in the order they were given. Times are the Redis
//! server's (`TIME`), so workers on machines with different clocks agree.

use crate::scheduler::Fingerprint;

/// How many buckets the seen set is split into: 2^16. Each bucket stays a compact intset
/// (8 bytes per fingerprint) while it holds at most 512 members (`set-max-intset-entries`),
/// that is up to some 30 million URLs.
const BUCKET_BITS: u32 = 16;

/// The keys of one crawl.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// The keys under `prefix`.
    pub fn new(prefix: &str) -> Keys {
        Keys {
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix itself (the scripts' `ARGV[1]`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key `P:<name>`.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// A pattern matching every key of the crawl (for `SCAN`).
    pub fn pattern(&self) -> String {
        format!("{}:*", self.prefix)
    }
}

/// The seen-set bucket and member of a fingerprint: the top 16 bits choose the bucket, the
/// other 48 are the member, an integer (all 64 bits are kept).
pub(crate) fn seen_slot(fingerprint: Fingerprint) -> (String, String) {
    let bucket = fingerprint.0 >> (64 - BUCKET_BITS);
    let member = fingerprint.0 & ((1 << (64 - BUCKET_BITS)) - 1);
    (format!("{bucket:04x}"), member.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_keep_every_bit_of_the_fingerprint() {
        let (bucket, member) = seen_slot(Fingerprint(0xabcd_0123_4567_89ef));
        assert_eq!(bucket, "abcd");
        assert_eq!(member.parse::<u64>().unwrap(), 0x0123_4567_89ef);
        let (bucket, member) = seen_slot(Fingerprint(u64::MAX));
        assert_eq!(bucket, "ffff");
        assert_eq!(member.parse::<u64>().unwrap(), (1 << 48) - 1);
    }
}
