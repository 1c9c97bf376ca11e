//! 网上申请: an application from the public with its materials' files — checked, stored once by
//! their hash, then the case opened by `ApplyOnline` under a fresh tracking number.
//!
//! Every problem of an application (the party, the contact, each file) is found before
//! anything is stored, and all of them are reported at once; a refused application stores
//! nothing.
use std::time::Duration;

use aggregates::case::{
    Case, CaseCommand, CaseError, CaseId, Contact, MAX_MATERIAL_FILES, MediaType, SubmittedMaterial,
};
use aggregates::party::{Party, PartyKind, PartyProblem};
use cqrs_es::AggregateError;
use sha2::{Digest, Sha256};

use super::{CommandMeta, Engine, query_code};

/// Largest file: 10 MiB (a scanned licence at 300 dpi is well under).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest application, all files together: 30 MiB.
pub const MAX_APPLICATION_BYTES: usize = 30 * 1024 * 1024;
/// How long checking an application's files may take before they count as malformed.
const CHECK_BUDGET: Duration = Duration::from_secs(10);

/// One uploaded file, as it arrived.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Which of the version's materials (its index in the list, from 0).
    pub material: usize,
    /// The name the file had on the applicant's device, if sent.
    pub file_name: Option<String>,
    /// The type the browser declared, if any.
    pub declared_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What is wrong with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// No bytes.
    Empty,
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// Not a PDF, JPEG or PNG.
    NotAllowed,
    /// The name or declared type says one kind, the bytes another.
    Mislabelled {
        /// What the bytes are.
        actual: MediaType,
    },
    /// The bytes start as the kind but do not hold together (truncated, damaged).
    Malformed {
        /// What the bytes claim to be.
        kind: MediaType,
    },
    /// A PDF protected by a password (nobody at the department could open it).
    Encrypted,
}

impl FileProblem {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            FileProblem::Empty => "file_empty",
            FileProblem::TooLarge => "file_too_large",
            FileProblem::NotAllowed => "file_type_not_allowed",
            FileProblem::Mislabelled { .. } => "file_mislabelled",
            FileProblem::Malformed { .. } => "file_malformed",
            FileProblem::Encrypted => "file_encrypted",
        }
    }

    /// In Chinese, for the applicant.
    pub fn zh(self) -> String {
        match self {
            FileProblem::Empty => "文件是空的，请重新选择。".into(),
            FileProblem::TooLarge => format!(
                "文件超过 {} MB，请压缩或分页后再上传。",
                MAX_FILE_BYTES / 1024 / 1024
            ),
            FileProblem::NotAllowed => "只接受 PDF、JPEG 或 PNG 文件。".into(),
            FileProblem::Mislabelled { actual } => format!(
                "文件名或类型与内容不符：内容是 {} 文件，请改正文件名后再上传。",
                actual.label()
            ),
            FileProblem::Malformed { kind } => {
                format!("文件已损坏或不完整，无法作为 {} 打开。", kind.label())
            }
            FileProblem::Encrypted => "PDF 文件设有密码，请提交未加密的文件。".into(),
        }
    }

    /// In English.
    pub fn en(self) -> String {
        match self {
            FileProblem::Empty => "The file is empty; choose it again.".into(),
            FileProblem::TooLarge => format!(
                "The file is larger than {} MB; compress it or split it.",
                MAX_FILE_BYTES / 1024 / 1024
            ),
            FileProblem::NotAllowed => "Only PDF, JPEG or PNG files are accepted.".into(),
            FileProblem::Mislabelled { actual } => format!(
                "The file's name or type does not match its content, which is {}; correct the name.",
                actual.label()
            ),
            FileProblem::Malformed { kind } => {
                format!(
                    "The file is damaged or incomplete: it does not open as {}.",
                    kind.label()
                )
            }
            FileProblem::Encrypted => {
                "The PDF is protected by a password; submit it unprotected.".into()
            }
        }
    }
}

