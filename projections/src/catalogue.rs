//! The public catalogue (职权目录): one document per power with every version.
use aggregates::power::{Power, PowerEvent, PowerVersionContent};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{EventRecord, Projection};

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

impl Projection for CatalogueProjection {
    fn name(&self) -> &'static str {
        "catalogue"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Power::TYPE).then(|| event.aggregate_id.clone())
    }

    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String> {
        let mut doc: CatalogueDoc = match doc {
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string())?,
            None => CatalogueDoc::default(),
        };
        let power_event: PowerEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| e.to_string())?;
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
        let part = doc.power.department.clone();
        Ok((part, serde_json::to_value(&doc).map_err(|e| e.to_string())?))
    }
}
