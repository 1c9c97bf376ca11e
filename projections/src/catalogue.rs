//! The public catalogue (职权目录): one document per power with every version.
use aggregates::power::{Power, PowerEvent, PowerVersionContent};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use crate::{EventRecord, Fold, payload};

/// One published version in the catalogue document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDoc {
    /// Version number.
    pub version: u32,
    /// Content hash.
    pub content_hash: String,
    /// Content.
    pub content: PowerVersionContent,
}

/// A power as the catalogue shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogueDoc {
    /// The power's state (code, name, category, department, status).
    pub power: Power,
    /// Every version, oldest first.
    pub versions: Vec<VersionDoc>,
}

/// Folds power events into catalogue documents, keyed by power code, listed by department.
pub struct CatalogueProjection;

impl Fold for CatalogueProjection {
    type Doc = CatalogueDoc;

    fn name(&self) -> &'static str {
        "catalogue"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Power::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(Power::TYPE)
    }

    fn start(&self, _first: &EventRecord) -> CatalogueDoc {
        CatalogueDoc::default()
    }

    fn step(&self, doc: &mut CatalogueDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        let power_event: PowerEvent = payload(event)?;
        if let PowerEvent::PowerVersionPublished {
            version,
            content_hash,
            content,
        } = &power_event
        {
            doc.versions.push(VersionDoc {
                version: *version,
                content_hash: content_hash.clone(),
                content: (**content).clone(),
            });
        }
        doc.power.apply(power_event);
        Ok(())
    }

    fn part(&self, doc: &CatalogueDoc) -> String {
        doc.power.department.clone()
    }
}
