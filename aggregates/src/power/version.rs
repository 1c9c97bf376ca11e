//! What a published version of a power holds (办事指南 + 流程图 + 裁量基准).
use crate::money::Fen;
use serde::{Deserialize, Serialize};

use crate::discretion::{DiscretionProblem, DiscretionStandard, DiscretionStandardSpec};
use crate::flowchart::{Flowchart, FlowchartProblem, FlowchartSpec};

/// Category of administrative power (职权类别). Chinese names are accepted as aliases on input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 行政许可
    #[serde(alias = "许可")]
    Licensing,
    /// 行政处罚
    #[serde(alias = "处罚")]
    Penalty,
    /// 行政强制
    #[serde(alias = "强制")]
    Enforcement,
    /// 行政征收
    #[serde(alias = "征收")]
    Levy,
    /// 行政给付
    #[serde(alias = "给付")]
    Benefit,
    /// 行政检查
    #[serde(alias = "检查")]
    Inspection,
    /// 行政确认
    #[serde(alias = "确认")]
    Confirmation,
    /// 行政奖励
    #[serde(alias = "奖励")]
    Reward,
    /// 行政裁决
    #[serde(alias = "裁决")]
    Adjudication,
    /// 其他行政权力
    #[serde(alias = "其他")]
    Other,
}

impl Category {
    /// Whether the power is exercised on someone's application (依申请), so that people may
    /// apply for it (online too); penalties, enforcement, levies and inspections are exercised
    /// ex officio (依职权).
    pub fn on_application(self) -> bool {
        !matches!(
            self,
            Category::Penalty | Category::Enforcement | Category::Levy | Category::Inspection
        )
    }

    /// The Chinese name of the category.
    pub fn chinese(self) -> &'static str {
        match self {
            Category::Licensing => "行政许可",
            Category::Penalty => "行政处罚",
            Category::Enforcement => "行政强制",
            Category::Levy => "行政征收",
            Category::Benefit => "行政给付",
            Category::Inspection => "行政检查",
            Category::Confirmation => "行政确认",
            Category::Reward => "行政奖励",
            Category::Adjudication => "行政裁决",
            Category::Other => "其他行政权力",
        }
    }
}

/// Disclosure attribute of the power's decisions (公开属性).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// 主动公开
    #[serde(alias = "主动公开")]
    Proactive,
    /// 依申请公开
    #[serde(alias = "依申请公开")]
    OnRequest,
    /// 不予公开
    #[serde(alias = "不予公开")]
    Withheld,
}

/// One legal basis (法律依据): a law and an article, with a short excerpt as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// The law, regulation or measure, e.g. 中华人民共和国食品安全法.
    pub law: String,
    /// The article, e.g. 第三十五条.
    pub article: String,
    /// A short quotation of the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Where the text was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A required material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Name of the document.
    pub name: String,
    /// Number of copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u32>,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A form offered for download with a version (表格下载), e.g. the 申请书 template: the file is
/// uploaded first (`POST /powers/{code}/forms`) and named here by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormFile {
    /// What it is, e.g. 食品经营许可申请书. 1 to 60 characters.
    pub title: String,
    /// The file's name when downloaded, e.g. 食品经营许可申请书.pdf. 1 to 100 characters, no
    /// path separators.
    pub file_name: String,
    /// SHA-256 of the file, lower-case hex, as the upload answered.
    pub sha256: String,
}

/// Most forms one version offers.
pub const MAX_FORMS: usize = 20;

/// An extension of the limit with approval (延长期限).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// Extra working days.
    pub days: u32,
    /// The article that allows it.
    pub basis: String,
}

/// A fee item (收费项目); an amount of zero is a free item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeItem {
    /// Name of the item.
    pub name: String,
    /// Amount in fen (分), 1 yuan = 100 fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub amount_fen: Fen,
    /// The basis for charging (or not charging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// The content of one version of a power: immutable once published, identified by its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PowerVersionContent {
    /// 法律依据 — at least one.
    pub legal_basis: Vec<LegalBasis>,
    /// 受理条件.
    #[serde(default)]
    pub conditions: Vec<String>,
    /// 申请材料.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// 法定时限, in working days.
    pub statutory_limit_days: u32,
    /// 承诺时限, in working days, no longer than the statutory limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_limit_days: Option<u32>,
    /// Which article sets the statutory limit, and any conversion note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_source: Option<String>,
    /// 延长期限 with approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// 收费项目; empty when nothing is charged.
    #[serde(default)]
    pub fees: Vec<FeeItem>,
    /// 公开属性.
    pub disclosure: Disclosure,
    /// 监督渠道: where to complain.
    pub supervision_channel: String,
    /// 流程图.
    pub flowchart: FlowchartSpec,
    /// 表格下载: forms to download (申请书 templates), at most 20; each file must have been
    /// uploaded before the version is published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<FormFile>,
    /// 裁量基准 (penalty powers): bands by circumstance within each statutory range, 减轻 and
    /// 不予处罚 grounds. Checked by [`DiscretionStandard::parse`] when the version is validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discretion: Option<DiscretionStandardSpec>,
}

