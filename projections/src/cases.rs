//! Cases: one document per case with its state (for officers' worklists and the deadline
//! figures) and its public view (for 动态公开), keyed by case id, listed by department.
use aggregates::case::{Case, CaseEvent};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::public_case::{PublicCaseView, apply_public};
use crate::{EventRecord, Projection};

/// A case as the views need it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseDoc {
    /// The case's state.
    pub case: Case,
    /// What the public may see (without time figures, which depend on today).
    pub public: Option<PublicCaseView>,
}

/// Folds case events into case documents.
pub struct CasesProjection;

impl Projection for CasesProjection {
    fn name(&self) -> &'static str {
        "cases"
    }

    fn version(&self) -> i32 {
        // 2: manual pauses show no free-text reason on the public view.
        2
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Case::TYPE).then(|| event.aggregate_id.clone())
    }

    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String> {
        let mut doc: CaseDoc = match doc {
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string())?,
            None => CaseDoc::default(),
        };
        let case_event: CaseEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| e.to_string())?;
        doc.public = apply_public(doc.public.take(), &case_event);
        doc.case.apply(case_event);
        let part = doc.case.department.clone();
        Ok((part, serde_json::to_value(&doc).map_err(|e| e.to_string())?))
    }
}
