//! What the two stores' group commits (组提交) share: the queue of appends waiting for a
//! writer, each with where its answer goes. Each store's `Writer` takes batches from it and
//! writes them its own way (`sqlite.rs`, `postgres.rs`).
use tokio::sync::oneshot;

use super::{Cursor, NewEvent};

/// Why an append was not written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppendError {
    /// Another append of the same group commit took one of its keys first: the optimistic
    /// check failed, as a unique violation would have said had it been written alone.
    #[error("another append of the same group commit took this sequence")]
    Conflict,
    /// The database refused it or could not be reached.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl AppendError {
    /// Whether the database answered (a refusal), as opposed to a connection that failed.
    pub fn answered(&self) -> bool {
        matches!(
            self,
            AppendError::Conflict | AppendError::Database(sqlx::Error::Database(_))
        )
    }
}

/// One command's events, as they are written, and where its answer goes.
pub(super) struct Pending {
    pub rows: Vec<NewEvent>,
    pub reply: oneshot::Sender<Result<Cursor, AppendError>>,
}

/// The appends waiting for a writer, in the order they came.
#[derive(Default)]
pub(super) struct Queue(std::sync::Mutex<Vec<Pending>>);

impl Queue {
    /// Queues one command's events; the receiver gets the append's answer.
    pub fn push(&self, rows: Vec<NewEvent>) -> oneshot::Receiver<Result<Cursor, AppendError>> {
        let (reply, answer) = oneshot::channel();
        self.lock().push(Pending { rows, reply });
        answer
    }

    /// The next batch: queued appends up to `max_rows` events (at least one append, if any
    /// is queued).
    pub fn next_batch(&self, max_rows: usize) -> Vec<Pending> {
        let mut queue = self.lock();
        let mut rows = 0;
        let take = queue
            .iter()
            .take_while(|p| {
                rows += p.rows.len();
                rows <= max_rows
            })
            .count()
            .max(1)
            .min(queue.len());
        queue.drain(..take).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.0
            .lock()
            .expect("the append queue is never poisoned: no code panics holding it")
    }
}

/// The answer an append waits for: the writer's, or `WorkerCrashed` if it never came.
pub(super) async fn answer(
    answer: oneshot::Receiver<Result<Cursor, AppendError>>,
) -> Result<Cursor, AppendError> {
    answer
        .await
        .map_err(|_| AppendError::Database(sqlx::Error::WorkerCrashed))?
}

/// The error each append of a failed group commit gets (an error cannot be cloned).
pub(super) fn failed(err: &sqlx::Error) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "the group commit failed: {err}"
    )))
}

/// Answers every append of `batch` with [`failed`].
pub(super) fn fail_all(batch: impl IntoIterator<Item = Pending>, err: &sqlx::Error) {
    for p in batch {
        let _ = p.reply.send(Err(failed(err).into()));
    }
}