/// One thing wrong with a version: a field-level problem or a flowchart problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionProblem {
    /// Stable machine code, e.g. `missing_legal_basis`, a flowchart or a discretion problem code.
    pub code: String,
    /// The field concerned, e.g. `promised_limit_days`, `flowchart` or
    /// `discretion.regimes[0].bands[2].range` (band problems name the band in the message).
    pub field: String,
    /// The flowchart step concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// A plain sentence.
    pub message: String,
}

impl From<FlowchartProblem> for VersionProblem {
    fn from(p: FlowchartProblem) -> Self {
        let code = serde_json::to_value(p.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "flowchart".into());
        VersionProblem {
            code,
            field: "flowchart".into(),
            step: p.step,
            message: p.message,
        }
    }
}

impl From<DiscretionProblem> for VersionProblem {
    fn from(p: DiscretionProblem) -> Self {
        VersionProblem {
            code: p.code.as_str(),
            field: format!("discretion.{}", p.field),
            step: None,
            message: p.message,
        }
    }
}

const MAX_LIMIT_DAYS: u32 = 365;

fn text_problem(
    problems: &mut Vec<VersionProblem>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        problems.push(VersionProblem {
            code: "empty_text".into(),
            field: field.into(),
            step: None,
            message: format!("{field} must not be empty"),
        });
    } else if value.chars().count() > max {
        problems.push(VersionProblem {
            code: "text_too_long".into(),
            field: field.into(),
            step: None,
            message: format!("{field} must be at most {max} characters"),
        });
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        problems.push(VersionProblem {
            code: "control_character".into(),
            field: field.into(),
            step: None,
            message: format!("{field} must not contain control characters"),
        });
    }
}

/// How deep a discretion standard may nest. Stored events and views wrap it in a few more
/// levels, and JSON readers (serde_json) stop at 128: a deeper one would be accepted once and
/// then could not be read back, stopping the catalogue's views.
pub const MAX_DISCRETION_DEPTH: usize = 32;

/// The nesting depth of arrays and objects in `value` (a scalar is 0), without recursion.
fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    deepest
}

impl PowerVersionContent {
    /// [`PowerVersionContent::validate`] for a version about to be published: also the limits
    /// on a flowchart's size ([`crate::flowchart::size_problems`]), which stored versions are
    /// not held to. Every problem at once.
    pub fn validate_new(&self) -> Result<Flowchart, Vec<VersionProblem>> {
        let size: Vec<VersionProblem> = crate::flowchart::size_problems(&self.flowchart)
            .into_iter()
            .map(VersionProblem::from)
            .collect();
        match (self.validate(), size.is_empty()) {
            (Ok(flowchart), true) => Ok(flowchart),
            (Ok(_), false) => Err(size),
            (Err(mut problems), _) => {
                problems.splice(0..0, size);
                Err(problems)
            }
        }
    }

