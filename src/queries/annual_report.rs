//! 政府信息公开工作年度报告: the tables of the annual report in the format of 国办公开办函〔2021〕30号
//! (《中华人民共和国政府信息公开工作年度报告格式》), filled from what the system holds — the public
//! statistics' running counts — with every cell it cannot know left for manual input.
//!
//! What the system counts:
//! - 二、主动公开: 行政许可, 行政处罚 and 行政强制 decisions (cases of powers of those categories
//!   concluded in the year), and 行政事业性收费 (fees charged in the year, in 万元).
//! - 三、依申请公开: the applications to powers whose legal basis cites 《政府信息公开条例》第二十七条
//!   (the right to apply): received in the year, carried over from earlier years, concluded by
//!   result, carried into the next — by the applicant's kind (自然人, or 法人或其他组织 without its
//!   sub-kind, which the system does not record).
//!
//! A result maps to a row of 办理结果 only where the regulation's own answer says which
//! (条例第三十六条, 第三十九条, 第三十条); any other result, and withdrawals, are listed for the
//! author to place. 一 (总体情况), 五, 六, the 第二十条第（一）项 table (规章, 规范性文件) and 四
//! (行政复议、行政诉讼) are left to manual input.
use std::collections::{BTreeMap, HashMap, HashSet};

use aggregates::power::Category;
use serde::Serialize;
use utoipa::ToSchema;

use super::Reads;
use crate::engine::LoadError;
use crate::store::statistics::OutcomeRow;

/// One row of the table of applications (收到和处理政府信息公开申请情况). `None` is a cell the
/// system cannot fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestRow {
    /// The row's label, as in the format.
    pub label: String,
    /// Indentation: 0 for 一 to 四, 1 for （一） to （七）, 2 for the numbered sub-rows.
    pub level: u8,
    /// 自然人.
    pub persons: Option<i64>,
    /// 法人或其他组织, all kinds together (the format splits them into 商业企业, 科研机构,
    /// 社会公益组织, 法律服务机构 and 其他, which the system does not record).
    pub organisations: Option<i64>,
    /// 总计.
    pub total: Option<i64>,
}

/// A result the format's rows do not name, with its count, for the author to place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Unplaced {
    /// The result (or 申请人撤回申请).
    pub result: String,
    /// 自然人.
    pub persons: i64,
    /// 法人或其他组织.
    pub organisations: i64,
}

/// 二、主动公开政府信息情况: what the system counts of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Proactive {
    /// 第二十条第（五）项: 行政许可 decisions in the year.
    pub licensing_decisions: i64,
    /// 第二十条第（六）项: 行政处罚 decisions.
    pub penalty_decisions: i64,
    /// 第二十条第（六）项: 行政强制 decisions.
    pub enforcement_decisions: i64,
    /// 第二十条第（八）项: 行政事业性收费 charged, in fen.
    pub fees_fen: i64,
    /// The same in 万元, four decimals, as the format's unit.
    pub fees_wan_yuan: String,
}

/// The annual report's tables for a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualReport {
    /// The year.
    pub year: i32,
    /// The department it is for, if one (else every department the system holds).
    pub department: Option<String>,
    /// Its name, or 全部部门.
    pub department_name: String,
    /// The powers counted as 依申请公开 (their legal basis cites 条例第二十七条), by name.
    pub request_powers: Vec<String>,
    /// 二.
    pub proactive: Proactive,
    /// 三, row by row in the format's order.
    pub requests: Vec<RequestRow>,
    /// Results and withdrawals the rows do not name, for the author to place in 三.
    pub unplaced: Vec<Unplaced>,
    /// Whether the rows of results and the results left to place make up （七）总计 and no
    /// carry is negative (the format's 勾稽关系, 一 + 二 = （七） + 四, then holds).
    pub balanced: bool,
}

