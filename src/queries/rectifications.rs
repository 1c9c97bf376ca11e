//! 好差评整改 reads: a department's tasks, and what the citizen reads of one.
use aggregates::case::CaseId;
use projections::rectifications::RectificationDoc;

use super::Reads;
use crate::engine::LoadError;

impl Reads<'_> {
    /// The 整改 tasks of `department` (cases whose feedback ever opened one): open first, the
    /// oldest first; then the done ones, the latest rectification first.
    pub async fn rectifications(
        &self,
        department: &str,
    ) -> Result<Vec<RectificationDoc>, LoadError> {
        self.wait_for_view("rectifications").await;
        let mut docs: Vec<RectificationDoc> = self
            .repo()
            .view_docs("rectifications", Some(department))
            .await?;
        docs.retain(|d| d.ever_opened);
        docs.sort_by(|a, b| match (a.open_since, b.open_since) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => {
                let at = |d: &RectificationDoc| d.rectification.as_ref().map(|r| r.at);
                at(b).cmp(&at(a))
            }
        });
        Ok(docs)
    }

    /// Case `id`'s 整改 document, if it is `department`'s.
    pub async fn rectification(
        &self,
        department: &str,
        id: &CaseId,
    ) -> Result<Option<RectificationDoc>, LoadError> {
        self.wait_for_view("rectifications").await;
        Ok(self
            .repo()
            .view_doc::<RectificationDoc>("rectifications", id.as_str())
            .await?
            .filter(|d| d.department == department))
    }

    /// What the citizen reads of case `id`'s feedback: the department's reply, and whether the
    /// follow-up rating was given (no department check: the caller verified the query code).
    pub async fn public_rectification(
        &self,
        id: &CaseId,
    ) -> Result<Option<RectificationDoc>, LoadError> {
        self.wait_for_view("rectifications").await;
        Ok(self
            .repo()
            .view_doc::<RectificationDoc>("rectifications", id.as_str())
            .await?)
    }
}
