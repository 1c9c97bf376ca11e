use serde::{Deserialize, Serialize};

use crate::discretion::DiscretionCheck;
use crate::party::PartyProblem;

/// One outcome allowed from the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllowedOutcome {
    /// The outcome label to send.
    pub outcome: String,
    /// The step it leads to.
    pub to: String,
    /// That step's name.
    pub to_name: String,
    /// Whether it is an exception path.
    pub exception: bool,
}

/// Why a case command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Only officers handle cases.
    #[error("only officers may handle cases")]
    NotAnOfficer,
    /// The officer belongs to another department.
    #[error("this case belongs to department {department}")]
    WrongDepartment {
        /// The case's department.
        department: String,
    },
    /// No published power under that code.
    #[error("no published power {code}")]
    UnknownPower {
        /// The code given.
        code: String,
    },
    /// The power is suspended or revoked.
    #[error("power {code} is {status}: no new cases")]
    PowerNotActive {
        /// The code.
        code: String,
        /// Its status.
        status: String,
    },
    /// The party was refused; every problem is listed.
    #[error("the party has {} problem(s)", problems.len())]
    InvalidParty {
        /// Every problem.
        problems: Vec<PartyProblem>,
    },
    /// The power is exercised ex officio (依职权): nobody applies for it.
    #[error("power {code} is not exercised on application: it takes no online applications")]
    NotOnApplication {
        /// The code.
        code: String,
    },
    /// The applicant's contact was refused; every problem is listed.
    #[error("the contact has {} problem(s)", problems.len())]
    InvalidContact {
        /// Every problem.
        problems: Vec<PartyProblem>,
    },
    /// A file was given for a material the pinned version does not list.
    #[error("the version lists no material named {name}")]
    UnknownMaterial {
        /// The name given.
        name: String,
    },
    /// More files than one submission may carry, or a file reference that is not one.
    #[error("at most {max} files, each named by its SHA-256 and type")]
    InvalidMaterials {
        /// The most files allowed.
        max: usize,
    },
    /// The outcome does not lead to a step that waits for the applicant (补正).
    #[error("outcome {outcome} does not lead to a step that stops the clock for a supplement")]
    NotASupplementStep {
        /// The outcome given.
        outcome: String,
    },
    /// A 补正 notice must list 1 to 30 materials of the version, each with a reason.
    #[error(
        "a supplement notice lists 1 to {max} materials of the version, each with a reason of 1 to 200 characters"
    )]
    InvalidSupplement {
        /// The most items.
        max: usize,
    },
    /// No 补正 notice is waiting for an answer.
    #[error("no supplement is asked for")]
    NoSupplementAsked,
    /// A case with this tracking number exists.
    #[error("a case with this tracking number already exists")]
    AlreadyOpened,
    /// No case under this id.
    #[error("no such case")]
    NotOpened,
    /// The officer saw another version of the case.
    #[error("the case is at version {actual}, not {expected}: reload it")]
    StaleVersion {
        /// The version sent.
        expected: u64,
        /// The current version.
        actual: u64,
    },
    /// The outcome is not on an edge out of the current step.
    #[error("outcome {outcome:?} is not allowed at step {step}")]
    OutcomeNotAllowed {
        /// The current step.
        step: String,
        /// The outcome sent.
        outcome: String,
        /// What is allowed instead.
        allowed: Vec<AllowedOutcome>,
    },
    /// The same person did a step that must be done by someone else (岗位分离).
    #[error("step {step} must be done by someone other than who did {other}")]
    SeparationOfDuties {
        /// The step being completed.
        step: String,
        /// The step the same person did.
        other: String,
    },
    /// The case has concluded or been withdrawn.
    #[error("the case is {status}")]
    CaseClosed {
        /// Its status.
        status: String,
    },
    /// The clock is already paused.
    #[error("the clock is already paused")]
    AlreadyPaused,
    /// The clock is running.
    #[error("the clock is not paused")]
    NotPaused,
    /// The clock stands still because of the step the case waits at; it restarts when that
    /// step is completed.
    #[error("the clock is held by step {step}: complete that step to resume it")]
    ClockHeldByStep {
        /// The pausing step.
        step: String,
    },
    /// A time given is not acceptable.
    #[error("{0}")]
    InvalidTime(String),
    /// A text is missing or too long.
    #[error("{field}: {message}")]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A penalty decision on a power that is not a penalty power.
    #[error("power {code} is not a penalty power: no penalty decision")]
    NotAPenaltyPower {
        /// The power.
        code: String,
    },
    /// A penalty decision under a version without a discretion standard.
    #[error("version {version} of power {code} has no discretion standard")]
    NoDiscretionStandard {
        /// The power.
        code: String,
        /// The pinned version.
        version: u32,
    },
    /// The proposed penalty is impossible under the standard (unknown band, circumstance or
    /// ground, above the statutory maximum, base amount missing); the check says which.
    #[error("penalty decision refused: {}", check.message)]
    PenaltyDecisionRefused {
        /// The check, with its verdict.
        check: Box<DiscretionCheck>,
    },
    /// A fee of nothing.
    #[error("a fee must be more than 0 fen")]
    ZeroFee,
    /// Publishing or revoking needs a recorded penalty decision on a concluded case.
    #[error("the case has no concluded penalty decision")]
    NoConcludedDecision,
    /// The decision is already published.
    #[error("the penalty decision is already published as {document_no}")]
    AlreadyPublished {
        /// Its document number.
        document_no: String,
    },
    /// The decision is already revoked.
    #[error("the penalty decision was revoked")]
    DecisionRevoked,
    /// The 减轻 approver is the officer recording the decision.
    #[error("a 减轻 decision must be approved by someone other than the officer recording it")]
    SelfApproval,
    /// The pinned version allows no extension of its limits.
    #[error("version {version} of power {code} allows no extension of its limit")]
    ExtensionNotAllowed {
        /// The power.
        code: String,
        /// The pinned version.
        version: u32,
    },
    /// More days than the version still allows (or none).
    #[error("an extension of 1 to {remaining} working days is allowed")]
    ExtensionTooLong {
        /// Working days the version still allows.
        remaining: u32,
    },
    /// The statutory limit has passed: it can no longer be extended.
    #[error("the statutory limit has passed (due {due}): it can no longer be extended")]
    LimitAlreadyPassed {
        /// The due date that passed.
        due: String,
    },
    /// Only a concluded case has a result document.
    #[error("the case has not concluded")]
    NotConcluded,
    /// The case's result document was issued already.
    #[error("the result document was issued already")]
    DocumentAlreadyIssued,
    /// The power store could not be read.
    #[error("the catalogue is temporarily unavailable")]
    Unavailable,
}