/// What a file is, from its bytes, and whether it holds together; `file_name` and
/// `declared_type` (the browser's `Content-Type`) must agree with the bytes where they name one
/// of the kinds. CPU-bound (a PDF's structure is parsed): call it off the async workers.
pub fn inspect(
    bytes: &[u8],
    file_name: Option<&str>,
    declared_type: Option<&str>,
) -> Result<MediaType, FileProblem> {
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let actual = infer::get(bytes)
        .and_then(|t| MediaType::parse(t.mime_type()))
        .ok_or(FileProblem::NotAllowed)?;
    let by_name = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let name_disagrees = match by_name.as_deref() {
        None => false,
        Some("pdf") => actual != MediaType::Pdf,
        Some("jpg" | "jpeg" | "jpe") => actual != MediaType::Jpeg,
        Some("png") => actual != MediaType::Png,
        // Any other extension names some other kind of file.
        Some(_) => true,
    };
    let type_disagrees = declared_type
        .and_then(MediaType::parse)
        .is_some_and(|declared| declared != actual);
    if name_disagrees || type_disagrees {
        return Err(FileProblem::Mislabelled { actual });
    }
    let malformed = FileProblem::Malformed { kind: actual };
    match actual {
        MediaType::Pdf => {
            // The trailer (or cross-reference stream) of an encrypted PDF names its /Encrypt
            // dictionary in the clear.
            if contains(bytes, b"/Encrypt") {
                return Err(FileProblem::Encrypted);
            }
            // A whole PDF ends with `%%EOF` after its `startxref` (a little padding allowed);
            // a cut-off upload does not, even where a lenient parser would rebuild it.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            if !contains(tail, b"%%EOF") || !contains(tail, b"startxref") {
                return Err(malformed);
            }
            // No stream of an upload may inflate past 64 MiB (a decompression bomb).
            let options = lopdf::LoadOptions {
                max_decompressed_size: Some(64 * 1024 * 1024),
                ..lopdf::LoadOptions::default()
            };
            let document =
                lopdf::Document::load_mem_with_options(bytes, options).map_err(|_| malformed)?;
            if document.is_encrypted() {
                return Err(FileProblem::Encrypted);
            }
            if document.get_pages().is_empty() {
                return Err(malformed);
            }
        }
        MediaType::Png | MediaType::Jpeg => {
            let size = imagesize::blob_size(bytes).map_err(|_| malformed)?;
            if size.width == 0 || size.height == 0 {
                return Err(malformed);
            }
            // The image must end where its format ends it (PNG's IEND chunk, JPEG's EOI
            // marker), allowing a little padding after it: a cut-off upload does not.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            let end: &[u8] = if actual == MediaType::Png {
                b"IEND\xAE\x42\x60\x82"
            } else {
                b"\xFF\xD9"
            };
            if !contains(tail, end) {
                return Err(malformed);
            }
        }
    }
    Ok(actual)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An online application as sent.
#[derive(Debug, Clone)]
pub struct Application {
    /// The power applied for.
    pub power_code: String,
    /// The applicant.
    pub party: Party,
    /// How to reach them.
    pub contact: Contact,
    /// The files.
    pub uploads: Vec<Upload>,
    /// The tracking number the form stands for, if it carries a key: posting the same form
    /// again finds its case instead of opening a second one.
    pub preset: Option<CaseId>,
}

/// An application accepted: the case opened online.
#[derive(Debug)]
pub struct Applied {
    /// The tracking number (办件编号).
    pub tracking_no: CaseId,
    /// The query code (查询码), shown to the applicant once.
    pub query_code: String,
    /// The case as opened.
    pub case: Case,
}

/// Why an application was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Problems with what was filled in or uploaded, every one at its field (`party.name`,
    /// `contact.email`, `materials[2]`).
    #[error("the application has {} problem(s)", .0.len())]
    Invalid(Vec<FieldProblem>),
    /// The power cannot be applied for (unknown, suspended, ex officio…), or the domain refused.
    #[error(transparent)]
    Refused(#[from] AggregateError<CaseError>),
    /// The form was sent before: its case is open under this number.
    #[error("this application was sent before: case {0}")]
    AlreadyApplied(CaseId),
    /// No free tracking number in three tries (vanishing odds).
    #[error("no free tracking number")]
    NoNumber,
    /// The store could not be read or written.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
}

/// One problem at one field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// The field: `party.id_number`, `contact.mobile`, `materials[0]`, …
    pub field: String,
    /// Stable code (`invalid_party`, `invalid_contact`, `file_malformed`, …).
    pub code: String,
    /// In Chinese.
    pub message: String,
    /// In English.
    pub message_en: String,
}

impl FieldProblem {
    fn of_party(p: PartyProblem, kind: PartyKind, code: &str) -> FieldProblem {
        let (zh, en) = p.words(kind);
        FieldProblem {
            field: p.field,
            code: code.into(),
            message: zh.into(),
            message_en: en.into(),
        }
    }
}

