//! 表格下载: the forms a power version offers (申请书 templates), stored by hash beside the
//! applications' files (decision 0021) and served only while a version of the power lists them.
//!
//! A department's administrator uploads the file (a PDF, checked as applicants' files are),
//! gets its SHA-256, and names it in the version's `forms`; publishing a version whose forms
//! are not all stored is refused at the form. The demo catalogue's powers taken on application
//! carry a template made by [`application_template`].
use aggregates::case::MediaType;
use aggregates::power::{FormFile, PowerVersionContent, VersionProblem};
use chrono::DateTime;
use sha2::{Digest, Sha256};

use super::application::{FileProblem, inspect};
use super::pdf::{Block, Meta};
use super::{Engine, LoadError};
use crate::store::StoreError;

/// How long checking one form may take.
const CHECK_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// A form file stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StoredForm {
    /// SHA-256 of the file, lower-case hex: name it in the version's `forms`.
    pub sha256: String,
    /// Always `application/pdf`.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The name it was uploaded under, if any.
    pub file_name: Option<String>,
}

/// Why a form was not stored.
#[derive(Debug)]
pub enum FormError {
    /// The file was refused.
    File(FileProblem),
    /// Not a PDF.
    NotPdf,
    /// The store failed.
    Store(StoreError),
}

impl Engine {
    /// Checks a form file (a whole, unprotected PDF whose name and type agree with its bytes)
    /// and stores it by hash.
    pub async fn store_form(
        &self,
        file_name: Option<String>,
        declared_type: Option<String>,
        bytes: Vec<u8>,
    ) -> Result<StoredForm, FormError> {
        let (bytes, name, declared) =
            (std::sync::Arc::new(bytes), file_name.clone(), declared_type);
        let checked = {
            let bytes = bytes.clone();
            tokio::task::spawn_blocking(move || {
                inspect(&bytes, name.as_deref(), declared.as_deref())
            })
        };
        let kind = match tokio::time::timeout(CHECK_BUDGET, checked).await {
            Ok(Ok(result)) => result.map_err(FormError::File)?,
            _ => {
                return Err(FormError::File(FileProblem::Malformed {
                    kind: MediaType::Pdf,
                }));
            }
        };
        if kind != MediaType::Pdf {
            return Err(FormError::NotPdf);
        }
        let sha256 = hex::encode(Sha256::digest(bytes.as_slice()));
        self.repo()
            .put_material(&sha256, kind.as_str(), &bytes, self.now().timestamp())
            .await
            .map_err(FormError::Store)?;
        Ok(StoredForm {
            sha256,
            media_type: kind.as_str().into(),
            size: bytes.len() as u64,
            file_name,
        })
    }

    /// A problem for each form of `content` whose file is not stored (or not a PDF).
    pub async fn unstored_forms(
        &self,
        content: &PowerVersionContent,
    ) -> Result<Vec<VersionProblem>, StoreError> {
        let mut problems = Vec::new();
        for (i, form) in content.forms.iter().enumerate() {
            if !aggregates::case::is_sha256_hex(&form.sha256) {
                continue; // the version's own check reports it
            }
            let stored = self.repo().material(&form.sha256).await?;
            if stored.is_none_or(|f| f.media_type != MediaType::Pdf.as_str()) {
                problems.push(VersionProblem {
                    code: "form_not_uploaded".into(),
                    field: format!("forms[{i}].sha256"),
                    step: None,
                    message: format!(
                        "no uploaded form has this hash: upload {:?} first (POST /api/v1/powers/{{code}}/forms)",
                        form.file_name
                    ),
                });
            }
        }
        Ok(problems)
    }

    /// A form the current version of power `code` offers, with its bytes.
    pub async fn offered_form(
        &self,
        code: &str,
        sha256: &str,
    ) -> Result<Option<(FormFile, Vec<u8>)>, LoadError> {
        let Some(record) = self.catalogue().load(code).await? else {
            return Ok(None);
        };
        let Some(current) = record.current() else {
            return Ok(None);
        };
        let Some(form) = current
            .content
            .forms
            .iter()
            .find(|f| f.sha256 == sha256)
            .cloned()
        else {
            return Ok(None);
        };
        Ok(self
            .repo()
            .material(sha256)
            .await?
            .map(|file| (form, file.content)))
    }
}

