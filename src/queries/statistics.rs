//! 考核评价公开 reads: the public statistics of a period, per department and power, summed from
//! the running monthly counts the statistics follower keeps (`follow::statistics`), named from
//! the catalogue.
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use projections::statistics::{Counts, Figures};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Reads;
use crate::engine::LoadError;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month of `date`.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// January of `year`.
    pub fn january(year: i32) -> Month {
        Month { year, month: 1 }
    }

    /// December of `year`.
    pub fn december(year: i32) -> Month {
        Month { year, month: 12 }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Months from `self` to `other`, both counted (0 if `other` comes first).
    pub fn span_to(self, other: Month) -> i64 {
        let a = i64::from(self.year) * 12 + i64::from(self.month);
        let b = i64::from(other.year) * 12 + i64::from(other.month);
        (b - a + 1).max(0)
    }

    /// `2026年3月`.
    pub fn chinese(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Month, String> {
        let bad = || format!("`{s}` is not a month (YYYY-MM)");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl utoipa::PartialSchema for Month {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"))
            .examples([serde_json::json!("2026-03")])
            .description(Some("A month, `YYYY-MM`"))
            .into()
    }
}

impl ToSchema for Month {}

/// The longest period one request may ask for, in months.
pub const MAX_MONTHS: i64 = 120;

/// A power's figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PowerStatistics {
    /// Power code.
    pub power_code: String,
    /// Its name.
    pub power_name: String,
    /// Its figures.
    pub figures: Figures,
}

/// A department's figures, with those of each of its powers that had any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentStatistics {
    /// Department id.
    pub department: String,
    /// Its name.
    pub department_name: String,
    /// The department's totals.
    pub figures: Figures,
    /// Its powers, by name.
    pub powers: Vec<PowerStatistics>,
}

/// The statistics of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStatistics {
    /// First month.
    pub from: Month,
    /// Last month.
    pub to: Month,
    /// The department asked for, if one was.
    pub department: Option<String>,
    /// All departments together.
    pub totals: Figures,
    /// Each department with figures in the period, by name.
    pub departments: Vec<DepartmentStatistics>,
}

impl Reads<'_> {
    /// The statistics of the months `from..=to`, of one department if given.
    pub async fn public_statistics(
        &self,
        from: Month,
        to: Month,
        department: Option<&str>,
    ) -> Result<PublicStatistics, LoadError> {
        let rows = self
            .repo()
            .statistics(&from.to_string(), &to.to_string(), department)
            .await?;
        let names = self.directory().await?;
        let mut departments: BTreeMap<String, DepartmentStatistics> = BTreeMap::new();
        let mut sums: BTreeMap<String, Counts> = BTreeMap::new();
        let mut totals = Counts::default();
        for row in rows {
            totals.add(&row.counts);
            sums.entry(row.department.clone())
                .or_default()
                .add(&row.counts);
            let entry = departments
                .entry(row.department.clone())
                .or_insert_with(|| DepartmentStatistics {
                    department_name: names.department(&row.department).to_string(),
                    department: row.department.clone(),
                    figures: Figures::default(),
                    powers: Vec::new(),
                });
            entry.powers.push(PowerStatistics {
                power_name: names
                    .power(&row.power_code)
                    .unwrap_or(&row.power_code)
                    .to_string(),
                power_code: row.power_code,
                figures: row.counts.into(),
            });
        }
        let mut departments: Vec<DepartmentStatistics> = departments
            .into_values()
            .map(|mut d| {
                d.figures = sums.get(&d.department).copied().unwrap_or_default().into();
                d.powers.sort_by(|a, b| {
                    a.power_name
                        .cmp(&b.power_name)
                        .then(a.power_code.cmp(&b.power_code))
                });
                d
            })
            .collect();
        departments.sort_by(|a, b| {
            a.department_name
                .cmp(&b.department_name)
                .then(a.department.cmp(&b.department))
        });
        Ok(PublicStatistics {
            from,
            to,
            department: department.map(str::to_string),
            totals: totals.into(),
            departments,
        })
    }
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

impl PublicStatistics {
    /// As CSV (UTF-8 with BOM for spreadsheet programs): one line per department (its totals,
    /// power empty) and one per power.
    pub fn to_csv(&self) -> String {
        let opt = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
        let mut out = String::from("\u{feff}");
        out.push_str(
            "起 from,止 to,部门代码 department,部门 department_name,事项编码 power_code,事项 power_name,\
             收件 received,办结 concluded,按时办结 concluded_on_time,按时办结率% on_time_rate,\
             平均用时(工作日) average_working_days,撤回 withdrawn,评价 ratings,非常满意 very_satisfied,\
             满意 satisfied,基本满意 basically_satisfied,不满意 dissatisfied,非常不满意 very_dissatisfied,\
             差评率% bad_rating_rate,投诉 complaints,督办 orders_issued,按时回复 orders_replied_on_time,\
             逾期回复 orders_replied_late,收费(元) fees_yuan\r\n",
        );
        let mut line = |department: &DepartmentStatistics, power: Option<&PowerStatistics>| {
            let f = power.map_or(&department.figures, |p| &p.figures);
            let r = f.ratings;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}.{:02}\r\n",
                self.from,
                self.to,
                quote(&department.department),
                quote(&department.department_name),
                power.map(|p| quote(&p.power_code)).unwrap_or_default(),
                power.map(|p| quote(&p.power_name)).unwrap_or_default(),
                f.received,
                f.concluded,
                f.concluded_on_time,
                opt(f.on_time_rate),
                opt(f.average_working_days),
                f.withdrawn,
                f.ratings_total,
                r.very_satisfied,
                r.satisfied,
                r.basically_satisfied,
                r.dissatisfied,
                r.very_dissatisfied,
                opt(f.bad_rating_rate),
                f.complaints,
                f.orders_issued,
                f.orders_replied_on_time,
                f.orders_replied_late,
                f.fees_fen / 100,
                f.fees_fen % 100,
            ));
        };
        for d in &self.departments {
            line(d, None);
            for p in &d.powers {
                line(d, Some(p));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_print() {
        let m: Month = "2026-03".parse().unwrap();
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(m.chinese(), "2026年3月");
        for bad in [
            "2026-3", "2026-13", "2026-00", "26-03", "1999-01", "2026/03", "abcd-ef", "",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        assert_eq!(Month::january(2026).span_to(Month::december(2026)), 12);
        assert_eq!(Month::december(2026).span_to(Month::january(2026)), 0);
    }
}