/// The rows of 办理结果 and the results that go in them (exact labels of end steps' results).
/// Sources: 条例第三十六条 (answers: 予以公开, 部分公开 per 第三十七条, 不予公开, 信息不存在 —
/// 本机关不掌握), 第三十九条 (信访、投诉、举报 not handled as applications), 第三十条 (an
/// application not supplemented in time is deemed abandoned).
const RESULT_ROWS: &[(&str, u8, &[&str])] = &[
    ("（一）予以公开", 1, &["予以公开"]),
    (
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        1,
        &["部分公开"],
    ),
    ("（三）不予公开", 1, &["不予公开"]),
    ("1．属于国家秘密", 2, &[]),
    ("2．其他法律行政法规禁止公开", 2, &[]),
    ("3．危及“三安全一稳定”", 2, &[]),
    ("4．保护第三方合法权益", 2, &[]),
    ("5．属于三类内部事务信息", 2, &[]),
    ("6．属于四类过程性信息", 2, &[]),
    ("7．属于行政执法案卷", 2, &[]),
    ("8．属于行政查询事项", 2, &[]),
    ("（四）无法提供", 1, &[]),
    ("1．本机关不掌握相关政府信息", 2, &["政府信息不存在"]),
    ("2．没有现成信息需要另行制作", 2, &[]),
    ("3．补正后申请内容仍不明确", 2, &[]),
    ("（五）不予处理", 1, &[]),
    ("1．信访举报投诉类申请", 2, &["不作为政府信息公开申请处理"]),
    ("2．重复申请", 2, &[]),
    ("3．要求提供公开出版物", 2, &[]),
    ("4．无正当理由大量反复申请", 2, &[]),
    ("5．要求行政机关确认或重新出具已获取信息", 2, &[]),
    ("（六）其他处理", 1, &[]),
    (
        "1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        2,
        &["视为放弃申请"],
    ),
    (
        "2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        2,
        &[],
    ),
    ("3．其他", 2, &[]),
];

/// Whether a power's legal basis cites the right to apply (条例第二十七条).
fn is_request_power(basis: &[aggregates::power::LegalBasis]) -> bool {
    basis
        .iter()
        .any(|b| b.law.contains("政府信息公开条例") && b.article.trim() == "第二十七条")
}

/// Persons, organisations.
type ByKind = (i64, i64);

fn add(sum: &mut ByKind, row: &OutcomeRow) {
    if row.party_kind == "organisation" {
        sum.1 += row.count;
    } else {
        sum.0 += row.count;
    }
}

fn known(label: &str, level: u8, (persons, organisations): ByKind) -> RequestRow {
    RequestRow {
        label: label.to_string(),
        level,
        persons: Some(persons),
        organisations: Some(organisations),
        total: Some(persons + organisations),
    }
}

fn manual(label: &str, level: u8) -> RequestRow {
    RequestRow {
        label: label.to_string(),
        level,
        persons: None,
        organisations: None,
        total: None,
    }
}

