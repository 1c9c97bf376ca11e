//! The log's tail, read once for all of a process's followers (views, the alert raiser, the
//! transparency log).
//!
//! After a commit every follower asks for the events after the place it has reached, and they
//! have mostly reached the same place: without sharing, each would run the same query and decode
//! the same JSON. [`Tail::read_after`] keeps the last batches it read, keyed by the cursor they
//! follow, and answers a follower at that cursor with the batch already read.
//!
//! A kept batch stays a right answer: it holds the first events after its cursor among those
//! that were final when it was read (`EventRepo::read_after` is gap-safe), and an event
//! committed later always lands after every event already handed out. So a follower given a
//! kept batch gets exactly what a fresh read would start with, and asks again from its end.
//! Empty reads are never kept: "nothing more" always comes from the store.
use std::collections::VecDeque;
use std::sync::Arc;

use super::{Cursor, EventRepo, StoreError, StoredEvent};

/// Shared reads of the log's tail.
#[derive(Debug)]
pub struct Tail {
    repo: EventRepo,
    keep: usize,
    /// Recent batches by the cursor they follow, oldest first.
    recent: std::sync::Mutex<VecDeque<(Cursor, Arc<Vec<StoredEvent>>)>>,
    /// Held across a read at the head, so that followers arriving at the same place meanwhile
    /// wait for that one read and share it.
    head_read: tokio::sync::Mutex<()>,
}

/// What [`Tail::read`] found.
#[derive(Debug)]
pub struct TailRead {
    /// The events, in the global order.
    pub events: Arc<Vec<StoredEvent>>,
    /// Read from the store just now and shorter than asked: every event final at the time of
    /// the read is in it. A follower's round ends there: what is committed later announces
    /// itself (a commit notification), and is read in the next round, after the follower's
    /// wait ([`crate::follow::projection::follow_delay`]), with whatever else came meanwhile. A kept
    /// batch may be older than commits already announced: the follower reads on after it.
    pub reached_head: bool,
}

impl TailRead {
    fn kept(events: Arc<Vec<StoredEvent>>) -> Self {
        TailRead {
            events,
            reached_head: false,
        }
    }
}

/// Batches a process's tail keeps (followers within this many batches of each other share).
pub const KEEP_BATCHES: usize = 32;

impl Tail {
    /// A tail over `repo` keeping up to `keep` batches.
    pub fn new(repo: EventRepo, keep: usize) -> Self {
        Tail {
            repo,
            keep,
            recent: std::sync::Mutex::new(VecDeque::new()),
            head_read: tokio::sync::Mutex::new(()),
        }
    }

    /// Up to `limit` events after `after` in the global order (as [`EventRepo::read_after`]).
    pub async fn read_after(
        &self,
        after: Cursor,
        limit: i64,
    ) -> Result<Arc<Vec<StoredEvent>>, StoreError> {
        Ok(self.read(after, limit).await?.events)
    }

    /// Like [`Tail::read_after`], saying whether the read reached the head.
    pub async fn read(&self, after: Cursor, limit: i64) -> Result<TailRead, StoreError> {
        let (kept, at_head) = self.lookup(after, limit);
        if let Some(events) = kept {
            return Ok(TailRead::kept(events));
        }
        // A follower behind the head (a view catching up) reads on its own and holds no one
        // up. At the head (where the furthest kept batch ends, or nothing is kept) followers
        // crowd after every commit: one reads, those arriving meanwhile wait and share it.
        let _gate = if at_head {
            let gate = self.head_read.lock().await;
            if let (Some(events), _) = self.lookup(after, limit) {
                return Ok(TailRead::kept(events));
            }
            Some(gate)
        } else {
            None
        };
        let batch = Arc::new(self.repo.read_after(after, limit).await?);
        if !batch.is_empty() && self.keep > 0 {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.push_back((after, batch.clone()));
            while recent.len() > self.keep {
                recent.pop_front();
            }
        }
        Ok(TailRead {
            reached_head: (batch.len() as i64) < limit,
            events: batch,
        })
    }

