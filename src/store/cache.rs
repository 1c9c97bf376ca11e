//! The bounded caches of what a process worked on last (缓存): the cases its commands left
//! (`engine::RecentCases`), the documents each view runner wrote (`store::views::Written`)
//! and the case streams the alert raiser followed (`follow::alerts::Streams`); and the ids of
//! alerts known to exist ([`KnownAlerts`]).
//!
//! They are [`quick_cache`] caches, whose eviction (CLOCK-Pro-like: a hot part, a small cold
//! part that new entries go through, and the keys of entries dropped, "ghosts") resists scans.
//! When the cases being worked go round more cases than a cache holds, least-recently-used
//! eviction drops each one just before it is needed again and finds none of them; this keeps a
//! steady share. The ghosts are as many as the entries (the crate's default is half): an entry
//! dropped from the cold part and met again while remembered comes back as hot, so a new
//! working set displaces entries no longer used (concluded cases) even when it goes round more
//! keys than half the cache. Simulated on the crate (capacity 16,384, cases worked round-robin
//! over 26,000): 50% found, against 0% with LRU and 61% with half as many ghosts; a new working
//! set of 600 documents after 2,000 never seen again, capacity 1,000: 600 of 600 found from its
//! second round, against 0 with half as many ghosts (`store::views` tests).
use std::hash::Hash;

use quick_cache::{DefaultHashBuilder, Options, OptionsBuilder, UnitWeighter};

fn options(items: usize) -> Options {
    OptionsBuilder::new()
        .estimated_items_capacity(items)
        .weight_capacity(items as u64)
        .ghost_allocation(1.0)
        .build()
        .expect("cache options are valid")
}

/// A cache of at most `items` entries, for one owner.
pub(crate) fn unsync<K: Eq + Hash, V>(items: usize) -> quick_cache::unsync::Cache<K, V> {
    quick_cache::unsync::Cache::with_options(
        options(items),
        UnitWeighter,
        DefaultHashBuilder::default(),
        Default::default(),
    )
}

/// A cache of at most `items` entries (about: it is sharded), shared between threads.
pub(crate) fn sync<K: Eq + Hash, V: Clone>(items: usize) -> quick_cache::sync::Cache<K, V> {
    quick_cache::sync::Cache::with_options(
        options(items),
        UnitWeighter,
        DefaultHashBuilder::default(),
        Default::default(),
    )
}
