//! 出具决定书: issues the result document of every case that concludes at a step naming one.
//!
//! One task per deployment (a lease on PostgreSQL) follows the global order after its
//! checkpoint; for each `CaseConcluded` it issues the case's document
//! ([`Engine::issue_result_document`]), which finds one issued before and does nothing then, so
//! following an event again (after a crash between the issue and the checkpoint) issues nothing
//! twice. A case that concluded while the follower was down gets its document when it is back.
use std::sync::Arc;
use std::time::Duration;

use aggregates::case::CaseId;

use crate::engine::Engine;
use crate::engine::document::Issue;
use crate::store::StoredEvent;

/// The checkpoint (and lease) name.
pub const CHECKPOINT: &str = "documents";

/// Starts the documents follower (it waits for its lease first on PostgreSQL).
pub fn spawn(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    crate::follow::spawn_follower(engine, CHECKPOINT, Duration::from_secs(5), |engine| {
        Box::new(Documents { engine })
    })
}

struct Documents<'a> {
    engine: &'a Engine,
}

#[async_trait::async_trait]
impl crate::follow::Follower for Documents<'_> {
    async fn batch(&mut self, events: &[StoredEvent]) -> anyhow::Result<()> {
        for stored in events {
            if stored.aggregate_type != "Case" || stored.event_type != "CaseConcluded" {
                continue;
            }
            let Some(id) = CaseId::parse(&stored.aggregate_id) else {
                continue;
            };
            let verify_url = self.engine.notify().verify_url();
            if let Issue::Issued(doc) = self
                .engine
                .issue_result_document(&id, verify_url.as_deref())
                .await?
            {
                tracing::info!(case = %stored.aggregate_id, title = %doc.title, "result document issued");
            }
        }
        Ok(())
    }
}
