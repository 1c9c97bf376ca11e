//! Per-client rate limits of public case lookups (`GET /api/v1/public/cases/{no}` and the
//! `/track` page share one budget per client address).
//!
//! A lookup is what could guess a query code, so only lookups count: a burst of
//! `public_lookup_burst`, then `public_lookup_per_minute` spread evenly over the minute (GCRA,
//! the `governor` crate). The client is the TCP peer address (an IPv6 client by its /64, which
//! one subscriber usually holds whole); forwarded headers are not trusted, so behind a reverse
//! proxy every client shares the proxy's budget: limit there, or raise these settings.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::{HttpRequest, web};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// The limits a server applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Public case lookups per minute and client address, after the burst.
    pub public_lookup_per_minute: u32,
    /// Public case lookups a client may make at once.
    pub public_lookup_burst: u32,
    /// Complaints and ratings per minute and client address, after the burst.
    pub public_write_per_minute: u32,
    /// Complaints and ratings a client may send at once.
    pub public_write_burst: u32,
    /// Console sign-in attempts per minute and client address, after the burst.
    pub sign_in_per_minute: u32,
    /// Console sign-in attempts a client may make at once.
    pub sign_in_burst: u32,
    /// Transparency log reads per minute and client address, after the burst.
    pub log_reads_per_minute: u32,
    /// Log reads a client address may make at once.
    pub log_reads_burst: u32,
    /// Sessions and the lockout after failed sign-ins.
    pub accounts: crate::identity::accounts::AccountPolicy,
}

/// Forget idle clients every this many checks, so the table stays small.
const PURGE_EVERY: u64 = 4096;

/// Reads of the transparency log (heads, proofs, leaves) per client address.
#[derive(Debug)]
pub struct LogReadLimiter(pub PublicLookupLimiter);

impl LogReadLimiter {
    /// A limiter for `limits`' log reads.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        PublicLookupLimiter::with_rate(
            limits.log_reads_per_minute,
            limits.log_reads_burst,
            "log_reads",
        )
        .map(LogReadLimiter)
    }

    /// Counts one log read by the request's client (`Err`: seconds to wait).
    pub fn check(&self, req: &HttpRequest) -> Result<(), u64> {
        let Some(peer) = req.peer_addr() else {
            return Ok(());
        };
        self.0
            .check(peer.ip())
            .map_err(|wait| wait.as_secs_f64().ceil().max(1.0) as u64)
    }
}

/// The lookup limiter, shared by every worker of a server.
pub struct PublicLookupLimiter {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl std::fmt::Debug for PublicLookupLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicLookupLimiter(..)")
    }
}

impl PublicLookupLimiter {
    /// A limiter for `limits`; both numbers must be at least 1.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        Self::with_rate(
            limits.public_lookup_per_minute,
            limits.public_lookup_burst,
            "public_lookup",
        )
    }

    /// A limiter of `per_minute` after a burst of `burst` per client (both at least 1).
    pub fn with_rate(per_minute: u32, burst: u32, name: &str) -> anyhow::Result<Self> {
        let per_minute = NonZeroU32::new(per_minute)
            .ok_or_else(|| anyhow::anyhow!("{name}_per_minute must be at least 1"))?;
        let burst = NonZeroU32::new(burst)
            .ok_or_else(|| anyhow::anyhow!("{name}_burst must be at least 1"))?;
        Ok(PublicLookupLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        })
    }

    /// Counts one lookup by `client`: `Err` with the wait before the next one is allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&client_key(client))
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// The limiter of the public's writes (complaints, ratings): a budget of its own, much smaller
/// than lookups', since each one lands in an inspector's queue.
#[derive(Debug)]
pub struct PublicWriteLimiter(PublicLookupLimiter);

impl PublicWriteLimiter {
    /// A limiter for `limits`' write settings; both must be at least 1.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        Ok(PublicWriteLimiter(PublicLookupLimiter::with_rate(
            limits.public_write_per_minute,
            limits.public_write_burst,
            "public_write",
        )?))
    }
}

/// Counts a complaint or rating by the request's client, like [`check_public_lookup`].
pub fn check_public_write(req: &HttpRequest) -> Result<(), u64> {
    check_peer(
        req.app_data::<web::Data<PublicWriteLimiter>>()
            .map(|l| &l.0),
        req,
    )
}

/// The console's sign-in limiter (the same GCRA per client address, its own budget).
pub struct SignInLimiter(pub PublicLookupLimiter);

/// Counts a sign-in attempt by the request's client, like [`check_public_lookup`].
pub fn check_sign_in(req: &HttpRequest) -> Result<(), u64> {
    check_peer(
        req.app_data::<web::Data<SignInLimiter>>().map(|l| &l.0),
        req,
    )
}

/// Counts one request by the request's peer against `limiter`: `Err` holds the seconds to
/// wait (at least 1). Allowed without a limiter or a peer address.
fn check_peer(limiter: Option<&PublicLookupLimiter>, req: &HttpRequest) -> Result<(), u64> {
    let (Some(limiter), Some(peer)) = (limiter, req.peer_addr()) else {
        return Ok(());
    };
    limiter
        .check(peer.ip())
        .map_err(|wait| wait.as_secs_f64().ceil().max(1.0) as u64)
}

/// IPv4 addresses as they are (also when mapped into IPv6); IPv6 addresses by their /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// Counts a public lookup by the request's client. `Err` holds the seconds to wait (at least
/// 1), for `Retry-After`. Allowed when the server has no limiter or no peer address.
pub fn check_public_lookup(req: &HttpRequest) -> Result<(), u64> {
    check_peer(
        req.app_data::<web::Data<PublicLookupLimiter>>()
            .map(|l| l.get_ref()),
        req,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_per_client() {
        let limiter = PublicLookupLimiter::new(Limits {
            public_lookup_per_minute: 1,
            public_lookup_burst: 3,
            ..Limits::default()
        })
        .unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!(wait > Duration::from_secs(50), "{wait:?}");
        assert!(
            limiter.check(b).is_ok(),
            "another client has its own budget"
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_v4_as_v4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let two: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(one), client_key(two));
        assert_ne!(client_key(one), client_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn zero_limits_are_refused() {
        assert!(
            PublicLookupLimiter::new(Limits {
                public_lookup_per_minute: 0,
                public_lookup_burst: 1,
                ..Limits::default()
            })
            .is_err()
        );
    }
}