/// Checks a submission's files: how many, how large together, for which of `listed` (when the
/// version is known), and each file's own checks (off the async workers, within a budget).
/// Problems are added to `problems`; the kinds are returned for files that passed.
async fn check_uploads(
    uploads: &[Upload],
    listed: Option<&[String]>,
    problems: &mut Vec<FieldProblem>,
) -> Vec<MediaType> {
    if uploads.len() > MAX_MATERIAL_FILES {
        problems.push(FieldProblem {
            field: "materials".into(),
            code: "too_many_files".into(),
            message: format!("一次最多上传 {MAX_MATERIAL_FILES} 个文件。"),
            message_en: format!("At most {MAX_MATERIAL_FILES} files at a time."),
        });
    }
    let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    if total > MAX_APPLICATION_BYTES {
        problems.push(FieldProblem {
            field: "materials".into(),
            code: "application_too_large".into(),
            message: format!(
                "所有文件合计超过 {} MB。",
                MAX_APPLICATION_BYTES / 1024 / 1024
            ),
            message_en: format!(
                "The files together exceed {} MB.",
                MAX_APPLICATION_BYTES / 1024 / 1024
            ),
        });
    }
    if let Some(listed) = listed {
        for u in uploads {
            if u.material >= listed.len() {
                problems.push(FieldProblem {
                    field: format!("materials[{}]", u.material),
                    code: "unknown_material".into(),
                    message: "本事项没有这一项申请材料。".into(),
                    message_en: "This power lists no such material.".into(),
                });
            }
        }
    }
    let files: Vec<(Vec<u8>, Option<String>, Option<String>)> = uploads
        .iter()
        .map(|u| {
            (
                u.bytes.clone(),
                u.file_name.clone(),
                u.declared_type.clone(),
            )
        })
        .collect();
    let task = tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|(b, n, t)| inspect(b, n.as_deref(), t.as_deref()))
            .collect::<Vec<_>>()
    });
    let checked = match tokio::time::timeout(CHECK_BUDGET, task).await {
        Ok(Ok(results)) => results,
        // A file that takes longer than the budget to parse is not one to accept.
        _ => uploads
            .iter()
            .map(|_| {
                Err(FileProblem::Malformed {
                    kind: MediaType::Pdf,
                })
            })
            .collect(),
    };
    let mut kinds = Vec::with_capacity(uploads.len());
    for (u, result) in uploads.iter().zip(checked) {
        match result {
            Ok(kind) => kinds.push(kind),
            Err(problem) => problems.push(FieldProblem {
                field: format!("materials[{}]", u.material),
                code: problem.code().into(),
                message: match &u.file_name {
                    Some(n) => format!("{}：{}", n, problem.zh()),
                    None => problem.zh(),
                },
                message_en: problem.en(),
            }),
        }
    }
    kinds
}

