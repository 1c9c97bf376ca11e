//! Cases: one document per case with its state (for officers' worklists and the deadline
//! figures) and its public view (for 动态公开), keyed by case id, listed by department.
use aggregates::case::{Case, CaseEvent};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use crate::public_case::{PublicCaseView, apply_public};
use crate::{EventRecord, Fold, payload};

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

impl Fold for CasesProjection {
    type Doc = CaseDoc;

    fn name(&self) -> &'static str {
        "cases"
    }

    fn version(&self) -> i32 {
        // 2: manual pauses show no free-text reason on the public view.
        2
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Case::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(Case::TYPE)
    }

    fn start(&self, _first: &EventRecord) -> CaseDoc {
        CaseDoc::default()
    }

    fn step(&self, doc: &mut CaseDoc, event: &EventRecord) -> Result<(), String> {
        let case_event: CaseEvent = payload(event)?;
        doc.public = apply_public(doc.public.take(), &case_event);
        doc.case.apply(case_event);
        Ok(())
    }

    fn part(&self, doc: &CaseDoc) -> String {
        doc.case.department.clone()
    }
}
