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
    /// Recent batches by the cursor they follow, oldest first. The lock is held across a
    /// store read, so followers arriving at the same place wait for one read and share it.
    recent: tokio::sync::Mutex<VecDeque<(Cursor, Arc<Vec<StoredEvent>>)>>,
}

/// Batches a process's tail keeps (followers within this many batches of each other share).
pub const KEEP_BATCHES: usize = 32;

impl Tail {
    /// A tail over `repo` keeping up to `keep` batches.
    pub fn new(repo: EventRepo, keep: usize) -> Self {
        Tail {
            repo,
            keep,
            recent: tokio::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Up to `limit` events after `after` in the global order (as [`EventRepo::read_after`]).
    pub async fn read_after(
        &self,
        after: Cursor,
        limit: i64,
    ) -> Result<Arc<Vec<StoredEvent>>, StoreError> {
        let mut recent = self.recent.lock().await;
        if let Some((_, batch)) = recent
            .iter()
            .rev()
            .find(|(from, batch)| *from == after && batch.len() as i64 <= limit)
        {
            return Ok(batch.clone());
        }
        let batch = Arc::new(self.repo.read_after(after, limit).await?);
        if !batch.is_empty() && self.keep > 0 {
            recent.push_back((after, batch.clone()));
            while recent.len() > self.keep {
                recent.pop_front();
            }
        }
        Ok(batch)
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
    async fn followers_at_one_place_share_a_read_and_every_answer_is_a_fresh_read() {
        let dir = tempfile::tempdir().unwrap();
        let repo = EventRepo::open_sqlite(&dir.path().join("events.db"))
            .await
            .unwrap();
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
        assert_eq!(tail.recent.lock().await.len(), 2);
        let again = tail.read_after(start, 10).await.unwrap();
        assert!(!Arc::ptr_eq(&again, &first));
        assert_eq!(again.len(), 6);
    }

    #[tokio::test]
    async fn events_of_groups_the_streams_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let repo = EventRepo::open_sqlite(&dir.path().join("events.db"))
            .await
            .unwrap();
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
}