    /// Validates the whole version: every problem at once, the flowchart's included. On success
    /// the parsed flowchart is returned.
    pub fn validate(&self) -> Result<Flowchart, Vec<VersionProblem>> {
        // A step that approves an extension needs an extension to approve.
        let stray_extensions: Vec<VersionProblem> = if self.extension.is_none() {
            self.flowchart
                .steps
                .iter()
                .filter(|s| s.approves_extension)
                .map(|step| VersionProblem {
                    code: "extension_not_allowed".into(),
                    field: "flowchart".into(),
                    step: Some(step.id.clone()),
                    message: format!(
                        "step {:?} approves an extension, but the version allows none (no `extension`)",
                        step.id
                    ),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut problems = stray_extensions;
        let mut push = |code: &str, field: &str, message: String| {
            problems.push(VersionProblem {
                code: code.into(),
                field: field.into(),
                step: None,
                message,
            })
        };
        if self.legal_basis.is_empty() {
            push(
                "missing_legal_basis",
                "legal_basis",
                "a power needs at least one legal basis".into(),
            );
        }
        if self.statutory_limit_days == 0 || self.statutory_limit_days > MAX_LIMIT_DAYS {
            push(
                "invalid_limit",
                "statutory_limit_days",
                format!("statutory_limit_days must be between 1 and {MAX_LIMIT_DAYS}"),
            );
        }
        if let Some(promised) = self.promised_limit_days
            && (promised == 0 || promised > self.statutory_limit_days)
        {
            push(
                "promised_exceeds_statutory",
                "promised_limit_days",
                format!(
                    "promised_limit_days ({promised}) must be at least 1 and at most the statutory limit ({})",
                    self.statutory_limit_days
                ),
            );
        }
        if let Some(ext) = &self.extension
            && (ext.days == 0 || ext.days > MAX_LIMIT_DAYS)
        {
            push(
                "invalid_limit",
                "extension.days",
                format!("extension.days must be between 1 and {MAX_LIMIT_DAYS}"),
            );
        }
        let mut fee_names = std::collections::HashSet::new();
        for (i, fee) in self.fees.iter().enumerate() {
            if !fee_names.insert(fee.name.trim()) {
                push(
                    "duplicate_fee",
                    &format!("fees[{i}].name"),
                    format!("fee item {:?} is listed twice", fee.name),
                );
            }
        }
        for (i, basis) in self.legal_basis.iter().enumerate() {
            text_problem(
                &mut problems,
                &format!("legal_basis[{i}].law"),
                &basis.law,
                200,
                true,
            );
            text_problem(
                &mut problems,
                &format!("legal_basis[{i}].article"),
                &basis.article,
                100,
                true,
            );
            if let Some(excerpt) = &basis.excerpt {
                text_problem(
                    &mut problems,
                    &format!("legal_basis[{i}].excerpt"),
                    excerpt,
                    2000,
                    false,
                );
            }
        }
        for (i, c) in self.conditions.iter().enumerate() {
            text_problem(&mut problems, &format!("conditions[{i}]"), c, 1000, true);
        }
        for (i, m) in self.materials.iter().enumerate() {
            text_problem(
                &mut problems,
                &format!("materials[{i}].name"),
                &m.name,
                200,
                true,
            );
        }
        if self.forms.len() > MAX_FORMS {
            problems.push(VersionProblem {
                code: "too_many_forms".into(),
                field: "forms".into(),
                step: None,
                message: format!("at most {MAX_FORMS} forms, not {}", self.forms.len()),
            });
        }
        for (i, f) in self.forms.iter().enumerate() {
            text_problem(
                &mut problems,
                &format!("forms[{i}].title"),
                &f.title,
                60,
                true,
            );
            let name = f.file_name.trim();
            if name.is_empty()
                || name.chars().count() > 100
                || name.contains(['/', '\\'])
                || name.chars().any(char::is_control)
            {
                problems.push(VersionProblem {
                    code: "invalid_form".into(),
                    field: format!("forms[{i}].file_name"),
                    step: None,
                    message: "a file name of 1 to 100 characters, without / or \\".into(),
                });
            }
            if !crate::case::is_sha256_hex(&f.sha256) {
                problems.push(VersionProblem {
                    code: "invalid_form".into(),
                    field: format!("forms[{i}].sha256"),
                    step: None,
                    message: "the SHA-256 the upload answered, in lower-case hex".into(),
                });
            } else if self.forms[..i].iter().any(|g| g.sha256 == f.sha256) {
                problems.push(VersionProblem {
                    code: "duplicate_form".into(),
                    field: format!("forms[{i}].sha256"),
                    step: None,
                    message: "the same file is listed twice".into(),
                });
            }
        }
        for (i, f) in self.fees.iter().enumerate() {
            text_problem(
                &mut problems,
                &format!("fees[{i}].name"),
                &f.name,
                200,
                true,
            );
        }
        text_problem(
            &mut problems,
            "supervision_channel",
            &self.supervision_channel,
            500,
            true,
        );
        // A structured standard nests only as deep as its schema (about eight levels), far
        // below the limit; the guard stays so that a deeper future schema cannot slip through.
        if let Some(discretion) = &self.discretion
            && serde_json::to_value(discretion).is_ok_and(|v| json_depth(&v) > MAX_DISCRETION_DEPTH)
        {
            problems.push(VersionProblem {
                code: "discretion_too_deep".into(),
                field: "discretion".into(),
                step: None,
                message: format!(
                    "discretion may nest at most {MAX_DISCRETION_DEPTH} levels of arrays and objects"
                ),
            });
        }
        if let Some(spec) = &self.discretion
            && let Err(found) = DiscretionStandard::parse(spec.clone())
        {
            problems.extend(found.into_iter().map(VersionProblem::from));
        }
        match Flowchart::parse(self.flowchart.clone()) {
            Ok(flowchart) if problems.is_empty() => Ok(flowchart),
            Ok(_) => Err(problems),
            Err(flow) => {
                problems.extend(flow.into_iter().map(VersionProblem::from));
                Err(problems)
            }
        }
    }

    /// The content hash that pins this version (`sha256:` of its canonical JSON).
    pub fn content_hash(&self) -> String {
        // Serialising plain data to a Value cannot fail.
        crate::hash::content_hash(self).unwrap_or_default()
    }
}

/// A power's published version with its parsed flowchart: what a case is opened against.
#[derive(Debug, Clone)]
pub struct PublishedPower {
    /// Power code (职权编码).
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Implementing department id.
    pub department: String,
    /// Implementing department's name.
    pub department_name: String,
    /// Whether new cases may be opened.
    pub status: super::PowerStatus,
    /// Version number, from 1.
    pub version: u32,
    /// Content hash of this version.
    pub content_hash: String,
    /// The version's content.
    pub content: PowerVersionContent,
    /// The parsed flowchart.
    pub flowchart: Flowchart,
}

/// Power codes: `[A-Z0-9-]`, 1 to 40 characters (职权编码).
pub fn is_valid_power_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// Department ids: `[a-z0-9-]`, 1 to 40 characters.
pub fn is_valid_department_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
