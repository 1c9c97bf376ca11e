//! Cases: one document per case with its state (for officers' worklists and the deadline
//! figures) and its public view (for 动态公开), keyed by case id, listed by department: the
//! cases in hand in the department's part, the ended ones (办结, 撤回) in a part of their
//! own ([`department_part`]), so a worklist reads the cases in hand and not the years of
//! ended ones beside them.
use aggregates::case::{Case, CaseEvent, CaseStatus};
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
        // 3: ended cases in a part of their own (`department_part`).
        // 4: a person's name masked without telling its length (张**), and the case state's
        //    `extended_days` (延期).
        4
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

    fn step(&self, doc: &mut CaseDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        let case_event: CaseEvent = payload(event)?;
        doc.public = apply_public(doc.public.take(), &case_event);
        doc.case.apply(case_event);
        Ok(())
    }

    fn part(&self, doc: &CaseDoc) -> String {
        department_part(&doc.case.department, doc.case.status)
    }
}

/// The part of the `cases` view that holds a department's cases of `status`: the department's
/// code for the cases in hand (open or paused), the code and `/ended` for concluded and
/// withdrawn ones (a department code has no `/`).
pub fn department_part(department: &str, status: CaseStatus) -> String {
    match status {
        CaseStatus::Concluded | CaseStatus::Withdrawn => format!("{department}/ended"),
        CaseStatus::New | CaseStatus::Open | CaseStatus::Paused => department.to_string(),
    }
}
