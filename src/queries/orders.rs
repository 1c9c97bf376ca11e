//! 督办 reads: the orders to a department (its inbox) or to every department (the inspectors').
use aggregates::order::OrderStatus;
use projections::orders::OrderDoc;

use super::Reads;
use crate::engine::LoadError;

impl Reads<'_> {
    /// The orders to `department` (every department's with `None`): waiting for a reply first,
    /// the earliest due first; then waiting for the inspector; then closed, newest first.
    pub async fn orders(&self, department: Option<&str>) -> Result<Vec<OrderDoc>, LoadError> {
        self.wait_for_view("orders").await;
        let mut docs: Vec<OrderDoc> = self.repo().view_docs("orders", department).await?;
        let rank = |s: OrderStatus| match s {
            OrderStatus::AwaitingReply => 0,
            OrderStatus::Replied => 1,
            OrderStatus::Closed | OrderStatus::New => 2,
        };
        docs.sort_by(|a, b| {
            rank(a.status).cmp(&rank(b.status)).then_with(|| {
                if a.status == OrderStatus::Closed {
                    b.issued_at.cmp(&a.issued_at)
                } else {
                    a.due.cmp(&b.due)
                }
            })
        });
        Ok(docs)
    }

    /// Order `id`, if it exists and (with `department`) is that department's.
    pub async fn order(
        &self,
        id: &str,
        department: Option<&str>,
    ) -> Result<Option<OrderDoc>, LoadError> {
        if !crate::engine::orders::is_order_id(id) {
            return Ok(None);
        }
        self.wait_for_view("orders").await;
        Ok(self
            .repo()
            .view_doc::<OrderDoc>("orders", id)
            .await?
            .filter(|d| department.is_none_or(|dep| d.subject.department == dep)))
    }
}
