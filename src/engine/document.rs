//! 决定书: the written decision a concluded case gives its party, issued once as a PDF.
//!
//! The end step a case reached names the document (`document` in the flowchart, e.g.
//! 准予行政许可决定书); an end step without one (a withdrawal) issues none. The documents
//! follower ([`crate::follow::documents`]) issues it after the conclusion: composed from the
//! case and its pinned version, set as a PDF ([`super::pdf`]), stored by its SHA-256 beside the
//! applications' files, and recorded by that hash in a `ResultDocumentIssued` event, so the
//! transparency log vouches for it. Anyone holding the file checks it on `/verify` (or
//! `POST /api/v1/public/documents/verify`) with the tracking number printed on it.
use aggregates::case::{
    Case, CaseCommand, CaseEvent, CaseId, CaseStatus, ResultDocument, china_date,
};
use aggregates::power::PublishedPower;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use sha2::{Digest, Sha256};

use super::pdf::{Block, Meta};
use super::{CommandMeta, Engine};

/// The notice of the right to seek review or sue (告知复议、诉讼权利), printed on every
/// document. 行政复议法 (2023 revision) 第二十条第一款: 自知道或者应当知道该行政行为之日起
/// 六十日内提出行政复议申请 (read in LawRefBook/Laws,
/// 诉讼与非诉讼程序法/行政复议法(2023-09-01).md @318d624); 行政诉讼法 第四十六条第一款:
/// 应当自知道或者应当知道作出行政行为之日起六个月内提出 (诉讼与非诉讼程序法/行政诉讼法.md
/// @3cd6e86).
pub const REMEDY: &str = "如不服本决定，可以自知道或者应当知道本决定之日起六十日内依法申请行政复议，\
     或者自知道或者应当知道本决定之日起六个月内依法向人民法院提起行政诉讼。";

/// `2026年12月7日`.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// What a decision document says, as blocks for the PDF and the printable page alike.
pub struct Composed {
    /// The document's title.
    pub title: String,
    /// The issuing authority.
    pub department_name: String,
    /// The content.
    pub blocks: Vec<Block>,
}

/// The facts a document is composed from.
pub struct Facts<'a> {
    /// The case as it concluded.
    pub case: &'a Case,
    /// Its pinned version.
    pub power: &'a PublishedPower,
    /// The document's title.
    pub title: &'a str,
    /// The officer's note on the step that concluded the case (the reasons), if any.
    pub reasons: Option<&'a str>,
    /// When it is issued.
    pub issued_at: DateTime<FixedOffset>,
    /// The address of the checking page, if the deployment has a public address.
    pub verify_url: Option<&'a str>,
    /// Whether the party shows masked (a page on the web: the name as the public sees it,
    /// the ID number hidden but for its ends, the officers' reasons left to the PDF, as they
    /// may name people); the PDF, which is the party's, shows all.
    pub masked: bool,
}

/// `9135**********0Y43`: an ID number with all but its first and last four characters hidden.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// The legal basis grouped by law: 《中华人民共和国食品安全法》第三十五条第一款、第二款.
fn basis_text(power: &PublishedPower) -> Option<String> {
    let mut laws: Vec<(String, Vec<String>)> = Vec::new();
    for b in &power.content.legal_basis {
        match laws.iter_mut().find(|(law, _)| *law == b.law) {
            Some((_, articles)) => articles.push(b.article.clone()),
            None => laws.push((b.law.clone(), vec![b.article.clone()])),
        }
    }
    if laws.is_empty() {
        return None;
    }
    Some(
        laws.iter()
            .map(|(law, articles)| format!("《{law}》{}", articles.join("、")))
            .collect::<Vec<_>>()
            .join("，"),
    )
}

