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
