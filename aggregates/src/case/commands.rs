use crate::money::Fen;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Contact, SubmittedMaterial, SupplementItem};
use crate::Actor;
use crate::party::Party;

/// How the case came in (受理渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 窗口受理.
    Window,
    /// 网上申请.
    Online,
    /// 邮寄.
    Mail,
    /// 监督检查中发现.
    Inspection,
    /// 投诉举报.
    Complaint,
    /// 移送.
    Referral,
}

/// The approval of a 减轻 decision (减轻处罚须经负责人集体讨论或批准): who approved it and the
/// approval's reference. The approver must be someone other than the officer recording it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MitigationApproval {
    /// The approver's subject id.
    pub approved_by: String,
    /// The approval's reference (审批单号 or meeting minutes), 1 to 100 characters.
    pub reference: String,
}

/// Commands on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CaseCommand {
    /// 受理/立案: open a case under the current version of a power.
    OpenCase {
        /// The officer opening it.
        actor: Actor,
        /// The tracking number, which is also the case's id.
        tracking_no: String,
        /// The power.
        power_code: String,
        /// The party.
        party: Party,
        /// The channel.
        channel: Channel,
        /// When the application or matter was received.
        received_at: DateTime<FixedOffset>,
        /// Salt of the query code's hash (hex).
        query_code_salt: String,
        /// SHA-256 of salt and query code (hex); the code itself is never stored.
        query_code_hash: String,
    },
    /// 网上申请: an applicant applies online, without an account. The case opens at the
    /// flowchart's start step (申请与受理), received now, with the applicant's contact and the
    /// materials they uploaded; the acceptance limit runs from receipt as at the window.
    /// Powers exercised on application only (not penalties, enforcement, levies, inspections).
    ApplyOnline {
        /// The tracking number, which is also the case's id.
        tracking_no: String,
        /// The power.
        power_code: String,
        /// The applicant (申请人).
        party: Party,
        /// How to reach them.
        contact: Contact,
        /// The files uploaded, each for one of the version's materials (already stored by hash).
        materials: Vec<SubmittedMaterial>,
        /// Salt of the query code's hash (hex).
        query_code_salt: String,
        /// SHA-256 of salt and query code (hex); the code itself is never stored.
        query_code_hash: String,
    },
    /// 办理环节: complete the current step with one of its outcomes.
    CompleteStep {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// The outcome label (受理 / 补正 / ...).
        outcome: String,
        /// A note.
        note: Option<String>,
        /// When the step was taken; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 一次性告知补正: complete the current step along `outcome` to a step that stops the clock
    /// (补正), telling the applicant in one notice every material that is missing or deficient
    /// and why (行政许可法 第三十二条). The applicant answers online with the query code
    /// ([`CaseCommand::SubmitSupplement`]) or at the window.
    RequestSupplement {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// The outcome leading to the 补正 step.
        outcome: String,
        /// Everything asked for, 1 to 30 materials of the version, each with its reason.
        items: Vec<SupplementItem>,
        /// When; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 网上补正: the applicant answers an open 补正 notice with files (and perhaps a note);
    /// the case goes back to the step the notice was given at and the clock runs again from
    /// today.
    SubmitSupplement {
        /// The files, each for one of the version's materials (already stored by hash).
        materials: Vec<SubmittedMaterial>,
        /// A note to the department (at most 500 characters).
        note: Option<String>,
    },
    /// 出具决定书: records the written decision of a concluded case by its hash, once. The
    /// documents follower renders and stores it; the event puts its hash in the transparency
    /// log, which is how anyone holding the file can check it is authentic.
    IssueResultDocument {
        /// Its title (the end step's `document`, e.g. 准予行政许可决定书).
        title: String,
        /// SHA-256 of the PDF, lower-case hex.
        sha256: String,
        /// Its size in bytes.
        size: u64,
    },
    /// 补发查询码: the applicant lost the query code; a new one replaces it (the old one stops
    /// working), with the reason, on any case of the department that is opened.
    ReissueQueryCode {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// Salt of the new code's hash (hex).
        query_code_salt: String,
        /// SHA-256 of salt and the new code (hex).
        query_code_hash: String,
        /// Why (e.g. 申请人遗失回执，经核验身份后补发), 1 to 500 characters.
        reason: String,
    },
    /// 暂停计时 with a reason (听证, 鉴定, 公告 ...).
    PauseClock {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw, if they want the check.
        expected_version: Option<u64>,
        /// Why.
        reason: String,
        /// When; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 恢复计时.
    ResumeClock {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw, if they want the check.
        expected_version: Option<u64>,
        /// Why.
        reason: String,
        /// When; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 行政处罚决定 (fine): record the band, amounts, circumstances and grounds of a penalty
    /// decision, checked against the pinned version's discretion standard. Penalty powers with
    /// a standard only, while the case is open; a later record replaces the earlier one until
    /// the case concludes (every record stays in the log). An amount outside its band is
    /// recorded with the check's verdict; impossible input (unknown band, circumstance or
    /// ground, above the statutory maximum, a base amount missing) is refused.
    RecordPenaltyDecision {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// The band chosen (absent for 不予处罚, or 减轻 below every band).
        band: Option<String>,
        /// The base amount (e.g. 货值金额), in fen, when the regime depends on one.
        base_amount_fen: Option<Fen>,
        /// The fine, in fen; 0 for no fine.
        amount_fen: Fen,
        /// Ids of the standard's circumstances found.
        circumstances: Vec<String>,
        /// Ids of the standard's 减轻 or 不予处罚 grounds relied on.
        grounds: Vec<String>,
        /// The reasons (说明理由), 1 to 2000 characters.
        justification: String,
        /// The approval of a 减轻 below the statutory minimum (减轻处罚审批), if obtained.
        approval: Option<MitigationApproval>,
        /// When decided; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 收费: a fee charged to the party, by item and amount. Recorded with the amount the
    /// pinned version publishes for that item, if it lists the item; a fee above the
    /// published amount, on a free item or on an unlisted one is recorded as charged (what
    /// happened is a fact for supervision to judge), never silently corrected.
    ChargeFee {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// The fee item's name, as published (收费项目).
        item: String,
        /// The amount charged, in fen (at least 1).
        amount_fen: Fen,
        /// A note (receipt number...).
        note: Option<String>,
        /// When charged; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 处罚决定公开: publish the concluded case's penalty decision (行政处罚法 art. 48) with its
    /// document number, the violation and the penalty in words. Once per decision.
    PublishPenaltyDecision {
        /// The officer.
        actor: Actor,
        /// 决定书文号, e.g. 浦市监处〔2026〕12号: 1 to 100 characters.
        document_no: String,
        /// 主要违法事实: the violation, 1 to 2000 characters, no personal data of people other
        /// than the party.
        violation: String,
        /// 处罚内容: the penalty in words, 1 to 500 characters.
        penalty: String,
        /// When published; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 处罚决定撤销: the decision was revoked, changed or found unlawful (复议, 诉讼, 自行纠正);
    /// a published decision is withdrawn from publication with the reason (art. 48 para. 2).
    RevokePenaltyDecision {
        /// The officer.
        actor: Actor,
        /// Why, 1 to 500 characters (shown publicly with the withdrawal).
        reason: String,
        /// When; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 延长期限: extend the case's limits with the approval the law requires (行政许可法 第四十二条:
    /// 经本行政机关负责人批准，可以延长十日; 政府信息公开条例 第三十三条: 经政府信息公开工作机构
    /// 负责人同意). At most what the pinned version's `extension` allows in all, and only before
    /// the statutory limit has passed.
    ExtendLimit {
        /// The officer recording it.
        actor: Actor,
        /// The case version the officer saw; another version is a conflict.
        expected_version: u64,
        /// Working days to add (1 to what the version still allows).
        days: u32,
        /// Who approved it (批准人: the head's name or post), 1 to 100 characters.
        approved_by: String,
        /// Why (延期理由, told to the applicant), 1 to 500 characters.
        reason: String,
        /// When approved; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
    /// 撤回/终止: the case ends without a decision.
    WithdrawCase {
        /// The officer.
        actor: Actor,
        /// The case version the officer saw, if they want the check.
        expected_version: Option<u64>,
        /// Why.
        reason: String,
        /// When; now if absent.
        at: Option<DateTime<FixedOffset>>,
    },
}