impl crate::refusal::Refusal for CaseError {
    fn code(&self) -> &'static str {
        match self {
            CaseError::NotAnOfficer => "not_an_officer",
            CaseError::WrongDepartment { .. } => "wrong_department",
            CaseError::UnknownPower { .. } => "unknown_power",
            CaseError::PowerNotActive { .. } => "power_not_active",
            CaseError::InvalidParty { .. } => "invalid_party",
            CaseError::NotOnApplication { .. } => "not_on_application",
            CaseError::InvalidContact { .. } => "invalid_contact",
            CaseError::UnknownMaterial { .. } => "unknown_material",
            CaseError::InvalidMaterials { .. } => "invalid_materials",
            CaseError::NotASupplementStep { .. } => "not_a_supplement_step",
            CaseError::InvalidSupplement { .. } => "invalid_supplement",
            CaseError::NoSupplementAsked => "no_supplement_asked",
            CaseError::AlreadyOpened => "already_opened",
            CaseError::NotOpened => "not_found",
            CaseError::StaleVersion { .. } => "stale_version",
            CaseError::OutcomeNotAllowed { .. } => "outcome_not_allowed",
            CaseError::SeparationOfDuties { .. } => "separation_of_duties",
            CaseError::CaseClosed { .. } => "case_closed",
            CaseError::AlreadyPaused => "already_paused",
            CaseError::NotPaused => "not_paused",
            CaseError::ClockHeldByStep { .. } => "clock_held_by_step",
            CaseError::InvalidTime(_) => "invalid_time",
            CaseError::InvalidText { .. } => "invalid_text",
            CaseError::NotAPenaltyPower { .. } => "not_a_penalty_power",
            CaseError::NoDiscretionStandard { .. } => "no_discretion_standard",
            // The verdict is the code: unknown_band, above_statutory_maximum, ...
            CaseError::PenaltyDecisionRefused { check } => check.verdict.code(),
            CaseError::ZeroFee => "zero_fee",
            CaseError::NoConcludedDecision => "no_concluded_decision",
            CaseError::AlreadyPublished { .. } => "already_published",
            CaseError::DecisionRevoked => "decision_revoked",
            CaseError::SelfApproval => "self_approval",
            CaseError::ExtensionNotAllowed { .. } => "extension_not_allowed",
            CaseError::ExtensionTooLong { .. } => "extension_too_long",
            CaseError::LimitAlreadyPassed { .. } => "limit_already_passed",
            CaseError::NotConcluded => "not_concluded",
            CaseError::DocumentAlreadyIssued => "document_already_issued",
            CaseError::Unavailable => "unavailable",
        }
    }

    fn kind(&self) -> crate::refusal::RefusalKind {
        use crate::refusal::RefusalKind as K;
        match self {
            CaseError::NotAnOfficer | CaseError::WrongDepartment { .. } => K::Forbidden,
            CaseError::NotOpened => K::NotFound,
            CaseError::AlreadyOpened
            | CaseError::StaleVersion { .. }
            | CaseError::AlreadyPublished { .. }
            | CaseError::DocumentAlreadyIssued => K::Conflict,
            CaseError::Unavailable => K::Unavailable,
            _ => K::Rule,
        }
    }

    fn zh(&self) -> String {
        words(self).0
    }

    fn en(&self) -> String {
        words(self).1
    }
}

