//! The domain's refusals in the officer's words.

use super::*;

/// A domain refusal in the officer's words.
pub(super) fn case_error_words(lang: Lang, e: &CaseError) -> String {
    let t = |zh: &str, en: &str| lang.t(zh, en).to_string();
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
        CaseError::AlreadyOpened | CaseError::NotOpened => t(
            "办件状态有误，请刷新。",
            "The case is not as expected; reload it.",
        ),
        CaseError::StaleVersion { .. } => {
            t("办件已被他人更新。", "Someone else has updated the case.")
        }
        CaseError::OutcomeNotAllowed { outcome, .. } => match lang {
            Lang::Zh => format!("当前环节不能选择“{outcome}”。"),
            Lang::En => format!("“{outcome}” is not an outcome of the current step."),
        },
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
        CaseError::InvalidText { field, .. } => match (lang, field.as_str()) {
            (Lang::Zh, "note") => "备注最多 500 个字符，不能含控制字符。".into(),
            (Lang::Zh, "justification") => "说明理由必填，1 至 2000 个字符。".into(),
            (Lang::Zh, "item") => "收费项目必填，最多 100 个字符。".into(),
            (Lang::Zh, "approved_by") => "批准人必填，最多 100 个字符。".into(),
            (Lang::En, "approved_by") => "The approver is required, at most 100 characters.".into(),
            (Lang::Zh, "amount_fen") => "收费金额应在 0.01 元至 1000 万元之间。".into(),
            (Lang::En, "item") => "The fee item is required, at most 100 characters.".into(),
            (Lang::En, "amount_fen") => "The amount must be 0.01 to 10,000,000 yuan.".into(),
            (Lang::Zh, _) => "原因必填，1 至 500 个字符，不能含控制字符。".into(),
            (Lang::En, "note") => "The note is at most 500 characters.".into(),
            (Lang::En, "justification") => "The reasons are required, 1 to 2000 characters.".into(),
            (Lang::En, _) => "A reason is required: 1 to 500 characters.".into(),
        },
        CaseError::NotAPenaltyPower { .. } => {
            t("该事项不是行政处罚事项。", "This is not a penalty power.")
        }
        CaseError::NoDiscretionStandard { .. } => t(
            "该事项版本没有裁量基准。",
            "This version has no discretion standard.",
        ),
        CaseError::PenaltyDecisionRefused { check } => match lang {
            Lang::Zh => format!("处罚决定不能记录：{}", check.message),
            Lang::En => format!("The decision cannot be recorded: {}", check.message),
        },
        CaseError::ZeroFee => t("收费金额须大于零。", "A fee must be more than nothing."),
        CaseError::ExtensionNotAllowed { .. } => t(
            "该事项版本没有可延长的期限。",
            "This version allows no extension of its limit.",
        ),
        CaseError::ExtensionTooLong { remaining } => match lang {
            Lang::Zh => {
                format!("延长天数须为 1 至 {remaining} 个工作日（法定可延长期限的剩余部分）。")
            }
            Lang::En => format!(
                "An extension of 1 to {remaining} working days is allowed (what the law still allows)."
            ),
        },
        CaseError::LimitAlreadyPassed { due } => match lang {
            Lang::Zh => format!("法定期限已于 {due} 届满，不能再延长。"),
            Lang::En => {
                format!("The statutory limit ended on {due}; it can no longer be extended.")
            }
        },
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