impl Engine {
    /// 网上申请: checks the application whole (party, contact, every file, the materials they
    /// are for), stores the files by hash, and opens the case online.
    pub async fn apply_online(
        &self,
        application: Application,
        meta: CommandMeta,
    ) -> Result<Applied, ApplyError> {
        let Application {
            power_code,
            party,
            contact,
            uploads,
            preset,
        } = application;
        let power = self
            .catalogue()
            .load(&power_code)
            .await
            .map_err(|e| ApplyError::Unavailable(e.to_string()))?
            .and_then(|record| record.current());
        let mut problems: Vec<FieldProblem> = Vec::new();
        problems.extend(
            party
                .problems()
                .into_iter()
                .map(|p| FieldProblem::of_party(p, party.kind, "invalid_party")),
        );
        let contact_problems = contact.clone().normalised().problems();
        // An address the mail relay's library cannot take (`a,b@x.cn`) would fail at every try.
        let unsendable = contact_problems.is_empty()
            && contact
                .clone()
                .normalised()
                .email
                .is_some_and(|e| e.parse::<lettre::Address>().is_err());
        problems.extend(
            contact_problems
                .into_iter()
                .map(|p| FieldProblem::of_party(p, party.kind, "invalid_contact")),
        );
        if unsendable {
            problems.push(FieldProblem::of_party(
                PartyProblem {
                    field: "contact.email".into(),
                    message: "not an e-mail address".into(),
                },
                party.kind,
                "invalid_contact",
            ));
        }
        let listed: Vec<String> = power
            .as_ref()
            .map(|p| p.content.materials.iter().map(|m| m.name.clone()).collect())
            .unwrap_or_default();
        let kinds = check_uploads(
            &uploads,
            power.as_ref().map(|_| listed.as_slice()),
            &mut problems,
        )
        .await;
        if !problems.is_empty() {
            return Err(ApplyError::Invalid(problems));
        }
        // Whether the power takes applications at all is the domain's to say; an unknown power
        // is refused there before anything is stored.
        let Some(power) = power else {
            return Err(ApplyError::Refused(AggregateError::UserError(
                CaseError::UnknownPower { code: power_code },
            )));
        };
        if !power.category.on_application() {
            return Err(ApplyError::Refused(AggregateError::UserError(
                CaseError::NotOnApplication { code: power_code },
            )));
        }
        // Refused by the case before any file is stored: a power that takes no new cases.
        if power.status != aggregates::power::PowerStatus::Active {
            return Err(ApplyError::Refused(AggregateError::UserError(
                CaseError::PowerNotActive {
                    code: power_code,
                    status: power.status.to_string(),
                },
            )));
        }
        let materials = self.store_uploads(&uploads, kinds, &listed).await?;
        let today = aggregates::case::china_date(self.now());
        let tries = if preset.is_some() { 1 } else { 3 };
        for _ in 0..tries {
            let tracking_no = preset
                .clone()
                .unwrap_or_else(|| query_code::tracking_number(today));
            let code = query_code::QueryCode::generate();
            let result = self
                .execute_new_case(
                    &tracking_no,
                    CaseCommand::ApplyOnline {
                        tracking_no: tracking_no.to_string(),
                        power_code: power_code.clone(),
                        party: party.clone(),
                        contact: contact.clone(),
                        materials: materials.clone(),
                        query_code_salt: code.salt_hex.clone(),
                        query_code_hash: code.hash_hex.clone(),
                    },
                    meta.clone(),
                )
                .await;
            match result {
                Ok((_, case)) => {
                    return Ok(Applied {
                        tracking_no,
                        query_code: code.code,
                        case,
                    });
                }
                Err(AggregateError::UserError(CaseError::AlreadyOpened))
                | Err(AggregateError::AggregateConflict)
                    if preset.is_some() =>
                {
                    return Err(ApplyError::AlreadyApplied(tracking_no));
                }
                Err(AggregateError::UserError(CaseError::AlreadyOpened))
                | Err(AggregateError::AggregateConflict) => continue,
                Err(e) => return Err(ApplyError::Refused(e)),
            }
        }
        Err(ApplyError::NoNumber)
    }

    /// Stores checked files by hash; returns what the case's event names.
    async fn store_uploads(
        &self,
        uploads: &[Upload],
        kinds: Vec<MediaType>,
        listed: &[String],
    ) -> Result<Vec<SubmittedMaterial>, ApplyError> {
        let stored_at = self.now().timestamp();
        let mut materials = Vec::with_capacity(uploads.len());
        for (u, kind) in uploads.iter().zip(kinds) {
            let sha256 = hex::encode(Sha256::digest(&u.bytes));
            self.repo()
                .put_material(&sha256, kind.as_str(), &u.bytes, stored_at)
                .await
                .map_err(|e| ApplyError::Unavailable(e.to_string()))?;
            materials.push(SubmittedMaterial {
                material: listed[u.material].clone(),
                sha256,
                media_type: kind,
                bytes: u.bytes.len() as u64,
            });
        }
        Ok(materials)
    }