/// A refusal in the officer's words: (Chinese, English).
fn words(e: &CaseError) -> (String, String) {
    let t = |zh: &str, en: &str| (zh.to_string(), en.to_string());
    match e {
        CaseError::NotAnOfficer => t("只有承办人员可以办理办件。", "Only officers handle cases."),
        CaseError::WrongDepartment { .. } => t(
            "该办件属于其他部门。",
            "This case belongs to another department.",
        ),
        CaseError::UnknownPower { .. } => t(
            "没有已发布的该职权事项。",
            "No published power with that code.",
        ),
        CaseError::PowerNotActive { .. } => t(
            "该职权事项已暂停或取消，不能受理新办件。",
            "That power is suspended or revoked: no new cases.",
        ),
        CaseError::InvalidParty { .. } => t("当事人信息有误。", "The party's details are wrong."),
        CaseError::NotOnApplication { .. } => t(
            "该事项由行政机关依职权实施，不受理网上申请。",
            "This power is exercised by the authority of its own motion: it takes no applications.",
        ),
        CaseError::InvalidContact { .. } => t(
            "联系方式有误：请至少填写电子邮箱或手机号码中的一项。",
            "The contact details are wrong: give an e-mail address or a mobile number.",
        ),
        CaseError::UnknownMaterial { name } => (
            format!("本事项的申请材料中没有“{name}”。"),
            format!("This power lists no material called “{name}”."),
        ),
        CaseError::NotASupplementStep { .. } => t(
            "补正只能在受理环节告知，且所选办理结果应转入暂停计时、可返回受理的补正环节。",
            "A supplement is asked for at acceptance, along an outcome to a step that stops the clock and leads back.",
        ),
        CaseError::InvalidSupplement { max } => (
            format!(
                "补正告知应列明 1 至 {max} 项本事项的申请材料，每项写明需补正的内容（200 字以内）。"
            ),
            format!(
                "A supplement notice lists 1 to {max} of the power's materials, each with what is needed (at most 200 characters)."
            ),
        ),
        CaseError::NoSupplementAsked => t(
            "该办件目前没有需要补正的材料。",
            "Nothing is asked to be supplemented for this case now.",
        ),
        CaseError::InvalidMaterials { max } => (
            format!("一次最多提交 {max} 个文件。"),
            format!("At most {max} files at a time."),
        ),
        CaseError::AlreadyOpened | CaseError::NotOpened => t(
            "办件状态有误，请刷新。",
            "The case is not as expected; reload it.",
        ),
        CaseError::StaleVersion { .. } => {
            t("办件已被他人更新。", "Someone else has updated the case.")
        }
        CaseError::OutcomeNotAllowed { outcome, .. } => (
            format!("当前环节不能选择“{outcome}”。"),
            format!("“{outcome}” is not an outcome of the current step."),
        ),
        CaseError::SeparationOfDuties { .. } => t(
            "岗位分离：该环节须由办理前一相关环节以外的人员办理。",
            "Separation of duties: this step must be done by someone other than who did the \
             related earlier step.",
        ),
        CaseError::CaseClosed { .. } => t(
            "办件已办结或已撤回，不能再办理。",
            "The case is concluded or withdrawn.",
        ),
        CaseError::AlreadyPaused => t("计时已经暂停。", "The clock is already paused."),
        CaseError::NotPaused => t("计时没有暂停。", "The clock is not paused."),
        CaseError::ClockHeldByStep { .. } => t(
            "计时由当前环节暂停，办理完该环节后自动恢复。",
            "The current step holds the clock; it restarts when the step is completed.",
        ),
        CaseError::InvalidTime(_) => t(
            "时间有误：不能晚于现在，也不能早于上一环节。",
            "The time is wrong: not in the future, not before the previous step.",
        ),
        CaseError::InvalidText { field, .. } => match field.as_str() {
            "note" => t(
                "备注最多 500 个字符，不能含控制字符。",
                "The note is at most 500 characters.",
            ),
            "justification" => t(
                "说明理由必填，1 至 2000 个字符。",
                "The reasons are required, 1 to 2000 characters.",
            ),
            "item" => t(
                "收费项目必填，最多 100 个字符。",
                "The fee item is required, at most 100 characters.",
            ),
            "approved_by" => t(
                "批准人必填，最多 100 个字符。",
                "The approver is required, at most 100 characters.",
            ),
            "amount_fen" => t(
                "收费金额应在 0.01 元至 1000 万元之间。",
                "The amount must be 0.01 to 10,000,000 yuan.",
            ),
            _ => t(
                "原因必填，1 至 500 个字符，不能含控制字符。",
                "A reason is required: 1 to 500 characters.",
            ),
        },
        CaseError::NotAPenaltyPower { .. } => {
            t("该事项不是行政处罚事项。", "This is not a penalty power.")
        }
        CaseError::NoDiscretionStandard { .. } => t(
            "该事项版本没有裁量基准。",
            "This version has no discretion standard.",
        ),
        CaseError::PenaltyDecisionRefused { check } => (
            format!("处罚决定不能记录：{}", check.message),
            format!("The decision cannot be recorded: {}", check.message),
        ),
        CaseError::ZeroFee => t("收费金额须大于零。", "A fee must be more than nothing."),
        CaseError::ExtensionNotAllowed { .. } => t(
            "该事项版本没有可延长的期限。",
            "This version allows no extension of its limit.",
        ),
        CaseError::ExtensionTooLong { remaining } => (
            format!("延长天数须为 1 至 {remaining} 个工作日（法定可延长期限的剩余部分）。"),
            format!(
                "An extension of 1 to {remaining} working days is allowed (what the law still allows)."
            ),
        ),
        CaseError::LimitAlreadyPassed { due } => (
            format!("法定期限已于 {due} 届满，不能再延长。"),
            format!("The statutory limit ended on {due}; it can no longer be extended."),
        ),
        CaseError::NotConcluded => t("办件尚未办结。", "The case has not concluded."),
        CaseError::DocumentAlreadyIssued => t(
            "该办件的决定书已经出具。",
            "The case's result document was issued already.",
        ),
        CaseError::NoConcludedDecision => t(
            "办件尚未办结或没有处罚决定。",
            "The case has no concluded penalty decision.",
        ),
        CaseError::AlreadyPublished { .. } => {
            t("该处罚决定已经公开。", "The decision is published already.")
        }
        CaseError::DecisionRevoked => t("该处罚决定已撤销。", "The decision was revoked."),
        CaseError::SelfApproval => t(
            "减轻处罚须由本人以外的负责人批准。",
            "A 减轻 decision must be approved by someone else.",
        ),
        CaseError::Unavailable => t(
            "目录暂时无法读取，请稍后再试。",
            "The catalogue cannot be read just now; try again shortly.",
        ),
    }
}