/// The table of applications from the outcome rows of the request powers: `before` the year
/// and `during` it.
fn requests_table(
    before: &[OutcomeRow],
    during: &[OutcomeRow],
) -> (Vec<RequestRow>, Vec<Unplaced>, bool) {
    let sum = |rows: &[OutcomeRow], measures: &[&str]| {
        let mut s = (0, 0);
        for r in rows
            .iter()
            .filter(|r| measures.contains(&r.measure.as_str()))
        {
            add(&mut s, r);
        }
        s
    };
    let received = sum(during, &["received"]);
    let closed_before = sum(before, &["concluded", "withdrawn"]);
    let received_before = sum(before, &["received"]);
    let carried_in = (
        received_before.0 - closed_before.0,
        received_before.1 - closed_before.1,
    );
    // This year's closures by result.
    let mut by_result: BTreeMap<String, ByKind> = BTreeMap::new();
    for r in during {
        let result = match r.measure.as_str() {
            "concluded" => r.result.clone(),
            "withdrawn" => "申请人撤回申请".to_string(),
            _ => continue,
        };
        add(by_result.entry(result).or_default(), r);
    }
    let closed = sum(during, &["concluded", "withdrawn"]);
    let carried_out = (
        carried_in.0 + received.0 - closed.0,
        carried_in.1 + received.1 - closed.1,
    );
    let mut rows = vec![
        known("一、本年新收政府信息公开申请数量", 0, received),
        known("二、上年结转政府信息公开申请数量", 0, carried_in),
        manual("三、本年度办理结果", 0),
    ];
    let mut placed: HashSet<&str> = HashSet::new();
    let mut placed_total = 0;
    for (label, level, names) in RESULT_ROWS {
        if names.is_empty() {
            rows.push(manual(label, *level));
            continue;
        }
        let mut s = (0, 0);
        for name in *names {
            if let Some(c) = by_result.get(*name) {
                s.0 += c.0;
                s.1 += c.1;
            }
            placed.insert(name);
        }
        placed_total += s.0 + s.1;
        rows.push(known(label, *level, s));
    }
    rows.push(known("（七）总计", 1, closed));
    rows.push(known("四、结转下年度继续办理", 0, carried_out));
    let unplaced: Vec<Unplaced> = by_result
        .iter()
        .filter(|(name, _)| !placed.contains(name.as_str()))
        .map(|(name, (p, o))| Unplaced {
            result: name.clone(),
            persons: *p,
            organisations: *o,
        })
        .collect();
    // The rows of results and the results left to place make up （七）总计, and no carry is
    // negative (一 + 二 = （七） + 四 then holds, 四 being what remains).
    let unplaced_total: i64 = unplaced.iter().map(|u| u.persons + u.organisations).sum();
    let balanced = placed_total + unplaced_total == closed.0 + closed.1
        && [carried_in.0, carried_in.1, carried_out.0, carried_out.1]
            .iter()
            .all(|c| *c >= 0);
    (rows, unplaced, balanced)
}

/// Fen as 万元 with four decimals, rounded half up (1 万元 = 1,000,000 fen).
fn wan_yuan(fen: i64) -> String {
    let units = (fen + 50) / 100;
    format!("{}.{:04}", units / 10_000, units % 10_000)
}