/// Composes the document.
pub fn compose(f: &Facts<'_>) -> Composed {
    let case = f.case;
    let power = f.power;
    let applicant_word = if power.category.on_application() {
        "申请人"
    } else {
        "当事人"
    };
    let mut blocks = vec![
        Block::Centered(power.department_name.clone()),
        Block::Title(f.title.to_string()),
        Block::Centered(format!("编号：{}", case.tracking_no)),
        Block::Gap,
    ];
    if let Some(party) = &case.party {
        let (name, id_number) = if f.masked {
            (party.public_name(), mask_id_number(&party.id_number))
        } else {
            (party.name.trim().to_string(), party.id_number.clone())
        };
        blocks.push(Block::Plain(format!("{applicant_word}：{name}")));
        blocks.push(Block::Plain(format!(
            "{}：{}",
            match party.kind {
                aggregates::party::PartyKind::Organisation => "统一社会信用代码",
                aggregates::party::PartyKind::Person => "身份证件号码",
            },
            id_number
        )));
        blocks.push(Block::Gap);
    }
    let received = case
        .received_at
        .map(|at| chinese_date(china_date(at)))
        .unwrap_or_default();
    let result = case.result.clone().unwrap_or_default();
    let opening = if applicant_word == "申请人" {
        format!(
            "{applicant_word}于{received}提出的{}申请，本机关依法办理（办件编号 {}）。经审查，本机关决定：{result}。",
            power.name, case.tracking_no
        )
    } else {
        format!(
            "本机关于{received}对{}一案依法办理（办件编号 {}）。经调查，本机关决定：{result}。",
            power.name, case.tracking_no
        )
    };
    blocks.push(Block::Paragraph(opening));
    // Officers' free texts may name people: the masked web version leaves them to the PDF.
    let free_text = |text: &str| -> String {
        if f.masked {
            "（详见 PDF 决定书）".to_string()
        } else {
            text.trim().to_string()
        }
    };
    if let Some(p) = &case.penalty {
        blocks.push(Block::Paragraph(format!(
            "处罚内容：罚款人民币{}元。{}",
            p.amount_fen.decimal(),
            free_text(&p.justification)
        )));
    }
    if let Some(reasons) = f.reasons.filter(|r| !r.trim().is_empty()) {
        blocks.push(Block::Paragraph(format!("理由：{}", free_text(reasons))));
    }
    if let Some(basis) = basis_text(power) {
        blocks.push(Block::Paragraph(format!("依据：{basis}。")));
    }
    blocks.push(Block::Paragraph(REMEDY.to_string()));
    blocks.push(Block::Gap);
    blocks.push(Block::Right(power.department_name.clone()));
    blocks.push(Block::Right(chinese_date(china_date(f.issued_at))));
    blocks.push(Block::Gap);
    blocks.push(Block::Small(match f.verify_url {
        Some(url) => format!(
            "核验：本决定书的电子文件可在 {url} 核验——输入编号 {} 并上传本文件；文件的摘要值记录在本机关的透明日志中，任何改动都会使核验失败。",
            case.tracking_no
        ),
        None => format!(
            "核验：本决定书的电子文件可在本系统“文书核验”页面核验——输入编号 {} 并上传本文件；文件的摘要值记录在本机关的透明日志中，任何改动都会使核验失败。",
            case.tracking_no
        ),
    }));
    Composed {
        title: f.title.to_string(),
        department_name: power.department_name.clone(),
        blocks,
    }
}

/// The PDF of a composed document.
pub fn pdf(composed: &Composed, issued_at: DateTime<FixedOffset>) -> Vec<u8> {
    super::pdf::render(
        &composed.blocks,
        &Meta {
            title: &composed.title,
            author: &composed.department_name,
            created: issued_at,
        },
    )
}

/// The officer's note on the step that concluded the case.
pub fn concluding_note(events: &[CaseEvent]) -> Option<String> {
    events.iter().rev().find_map(|e| match e {
        CaseEvent::StepCompleted { note, .. } => Some(note.clone()),
        _ => None,
    })?
}

/// What issuing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// Issued now.
    Issued(ResultDocument),
    /// Issued before.
    Already(ResultDocument),
    /// The case ended at a step that names no document (a withdrawal), or has not concluded.
    NoDocument,
}

/// The title of the document the case's end step names, if it concluded at one.
pub fn document_title(case: &Case, events: &[CaseEvent], power: &PublishedPower) -> Option<String> {
    if case.status != CaseStatus::Concluded {
        return None;
    }
    let end = events.iter().rev().find_map(|e| match e {
        CaseEvent::CaseConcluded { end_step, .. } => Some(end_step.as_str()),
        _ => None,
    })?;
    power.flowchart.step(end)?.document.clone()
}

impl Engine {
    /// Issues the result document of a concluded case (once; later calls find it issued).
    pub async fn issue_result_document(
        &self,
        id: &CaseId,
        verify_url: Option<&str>,
    ) -> anyhow::Result<Issue> {
        let Some((case, stored)) = self.load_case(id).await? else {
            return Ok(Issue::NoDocument);
        };
        if let Some(done) = case.result_document.clone() {
            return Ok(Issue::Already(done));
        }
        let events: Vec<CaseEvent> = stored
            .iter()
            .map(|e| serde_json::from_value(e.payload.clone()))
            .collect::<Result<_, _>>()?;
        let Some(power) = self
            .catalogue()
            .version_of(&case.power_code, case.power_version)
            .await?
        else {
            return Ok(Issue::NoDocument);
        };
        let Some(title) = document_title(&case, &events, &power) else {
            return Ok(Issue::NoDocument);
        };
        let issued_at = self.now();
        let reasons = concluding_note(&events);
        let composed = compose(&Facts {
            case: &case,
            power: &power,
            title: &title,
            reasons: reasons.as_deref(),
            issued_at,
            verify_url,
            masked: false,
        });
        let bytes = pdf(&composed, issued_at);
        let sha256 = hex::encode(Sha256::digest(&bytes));
        // Stored first: should the event fail, the file stays unnamed and unserved.
        self.repo()
            .put_material(&sha256, "application/pdf", &bytes, issued_at.timestamp())
            .await?;
        let meta = CommandMeta {
            actor: aggregates::alert::SYSTEM_ACTOR_ID.into(),
            role: "system".into(),
            department: Some(case.department.clone()),
            request_id: format!("documents-{}", uuid::Uuid::now_v7()),
        };
        let command = CaseCommand::IssueResultDocument {
            title,
            sha256,
            size: bytes.len() as u64,
        };
        match self.execute_case(id, command, meta).await {
            Ok(_) => {}
            Err(cqrs_es::AggregateError::UserError(
                aggregates::case::CaseError::DocumentAlreadyIssued,
            )) => {}
            Err(e) => return Err(anyhow::anyhow!("issuing the result document: {e}")),
        }
        let (case, _) = self
            .load_case(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the case went away"))?;
        match case.result_document {
            Some(d) => Ok(Issue::Issued(d)),
            None => Err(anyhow::anyhow!("the result document was not recorded")),
        }
    }
}