/// A blank 申请书 for a power taken on application: the applicant's particulars to fill in,
/// the conditions, the materials to attach, and the declaration to sign. The same content gives
/// the same bytes.
pub fn application_template(
    power_name: &str,
    department_name: &str,
    content: &PowerVersionContent,
) -> Vec<u8> {
    let line = "＿".repeat(16);
    let mut blocks = vec![
        Block::Centered(department_name.to_string()),
        Block::Title(format!("{power_name}申请书")),
        Block::Gap,
        Block::Plain(format!("申请人（单位名称或姓名）：{line}")),
        Block::Plain(format!("统一社会信用代码或身份证件号码：{line}")),
        Block::Plain(format!("住所或地址：{line}")),
        Block::Plain(format!("法定代表人或负责人：{line}")),
        Block::Plain(format!("联系人及电话：{line}")),
        Block::Plain(format!("申请事项：{power_name}")),
        Block::Gap,
    ];
    if !content.conditions.is_empty() {
        blocks.push(Block::Plain("申请条件（请逐项对照）：".into()));
        for (i, c) in content.conditions.iter().enumerate() {
            blocks.push(Block::Paragraph(format!("{}. {c}", i + 1)));
        }
        blocks.push(Block::Gap);
    }
    if !content.materials.is_empty() {
        blocks.push(Block::Plain(
            "随附申请材料（请在已提交的项目前打“√”）：".into(),
        ));
        for m in &content.materials {
            let copies = m.copies.map(|c| format!("（{c} 份）")).unwrap_or_default();
            blocks.push(Block::Paragraph(format!("□ {}{copies}", m.name)));
        }
        blocks.push(Block::Gap);
    }
    blocks.push(Block::Paragraph(
        "本申请人郑重声明：所填写的内容和提交的申请材料真实、有效，如有虚假，愿意承担相应的法律责任。"
            .into(),
    ));
    blocks.push(Block::Gap);
    blocks.push(Block::Right(format!(
        "申请人（签字或盖章）：{}",
        "＿".repeat(8)
    )));
    blocks.push(Block::Right("年　　月　　日".into()));
    blocks.push(Block::Gap);
    blocks.push(Block::Small(
        "本表可在网上申请时作为“申请书”上传，也可打印填写后到窗口提交。".into(),
    ));
    let title = format!("{power_name}申请书");
    super::pdf::render(
        &blocks,
        &Meta {
            title: &title,
            author: department_name,
            // A template has no date of its own: a fixed one keeps its bytes, and so its hash,
            // the same on every start.
            created: DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").unwrap_or_default(),
        },
    )
}

/// Gives every power of `file` taken on application, and offering no form yet, its blank
/// 申请书 ([`application_template`]), stored (the demo catalogue's forms).
pub async fn attach_templates(
    engine: &Engine,
    file: &mut super::catalogue_file::CatalogueFile,
) -> Result<(), StoreError> {
    for entry in &mut file.powers {
        if !entry.category.on_application() || !entry.version.forms.is_empty() {
            continue;
        }
        let bytes = application_template(&entry.name, &entry.department_name, &entry.version);
        let form = template_entry(&entry.name, &bytes);
        engine
            .repo()
            .put_material(
                &form.sha256,
                MediaType::Pdf.as_str(),
                &bytes,
                engine.now().timestamp(),
            )
            .await?;
        entry.version.forms.push(form);
    }
    Ok(())
}

/// The form entry of a template made by [`application_template`].
pub fn template_entry(power_name: &str, bytes: &[u8]) -> FormFile {
    FormFile {
        title: format!("{power_name}申请书（空白表）"),
        file_name: format!("{power_name}申请书.pdf"),
        sha256: hex::encode(Sha256::digest(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_lists_the_materials_and_opens_as_an_acceptable_pdf() {
        let file =
            crate::engine::catalogue_file::parse(crate::engine::catalogue_file::DEMO_CATALOGUE)
                .unwrap();
        let entry = file
            .powers
            .iter()
            .find(|p| p.name == "食品经营许可")
            .unwrap();
        let a = application_template(&entry.name, &entry.department_name, &entry.version);
        let b = application_template(&entry.name, &entry.department_name, &entry.version);
        assert_eq!(a, b, "a template's bytes must not change between starts");
        assert_eq!(
            inspect(&a, Some("食品经营许可申请书.pdf"), Some("application/pdf")),
            Ok(MediaType::Pdf),
            "the template passes the checks an upload gets"
        );
        let text = crate::engine::pdf::extract_text(&a).unwrap().concat();
        assert!(text.contains("食品经营许可申请书"), "{text}");
        for m in &entry.version.materials {
            let head: String = m.name.chars().take(10).collect();
            assert!(text.contains(&head), "{} missing from {text}", m.name);
        }
    }
}