impl Reads<'_> {
    /// The annual report's tables for `year`, of `department` if given.
    pub async fn annual_report(
        &self,
        year: i32,
        department: Option<&str>,
    ) -> Result<AnnualReport, LoadError> {
        let docs = self.catalogue_docs().await?;
        let names = self.directory().await?;
        let mut categories: HashMap<String, Option<Category>> = HashMap::new();
        let mut request_powers: BTreeMap<String, String> = BTreeMap::new();
        // Every power, wherever it sits now: the counts are filtered by the department
        // recorded with each event. The powers named as the scope are the department's.
        let mut request_codes: HashSet<String> = HashSet::new();
        for doc in &docs {
            categories.insert(doc.power.code.clone(), doc.power.category);
            if doc
                .versions
                .iter()
                .any(|v| is_request_power(&v.content.legal_basis))
            {
                request_codes.insert(doc.power.code.clone());
                if department.is_none_or(|d| d == doc.power.department) {
                    request_powers.insert(doc.power.code.clone(), doc.power.name.clone());
                }
            }
        }
        let (first, last) = (format!("{year:04}-01"), format!("{year:04}-12"));
        let counts = self.repo().statistics(&first, &last, department).await?;
        let mut proactive = Proactive {
            licensing_decisions: 0,
            penalty_decisions: 0,
            enforcement_decisions: 0,
            fees_fen: 0,
            fees_wan_yuan: String::new(),
        };
        for row in &counts {
            let Some(category) = categories.get(&row.power_code) else {
                continue;
            };
            match category {
                Some(Category::Licensing) => proactive.licensing_decisions += row.counts.concluded,
                Some(Category::Penalty) => proactive.penalty_decisions += row.counts.concluded,
                Some(Category::Enforcement) => {
                    proactive.enforcement_decisions += row.counts.concluded
                }
                _ => {}
            }
            proactive.fees_fen += row.counts.fees_fen;
        }
        proactive.fees_wan_yuan = wan_yuan(proactive.fees_fen);
        let of_requests = |rows: Vec<OutcomeRow>| -> Vec<OutcomeRow> {
            rows.into_iter()
                .filter(|r| request_codes.contains(&r.power_code))
                .collect()
        };
        let before = of_requests(
            self.repo()
                .statistic_outcomes("0000-01", &format!("{:04}-12", year - 1), department)
                .await?,
        );
        let during = of_requests(
            self.repo()
                .statistic_outcomes(&first, &last, department)
                .await?,
        );
        let (requests, unplaced, balanced) = requests_table(&before, &during);
        Ok(AnnualReport {
            year,
            department: department.map(str::to_string),
            department_name: department
                .map(|d| names.department(d).to_string())
                .unwrap_or_else(|| "全部部门".to_string()),
            request_powers: request_powers.into_values().collect(),
            proactive,
            requests,
            unplaced,
            balanced,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(measure: &str, result: &str, kind: &str, count: i64) -> OutcomeRow {
        OutcomeRow {
            department: "d".into(),
            power_code: "P".into(),
            measure: measure.into(),
            end_step: String::new(),
            result: result.into(),
            party_kind: kind.into(),
            count,
        }
    }

    fn find<'a>(rows: &'a [RequestRow], label: &str) -> &'a RequestRow {
        rows.iter().find(|r| r.label.starts_with(label)).unwrap()
    }

    #[test]
    fn the_table_counts_by_result_and_balances() {
        let before = [
            row("received", "", "person", 3),
            row("concluded", "予以公开", "person", 2),
        ];
        let during = [
            row("received", "", "person", 4),
            row("received", "", "organisation", 2),
            row("concluded", "予以公开", "person", 2),
            row("concluded", "不予公开", "organisation", 1),
            row(
                "concluded",
                "不属于本机关负责公开（告知负责机关）",
                "person",
                1,
            ),
            row("withdrawn", "", "person", 1),
        ];
        let (rows, unplaced, balanced) = requests_table(&before, &during);
        assert_eq!(find(&rows, "一、").total, Some(6));
        assert_eq!(find(&rows, "一、").organisations, Some(2));
        assert_eq!(find(&rows, "二、").persons, Some(1));
        assert_eq!(find(&rows, "（一）").total, Some(2));
        assert_eq!(find(&rows, "（三）").organisations, Some(1));
        assert_eq!(find(&rows, "1．属于国家秘密").total, None);
        assert_eq!(find(&rows, "（七）").total, Some(5));
        // 1 carried in + 6 received - 5 closed.
        assert_eq!(find(&rows, "四、").total, Some(2));
        assert!(balanced);
        assert_eq!(
            unplaced,
            vec![
                Unplaced {
                    result: "不属于本机关负责公开（告知负责机关）".into(),
                    persons: 1,
                    organisations: 0
                },
                Unplaced {
                    result: "申请人撤回申请".into(),
                    persons: 1,
                    organisations: 0
                },
            ]
        );
    }

    #[test]
    fn closures_beyond_receipts_do_not_balance() {
        // More closed than ever received: a carry would be negative.
        let during = [
            row("received", "", "person", 1),
            row("concluded", "予以公开", "person", 2),
        ];
        let (_, _, balanced) = requests_table(&[], &during);
        assert!(!balanced);
    }

    #[test]
    fn fees_are_written_in_wan_yuan() {
        assert_eq!(wan_yuan(0), "0.0000");
        assert_eq!(wan_yuan(1_000), "0.0010");
        assert_eq!(wan_yuan(123_456_789), "123.4568");
        assert_eq!(wan_yuan(49), "0.0000");
    }
}