    /// 网上补正: checks the files against the case's pinned version, stores them, and answers
    /// the open 补正 notice. The caller has checked the query code.
    pub async fn submit_supplement(
        &self,
        id: &CaseId,
        uploads: Vec<Upload>,
        note: Option<String>,
        meta: CommandMeta,
    ) -> Result<Case, ApplyError> {
        let unavailable = |e: super::LoadError| ApplyError::Unavailable(e.to_string());
        let Some((case, _)) = self.load_case(id).await.map_err(unavailable)? else {
            return Err(ApplyError::Refused(AggregateError::UserError(
                CaseError::NotOpened,
            )));
        };
        // Refused by the case before any file is stored: no notice waiting for an answer.
        let waiting = case.supplement.as_ref().is_some_and(|s| {
            s.waiting_step == case.current_step
                && matches!(
                    case.status,
                    aggregates::case::CaseStatus::Open | aggregates::case::CaseStatus::Paused
                )
        });
        if !waiting {
            return Err(ApplyError::Refused(AggregateError::UserError(
                CaseError::NoSupplementAsked,
            )));
        }
        let power = self
            .catalogue()
            .version_of(&case.power_code, case.power_version)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| ApplyError::Unavailable("the pinned version is missing".into()))?;
        let listed: Vec<String> = power
            .content
            .materials
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let mut problems = Vec::new();
        if uploads.is_empty() {
            problems.push(FieldProblem {
                field: "materials".into(),
                code: "no_files".into(),
                message: "请上传需要补正的材料。".into(),
                message_en: "Upload the materials asked for.".into(),
            });
        }
        let kinds = check_uploads(&uploads, Some(&listed), &mut problems).await;
        if !problems.is_empty() {
            return Err(ApplyError::Invalid(problems));
        }
        let materials = self.store_uploads(&uploads, kinds, &listed).await?;
        let (_, case) = self
            .execute_case_with_state(id, CaseCommand::SubmitSupplement { materials, note }, meta)
            .await?;
        Ok(case)
    }

    /// The bytes of a file a case names, with its type.
    pub async fn material_file(
        &self,
        sha256: &str,
    ) -> Result<Option<crate::store::materials::StoredMaterial>, crate::store::StoreError> {
        self.repo().material(sha256).await
    }
}

#[cfg(test)]
mod tests {
    use super::{FileProblem, inspect};
    use aggregates::case::MediaType;

    /// A 1×1 PNG, whole.
    fn png() -> Vec<u8> {
        hex::decode(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000\
             1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a35a0d\
             7a0000000049454e44ae426082",
        )
        .unwrap()
    }

    #[test]
    fn a_whole_png_is_a_png_whatever_it_is_called_if_the_name_agrees() {
        assert_eq!(
            inspect(&png(), Some("执照.PNG"), Some("image/png")),
            Ok(MediaType::Png)
        );
        assert_eq!(
            inspect(&png(), None, Some("application/octet-stream")),
            Ok(MediaType::Png)
        );
    }

    #[test]
    fn a_png_called_a_pdf_or_declared_a_jpeg_is_mislabelled() {
        let mislabelled = Err(FileProblem::Mislabelled {
            actual: MediaType::Png,
        });
        assert_eq!(inspect(&png(), Some("licence.pdf"), None), mislabelled);
        assert_eq!(inspect(&png(), Some("licence.docx"), None), mislabelled);
        assert_eq!(inspect(&png(), None, Some("image/jpeg")), mislabelled);
    }

    #[test]
    fn a_cut_off_png_is_malformed_and_other_bytes_are_not_allowed() {
        let p = png();
        assert_eq!(
            inspect(&p[..p.len() - 12], None, None),
            Err(FileProblem::Malformed {
                kind: MediaType::Png
            })
        );
        assert_eq!(
            inspect(b"hello, world", None, None),
            Err(FileProblem::NotAllowed)
        );
        assert_eq!(inspect(b"", None, None), Err(FileProblem::Empty));
        assert_eq!(
            inspect(&vec![0u8; super::MAX_FILE_BYTES + 1], None, None),
            Err(FileProblem::TooLarge)
        );
    }

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/materials/");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}{name}")).unwrap()
    }

    #[test]
    fn pdfs_must_open_without_a_password() {
        assert_eq!(
            inspect(
                &fixture("application.pdf"),
                Some("申请书.pdf"),
                Some("application/pdf")
            ),
            Ok(MediaType::Pdf)
        );
        assert_eq!(
            inspect(&fixture("encrypted.pdf"), Some("申请书.pdf"), None),
            Err(FileProblem::Encrypted)
        );
        assert_eq!(
            inspect(&fixture("truncated.pdf"), Some("申请书.pdf"), None),
            Err(FileProblem::Malformed {
                kind: MediaType::Pdf
            })
        );
    }

    #[test]
    fn a_jpeg_is_a_jpeg() {
        let jpeg = fixture("licence.jpg");
        assert_eq!(
            inspect(&jpeg, Some("licence.JPG"), Some("image/jpeg")),
            Ok(MediaType::Jpeg)
        );
        assert_eq!(
            inspect(&jpeg[..jpeg.len() - 2], None, None),
            Err(FileProblem::Malformed {
                kind: MediaType::Jpeg
            })
        );
    }
}