    /// The kept batch that answers a read after `after`, if any, and whether `after` is at
    /// (or past) the furthest place read so far.
    fn lookup(&self, after: Cursor, limit: i64) -> (Option<Arc<Vec<StoredEvent>>>, bool) {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let kept = recent
            .iter()
            .rev()
            .find(|(from, batch)| *from == after && batch.len() as i64 <= limit)
            .map(|(_, batch)| batch.clone());
        let at_head = recent
            .iter()
            .filter_map(|(_, batch)| batch.last().map(StoredEvent::cursor))
            .max()
            .is_none_or(|head| after >= head);
        (kept, at_head)
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::persist::SerializedEvent;
    use serde_json::json;

    use super::*;

    fn event(id: &str, sequence: usize) -> SerializedEvent {
        SerializedEvent {
            aggregate_id: id.into(),
            sequence,
            aggregate_type: "Case".into(),
            event_type: "Noted".into(),
            event_version: "1.0".into(),
            payload: json!({ "Noted": { "n": sequence } }),
            metadata: json!({}),
        }
    }

    #[tokio::test]
    async fn a_fresh_read_shorter_than_asked_reached_the_head_and_a_kept_one_did_not() {
        let (repo, _dir) = crate::store::test_sqlite().await;
        let tail = Tail::new(repo.clone(), 4);
        let start = Cursor::default();
        repo.append(&[event("a", 1), event("a", 2), event("a", 3)])
            .await
            .unwrap();
        // As many as asked: more may follow (a tail keeping nothing reads the store).
        let full = Tail::new(repo.clone(), 0).read(start, 3).await.unwrap();
        assert_eq!((full.events.len(), full.reached_head), (3, false));
        // Fewer than asked, from the store: the head.
        let short = tail.read(start, 10).await.unwrap();
        assert_eq!((short.events.len(), short.reached_head), (3, true));
        // The same batch kept for another follower: it may be older than the head.
        repo.append(&[event("b", 1)]).await.unwrap();
        let kept = tail.read(start, 10).await.unwrap();
        assert!(Arc::ptr_eq(&kept.events, &short.events));
        assert!(!kept.reached_head);
        let rest = tail
            .read(short.events.last().unwrap().cursor(), 10)
            .await
            .unwrap();
        assert_eq!((rest.events.len(), rest.reached_head), (1, true));
        // Nothing more: empty, at the head.
        let none = tail
            .read(rest.events.last().unwrap().cursor(), 10)
            .await
            .unwrap();
        assert!(none.events.is_empty() && none.reached_head);
    }

    #[tokio::test]
    async fn followers_at_one_place_share_a_read_and_every_answer_is_a_fresh_read() {
        let (repo, _dir) = crate::store::test_sqlite().await;
        let tail = Tail::new(repo.clone(), 2);
        let start = Cursor::default();
        assert!(tail.read_after(start, 10).await.unwrap().is_empty());
        repo.append(&[event("a", 1), event("a", 2)]).await.unwrap();
        // "Nothing more" was not kept: the new events are seen.
        let first = tail.read_after(start, 10).await.unwrap();
        assert_eq!(first.len(), 2);
        // A second follower at the same place gets the same batch, not another read.
        let second = tail.read_after(start, 10).await.unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        // More events: the kept batch is still a right (shorter) answer; the follower goes on
        // from its end and finds the rest, as a fresh read would.
        repo.append(&[event("b", 1)]).await.unwrap();
        assert_eq!(*tail.read_after(start, 10).await.unwrap(), *first);
        let end = first.last().unwrap().cursor();
        let rest = tail.read_after(end, 10).await.unwrap();
        assert_eq!(*rest, repo.read_after(end, 10).await.unwrap());
        assert_eq!(rest.len(), 1);
        // A follower asking for fewer events than a kept batch holds reads the store.
        let one = tail.read_after(start, 1).await.unwrap();
        assert_eq!(*one, repo.read_after(start, 1).await.unwrap());
        // Only `keep` batches are kept: the oldest goes.
        let mut cursor = rest.last().unwrap().cursor();
        for n in 2..5 {
            repo.append(&[event("b", n)]).await.unwrap();
            let batch = tail.read_after(cursor, 10).await.unwrap();
            cursor = batch.last().unwrap().cursor();
        }
        assert_eq!(tail.recent.lock().unwrap().len(), 2);
        let again = tail.read_after(start, 10).await.unwrap();
        assert!(!Arc::ptr_eq(&again, &first));
        assert_eq!(again.len(), 6);
    }

    #[tokio::test]
    async fn events_of_groups_the_streams_asked_for() {
        let (repo, _dir) = crate::store::test_sqlite().await;
        repo.append(&[event("a", 1), event("a", 2)]).await.unwrap();
        repo.append(&[event("b", 1)]).await.unwrap();
        repo.append(&[event("c", 1)]).await.unwrap();
        repo.append(&[event("a", 3)]).await.unwrap();
        let ids: Vec<String> = ["a", "c", "missing"].map(String::from).into();
        let got = repo.events_of("Case", &ids).await.unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["a", "c"]);
        let sequences: Vec<i64> = got["a"].iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, [1, 2, 3]);
        assert_eq!(got["a"], repo.aggregate_events("Case", "a").await.unwrap());
    }

    #[tokio::test]
    async fn a_follower_behind_the_head_does_not_wait_for_a_read_at_the_head() {
        let (repo, _dir) = crate::store::test_sqlite().await;
        let tail = Tail::new(repo.clone(), 4);
        repo.append(&[event("a", 1)]).await.unwrap();
        repo.append(&[event("a", 2)]).await.unwrap();
        let start = Cursor::default();
        let all = tail.read_after(start, 10).await.unwrap();
        let head = all.last().unwrap().cursor();
        let behind = all.first().unwrap().cursor();
        // A read at the head is under way (its gate is taken).
        let gate = tail.head_read.lock().await;
        let wait = std::time::Duration::from_millis(500);
        let caught_up = tokio::time::timeout(wait, tail.read_after(behind, 10))
            .await
            .expect("a follower behind the head waited for the head's read")
            .unwrap();
        assert_eq!(caught_up.len(), 1);
        // A follower at the head waits for that read, then reads.
        assert!(
            tokio::time::timeout(wait, tail.read_after(head, 10))
                .await
                .is_err()
        );
        drop(gate);
        assert!(tail.read_after(head, 10).await.unwrap().is_empty());
    }
}
