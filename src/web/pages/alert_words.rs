//! An alert in words (预警说明): what happened, what was expected, and the facts behind it —
//! amounts in 元, steps and events by their names, dates in 北京时间, people by their names —
//! from the details the rule recorded. An inspector reads sentences, never the rule's JSON.
use aggregates::alert::AlertRule;
use aggregates::discretion::DiscretionCheck;
use aggregates::money::Fen;
use chrono::{DateTime, FixedOffset, NaiveDate};
use projections::alerts::{AlertDetails, LimitKind, PatternFinding};

use super::{Lang, cst, ymd};
use crate::queries::Directory;

/// An alert explained.
pub(crate) struct Explanation {
    /// What happened, in a sentence.
    pub happened: String,
    /// What the rules expected instead.
    pub expected: String,
    /// The facts it rests on, as label and value.
    pub facts: Vec<(&'static str, String)>,
}

/// An amount of money as people read it: `20,000.00 元`.
pub(crate) fn yuan(lang: Lang, fen: Fen) -> String {
    let decimal = fen.decimal();
    let (whole, cents) = decimal.split_once('.').unwrap_or((&decimal, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{cents} {}", lang.t("元", "yuan"))
}

/// A case event's name (事件名称), for the inspector's timeline and the alerts that name one.
pub(crate) fn event_name(lang: Lang, event_type: &str) -> &'static str {
    match event_type {
        "CaseOpened" => lang.t("受理", "received"),
        "MaterialsSubmitted" => lang.t("提交材料", "materials submitted"),
        "SupplementRequested" => lang.t("一次性告知补正", "supplement requested"),
        "QueryCodeReissued" => lang.t("重置查询码", "query code reissued"),
        "StepCompleted" => lang.t("办理环节", "step completed"),
        "ClockPaused" => lang.t("暂停计时", "clock paused"),
        "ClockResumed" => lang.t("恢复计时", "clock resumed"),
        "CaseConcluded" => lang.t("办结", "concluded"),
        "ResultDocumentIssued" => lang.t("出具决定书", "result document issued"),
        "CaseWithdrawn" => lang.t("撤回", "withdrawn"),
        "LimitExtended" => lang.t("延长期限", "limit extended"),
        "PenaltyDecisionRecorded" => lang.t("记录处罚决定", "penalty decision recorded"),
        "FeeCharged" => lang.t("收费", "fee charged"),
        "PenaltyDecisionPublished" => lang.t("公示处罚决定", "penalty decision published"),
        "PenaltyDecisionRevoked" => lang.t("撤销处罚决定", "penalty decision revoked"),
        "PersonalDataRead" => lang.t("查阅个人信息", "personal data read"),
        "ComplaintFiled" => lang.t("群众投诉", "complaint filed"),
        "ServiceRated" => lang.t("服务评价", "service rated"),
        _ => lang.t("其他记录", "other record"),
    }
}

fn date_words(date: NaiveDate) -> String {
    ymd(date)
}

fn at(t: DateTime<FixedOffset>) -> String {
    format!("{}（北京时间）", cst(t))
}

fn limit_words(lang: Lang, kind: LimitKind) -> &'static str {
    match kind {
        LimitKind::Statutory => lang.t("法定时限", "statutory limit"),
        LimitKind::Promised => lang.t("承诺时限", "promised limit"),
    }
}

fn seconds_words(lang: Lang, s: i64) -> String {
    match lang {
        Lang::Zh => format!("{s} 秒"),
        Lang::En => format!("{s} s"),
    }
}

fn days_words(lang: Lang, d: impl std::fmt::Display) -> String {
    match lang {
        Lang::Zh => format!("{d} 个工作日"),
        Lang::En => format!("{d} working days"),
    }
}

/// The alert of `rule` with `details`, in words; `None` for details no rule of this server
/// wrote (an alert raised by hand through the API carries what its author gave).
pub(crate) fn explain(
    lang: Lang,
    rule: Option<AlertRule>,
    details: &serde_json::Value,
    names: &Directory,
) -> Option<Explanation> {
    let details: AlertDetails = serde_json::from_value(details.clone()).ok()?;
    let t = |zh: &'static str, en: &'static str| lang.t(zh, en);
    let zh = lang == Lang::Zh;
    Some(match details {
        AlertDetails::Limit {
            limit,
            limit_days,
            used_days,
            remaining_days,
            due,
            as_of,
            current_step_name,
            ..
        } => {
            let overdue = rule == Some(AlertRule::RedCard) || remaining_days < 0;
            let which = limit_words(lang, limit);
            Explanation {
                happened: if overdue {
                    if zh {
                        format!(
                            "办件超过{which}仍未办结：{limit_days} 个工作日已用 {used_days} 个，当时停在「{current_step_name}」环节。"
                        )
                    } else {
                        format!(
                            "The case passed its {which} unfinished: {used_days} of {limit_days} working days used, at step “{current_step_name}”."
                        )
                    }
                } else if zh {
                    format!(
                        "{which}即将届满：{limit_days} 个工作日已用 {used_days} 个，剩 {remaining_days} 个，当时停在「{current_step_name}」环节。"
                    )
                } else {
                    format!(
                        "The {which} is nearly used: {used_days} of {limit_days} working days, {remaining_days} left, at step “{current_step_name}”."
                    )
                },
                expected: if zh {
                    format!("应在{which}（{limit_days} 个工作日）内办结。")
                } else {
                    format!(
                        "The case is to be concluded within its {which} of {limit_days} working days."
                    )
                },
                facts: [
                    (t("时限", "Limit"), days_words(lang, limit_days)),
                    (t("已用", "Used"), days_words(lang, used_days)),
                    (t("剩余", "Left"), days_words(lang, remaining_days)),
                    (
                        t("届满日", "Due"),
                        due.map(date_words)
                            .unwrap_or_else(|| t("计时暂停中", "clock paused").into()),
                    ),
                    (t("触发日", "Applies from"), date_words(as_of)),
                ]
                .into(),
            }
        }
        AlertDetails::Step {
            step_name,
            visit,
            limit_days,
            limit_source,
            used_days,
            due,
            entered_at,
            completed_at,
            as_of,
            ..
        } => {
            let source = if limit_source == "policy" {
                t("本辖区监察规则", "the jurisdiction's rule")
            } else {
                t("流程图", "the flowchart")
            };
            Explanation {
                happened: match (zh, completed_at) {
                    (true, Some(done)) => format!(
                        "「{step_name}」环节用了 {used_days} 个工作日，超过本环节时限 {limit_days} 个工作日，于 {} 才完成。",
                        at(done)
                    ),
                    (true, None) => format!(
                        "「{step_name}」环节已用 {used_days} 个工作日，超过本环节时限 {limit_days} 个工作日，仍未完成。"
                    ),
                    (false, Some(done)) => format!(
                        "Step “{step_name}” took {used_days} working days, past its limit of {limit_days}; completed {}.",
                        cst(done)
                    ),
                    (false, None) => format!(
                        "Step “{step_name}” has taken {used_days} working days, past its limit of {limit_days}, and is not done."
                    ),
                },
                expected: if zh {
                    format!("「{step_name}」应在 {limit_days} 个工作日内完成（时限来自{source}）。")
                } else {
                    format!(
                        "“{step_name}” is to be done within {limit_days} working days (the limit comes from {source})."
                    )
                },
                facts: [
                    (t("到达环节", "Reached"), at(entered_at)),
                    (t("第几次到达", "Visit"), visit.to_string()),
                    (t("环节时限", "Step limit"), days_words(lang, limit_days)),
                    (
                        t("环节届满日", "Step due"),
                        due.map(date_words)
                            .unwrap_or_else(|| t("计时暂停中", "clock paused").into()),
                    ),
                    (t("触发日", "Applies from"), date_words(as_of)),
                ]
                .into(),
            }
        }
        AlertDetails::Separation {
            first_step_name,
            second_step_name,
            by,
            ..
        } => {
            let who = names.person(&by);
            Explanation {
                happened: if zh {
                    format!(
                        "{who} 一人先后办理了「{first_step_name}」和「{second_step_name}」两个环节。"
                    )
                } else {
                    format!("{who} did both “{first_step_name}” and “{second_step_name}”.")
                },
                expected: if zh {
                    format!(
                        "按流程图，「{second_step_name}」须由办理「{first_step_name}」以外的人员办理（岗位分离）。"
                    )
                } else {
                    format!(
                        "The flowchart requires “{second_step_name}” to be done by someone other than whoever did “{first_step_name}”."
                    )
                },
                facts: vec![(t("办理人", "By"), who.to_string())],
            }
        }
        AlertDetails::Transition {
            from_name,
            outcome,
            to_name,
            by,
            at: when,
            ..
        } => {
            let who = names.person(&by);
            Explanation {
                happened: if zh {
                    format!("{who} 在「{from_name}」环节选择了「{outcome}」，办件转入「{to_name}」。")
                } else {
                    format!("{who} chose “{outcome}” at “{from_name}”; the case went to “{to_name}”.")
                },
                expected: t(
                    "这是流程图标注的异常流转（如撤回、终止、不予受理），须有正当理由，供监察人员核查。",
                    "The flowchart marks this transition as an exception (withdrawal, termination, refusal): it needs a proper reason, for the inspector to check.",
                )
                .into(),
                facts: vec![(t("办理人", "By"), who.to_string()), (t("时间", "When"), at(when))],
            }
        }
        AlertDetails::BackFill {
            event_type,
            stated_at,
            recorded_at,
            working_days_late,
            tolerance_days,
            ..
        } => {
            let what = event_name(lang, &event_type);
            Explanation {
                happened: if zh {
                    format!(
                        "「{what}」记录的办理时间是 {}，但在 {} 才录入系统，晚了 {working_days_late} 个工作日。",
                        at(stated_at),
                        at(recorded_at)
                    )
                } else {
                    format!(
                        "“{what}” states {} but was entered {}, {working_days_late} working days later.",
                        cst(stated_at),
                        cst(recorded_at)
                    )
                },
                expected: if zh {
                    format!(
                        "办理环节应在发生时录入系统，最迟 {tolerance_days} 个工作日内；事后成批补录说明办件未在系统内办理。"
                    )
                } else {
                    format!(
                        "Acts are to be entered as they happen, at most {tolerance_days} working days later; entering them in batches afterwards means the case was not handled in the system."
                    )
                },
                facts: vec![
                    (t("所载时间", "Stated"), at(stated_at)),
                    (t("录入时间", "Entered"), at(recorded_at)),
                    (t("迟录", "Late by"), days_words(lang, working_days_late)),
                ],
            }
        }
        AlertDetails::Instant {
            received_at,
            concluded_at,
            stated_seconds,
            recorded_seconds,
            min_seconds,
        } => Explanation {
            happened: if zh {
                format!(
                    "从受理到办结只隔 {}（录入系统只隔 {}）。",
                    seconds_words(lang, stated_seconds),
                    seconds_words(lang, recorded_seconds)
                )
            } else {
                format!(
                    "Received and concluded {} apart ({} apart as entered).",
                    seconds_words(lang, stated_seconds),
                    seconds_words(lang, recorded_seconds)
                )
            },
            expected: if zh {
                format!(
                    "本辖区规定受理与办结至少相隔 {min_seconds} 秒；更快的办件可能是在系统外办理后补录的，请核实是否当场办结。"
                )
            } else {
                format!(
                    "This jurisdiction expects at least {min_seconds} s between receipt and conclusion; faster may mean the case was handled elsewhere and entered afterwards. Check whether it was decided on the spot."
                )
            },
            facts: vec![
                (t("受理", "Received"), at(received_at)),
                (t("办结", "Concluded"), at(concluded_at)),
            ],
        },
        AlertDetails::Discretion {
            band,
            amount_fen,
            base_amount_fen,
            check,
            by,
            at: when,
        } => {
            let check: Option<DiscretionCheck> = serde_json::from_value(check).ok();
            let who = names.person(&by);
            let mut facts = vec![(t("罚款", "Fine"), yuan(lang, amount_fen))];
            if let Some(base) = base_amount_fen {
                facts.push((t("计罚基数", "Base amount"), yuan(lang, base)));
            }
            if let Some(c) = &check {
                if let Some(name) = c.band_name.clone().or(band) {
                    facts.push((t("适用档次", "Band"), name));
                }
                if let Some(r) = c.band_range {
                    facts.push((
                        t("档次幅度", "Band range"),
                        format!("{} – {}", yuan(lang, r.min_fen), yuan(lang, r.max_fen)),
                    ));
                }
                if let Some(r) = c.statutory_range {
                    facts.push((
                        t("法定幅度", "Statutory range"),
                        format!("{} – {}", yuan(lang, r.min_fen), yuan(lang, r.max_fen)),
                    ));
                }
            }
            facts.push((t("决定人", "Decided by"), who.to_string()));
            facts.push((t("时间", "When"), at(when)));
            Explanation {
                happened: match &check {
                    Some(c) if zh => format!("{who} 记录罚款 {}：{}。", yuan(lang, amount_fen), c.message),
                    Some(c) => format!("{who} recorded a fine of {}: {}.", yuan(lang, amount_fen), c.label),
                    None if zh => format!("{who} 记录罚款 {}，偏离裁量基准。", yuan(lang, amount_fen)),
                    None => format!("{who} recorded a fine of {} that departs from the standard.", yuan(lang, amount_fen)),
                },
                expected: t(
                    "处罚应落在所选档次的幅度内，并具备该档次列明的情节；低于法定最低限须有法定减轻情形并经批准。",
                    "A fine is to fall within the chosen band, with one of its listed circumstances; below the statutory minimum only on a listed 减轻 ground, with approval.",
                )
                .into(),
                facts,
            }
        }
        AlertDetails::Fee {
            item,
            amount_fen,
            standard_fen,
            by,
            at: when,
        } => {
            let who = names.person(&by);
            Explanation {
                happened: match (zh, standard_fen) {
                    (true, Some(Fen(0))) => format!(
                        "{who} 对免费项目「{item}」收取了 {}。",
                        yuan(lang, amount_fen)
                    ),
                    (true, Some(s)) => format!(
                        "{who} 对「{item}」收取了 {}，超过公布标准 {}。",
                        yuan(lang, amount_fen),
                        yuan(lang, s)
                    ),
                    (true, None) => format!(
                        "{who} 收取了收费标准中没有的「{item}」{}。",
                        yuan(lang, amount_fen)
                    ),
                    (false, Some(s)) => format!(
                        "{who} charged {} for “{item}”; the published standard is {}.",
                        yuan(lang, amount_fen),
                        yuan(lang, s)
                    ),
                    (false, None) => format!(
                        "{who} charged {} for “{item}”, which the standard does not list.",
                        yuan(lang, amount_fen)
                    ),
                },
                expected: t(
                    "只能按公布的收费标准收费，免费项目不得收费。",
                    "Fees only as published; nothing on a free item.",
                )
                .into(),
                facts: vec![
                    (t("收费人", "Charged by"), who.to_string()),
                    (t("时间", "When"), at(when)),
                ],
            }
        }
        AlertDetails::Publication {
            decided_at,
            limit_days,
            due,
            published_at,
        } => Explanation {
            happened: match (zh, published_at) {
                (true, Some(p)) => format!(
                    "处罚决定于 {} 作出，{} 才公示，晚于 {} 的期限。",
                    at(decided_at),
                    at(p),
                    date_words(due)
                ),
                (true, None) => format!(
                    "处罚决定于 {} 作出，至 {} 期满仍未公示。",
                    at(decided_at),
                    date_words(due)
                ),
                (false, Some(p)) => format!(
                    "Decided {}, published only {}, after the last day {}.",
                    cst(decided_at),
                    cst(p),
                    date_words(due)
                ),
                (false, None) => format!(
                    "Decided {}, still unpublished after the last day {}.",
                    cst(decided_at),
                    date_words(due)
                ),
            },
            expected: if zh {
                format!("行政处罚决定应在作出之日起 {limit_days} 个工作日内公示。")
            } else {
                format!("A penalty decision is to be published within {limit_days} working days.")
            },
            facts: vec![(t("公示期限届满日", "Last day"), date_words(due))],
        },
        AlertDetails::Complaint { number, at: when } => Explanation {
            happened: if zh {
                format!("群众于 {} 对本办件提出第 {number} 件投诉。", at(when))
            } else {
                format!(
                    "Complaint no. {number} about this case, received {}.",
                    cst(when)
                )
            },
            expected: t(
                "投诉内容见卷宗「群众投诉与评价」；须调查核实并答复。",
                "The complaint's text is in the case file; investigate and answer it.",
            )
            .into(),
            facts: vec![(t("收到时间", "Received"), at(when))],
        },
        AlertDetails::Order {
            round,
            due,
            replied_at,
            ..
        } => Explanation {
            happened: match (zh, replied_at) {
                (true, Some(r)) => format!("被督办部门于 {} 才回复督办，晚于 {} 的期限。", at(r), date_words(due)),
                (true, None) => format!("被督办部门至 {} 期满仍未回复督办。", date_words(due)),
                (false, Some(r)) => format!("The department replied to the supervision order only {}, after the last day {}.", cst(r), date_words(due)),
                (false, None) => format!("The department has not replied to the supervision order by its last day {}.", date_words(due)),
            },
            expected: t(
                "督办须在限期内回复情况说明和整改措施；逾期的，依规进入通报和责任追究。",
                "A supervision order is to be answered, with an explanation and the corrective action, by its date; a late department is reported and held to account.",
            )
            .into(),
            facts: vec![
                (t("督办期限", "Last day"), date_words(due)),
                (t("轮次", "Round"), round.to_string()),
            ],
        },
        AlertDetails::Rectification {
            task,
            since,
            limit_days,
            due,
        } => {
            let call_back = task == "call_back";
            let what = if call_back { t("回访", "call back") } else { t("整改并答复", "rectification and reply") };
            Explanation {
                happened: if zh {
                    format!("群众于 {} 给出差评或投诉，部门至 {} 仍未{what}。", at(since), date_words(due))
                } else {
                    format!("A bad rating or complaint came in {}; the department had not recorded its {what} by {}.", cst(since), date_words(due))
                },
                expected: if zh {
                    format!("差评、投诉应在 {limit_days} 个工作日内{what}（好差评制度）。")
                } else {
                    format!("A bad rating or complaint gets its {what} within {limit_days} working days.")
                },
                facts: vec![(t("期限届满日", "Last day"), date_words(due))],
            }
        }
        AlertDetails::Rating { score, at: when } => {
            let words = match score {
                1 => t("非常不满意", "very dissatisfied"),
                _ => t("不满意", "dissatisfied"),
            };
            Explanation {
                happened: if zh {
                    format!("申请人于 {} 评价「{words}」。", at(when))
                } else {
                    format!(
                        "The applicant rated the service “{words}” on {}.",
                        cst(when)
                    )
                },
                expected: t(
                    "差评须在 1 个工作日内回访、15 个工作日内整改。",
                    "A bad rating gets a call back within 1 working day and a fix within 15.",
                )
                .into(),
                facts: vec![(t("评价时间", "Rated"), at(when))],
            }
        }
        AlertDetails::Question {
            power_name,
            asked_at,
            working_days,
            limit_days,
        } => Explanation {
            happened: if zh {
                format!(
                    "群众于 {} 咨询「{power_name}」，已等待 {working_days} 个工作日仍未答复。",
                    at(asked_at)
                )
            } else {
                format!(
                    "A question about “{power_name}” asked {} has waited {working_days} working days unanswered.",
                    cst(asked_at)
                )
            },
            expected: if zh {
                format!("网上咨询应在 {limit_days} 个工作日内答复。")
            } else {
                format!("Questions are to be answered within {limit_days} working days.")
            },
            facts: vec![(t("咨询时间", "Asked"), at(asked_at))],
        },
        AlertDetails::Pattern(PatternFinding {
            officer,
            power_code,
            decisions,
            bottom,
            peer_decisions,
            peer_bottom,
            p_value_ppm,
        }) => {
            let who = names.person(&officer);
            let power = names.power(&power_code).unwrap_or(&power_code).to_string();
            let p = f64::from(p_value_ppm) / 1_000_000.0;
            Explanation {
                happened: if zh {
                    format!(
                        "{who} 在「{power}」的 {decisions} 件处罚决定中有 {bottom} 件落在档次最低处，同事的 {peer_decisions} 件中只有 {peer_bottom} 件。"
                    )
                } else {
                    format!(
                        "{who}: {bottom} of {decisions} fines on “{power}” at the bottom of their band; peers: {peer_bottom} of {peer_decisions}."
                    )
                },
                expected: if zh {
                    format!(
                        "若与同事裁量尺度相同，出现这种情况的概率约为 {p:.4}；请抽查其办件，核实从轻情节是否成立。"
                    )
                } else {
                    format!(
                        "Deciding like the peers, this would happen with probability about {p:.4}; sample the officer's cases and check the mitigating circumstances."
                    )
                },
                facts: vec![(t("执法人员", "Officer"), who.to_string())],
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn explained(rule: AlertRule, details: serde_json::Value) -> Explanation {
        explain(Lang::Zh, Some(rule), &details, &Directory::default()).expect("explained")
    }

    #[test]
    fn amounts_in_yuan_with_separators() {
        assert_eq!(yuan(Lang::Zh, Fen(2_000_000)), "20,000.00 元");
        assert_eq!(yuan(Lang::Zh, Fen(5)), "0.05 元");
        assert_eq!(yuan(Lang::En, Fen(123_456_789)), "1,234,567.89 yuan");
    }

    #[test]
    fn a_back_filled_step_names_the_event_and_the_dates_in_beijing_time() {
        let x = explained(
            AlertRule::BackFilled,
            json!({"kind": "back_fill", "event_type": "StepCompleted", "step": "apply",
                   "stated_at": "2026-09-01T02:00:00Z", "recorded_at": "2026-12-07T21:39:00+00:00",
                   "working_days_late": 66, "tolerance_days": 3}),
        );
        assert!(x.happened.contains("「办理环节」"), "{}", x.happened);
        assert!(
            x.happened.contains("2026-09-01 10:00（北京时间）"),
            "{}",
            x.happened
        );
        assert!(x.happened.contains("2026-12-08 05:39"), "{}", x.happened);
        assert!(x.expected.contains("3 个工作日"));
        assert!(!x.happened.contains("StepCompleted") && !x.happened.contains("apply"));
    }

    #[test]
    fn a_fine_outside_its_band_in_yuan_with_the_ranges() {
        let x = explained(
            AlertRule::DiscretionDeviation,
            json!({"kind": "discretion", "band": "lt10k-ordinary", "amount_fen": 9_500_000,
                   "base_amount_fen": 300_000, "by": "li-si", "at": "2026-11-02T09:00:00+08:00",
                   "check": {"verdict": "above_band", "label": "高于所选档次", "message": "高于一般档次上限",
                             "band_name": "一般", "amount_fen": 9_500_000,
                             "band_range": {"min_fen": 6_500_000, "max_fen": 8_500_000}}}),
        );
        assert!(x.happened.contains("95,000.00 元"), "{}", x.happened);
        assert!(!x.happened.contains("amount_fen"));
        let facts: Vec<String> = x.facts.iter().map(|f| format!("{}={}", f.0, f.1)).collect();
        assert!(
            facts.contains(&"档次幅度=65,000.00 元 – 85,000.00 元".to_string()),
            "{facts:?}"
        );
        assert!(
            facts.contains(&"计罚基数=3,000.00 元".to_string()),
            "{facts:?}"
        );
        assert!(facts.contains(&"适用档次=一般".to_string()), "{facts:?}");
    }

    #[test]
    fn details_no_rule_wrote_are_not_explained() {
        assert!(
            explain(
                Lang::Zh,
                None,
                &json!({"free": "text"}),
                &Directory::default()
            )
            .is_none()
        );
    }
}
