//! Public statistics (考核评价公开): the running counts kept per department, power and month, and
//! the figures the public reads from them. Pure: the server's statistics follower decides what
//! each event adds (with the calendar, for working days) and the store sums the months of a
//! period.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Counts of one department, power and month (or of a period, summed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// 收件: cases received in the period.
    pub received: i64,
    /// 办结: cases concluded in the period.
    pub concluded: i64,
    /// Of those, within the statutory limit (with any lawful extension).
    pub concluded_on_time: i64,
    /// Of those concluded, how many had their working days counted (the calendar covered them).
    pub timed: i64,
    /// Working days those cases used, summed.
    pub working_days: i64,
    /// 撤回/终止: cases withdrawn in the period.
    pub withdrawn: i64,
    /// Ratings (好差评) by score, 1 (非常不满意) to 5 (非常满意).
    pub ratings: [i64; 5],
    /// 投诉: complaints received.
    pub complaints: i64,
    /// 督办 issued.
    pub orders_issued: i64,
    /// Replies to 督办 that came by their due date.
    pub orders_replied_on_time: i64,
    /// Replies to 督办 that came after it.
    pub orders_replied_late: i64,
    /// 收费: fees charged, in fen.
    pub fees_fen: i64,
}

impl Counts {
    /// The stored columns, in the order of [`Counts::values`].
    pub const COLUMNS: [&'static str; 16] = [
        "received",
        "concluded",
        "concluded_on_time",
        "timed",
        "working_days",
        "withdrawn",
        "rating_1",
        "rating_2",
        "rating_3",
        "rating_4",
        "rating_5",
        "complaints",
        "orders_issued",
        "orders_replied_on_time",
        "orders_replied_late",
        "fees_fen",
    ];

    /// The counts in the order of [`Counts::COLUMNS`].
    pub fn values(&self) -> [i64; 16] {
        let r = self.ratings;
        [
            self.received,
            self.concluded,
            self.concluded_on_time,
            self.timed,
            self.working_days,
            self.withdrawn,
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            self.complaints,
            self.orders_issued,
            self.orders_replied_on_time,
            self.orders_replied_late,
            self.fees_fen,
        ]
    }

    /// The counts from values in the order of [`Counts::COLUMNS`].
    pub fn from_values(v: [i64; 16]) -> Counts {
        Counts {
            received: v[0],
            concluded: v[1],
            concluded_on_time: v[2],
            timed: v[3],
            working_days: v[4],
            withdrawn: v[5],
            ratings: [v[6], v[7], v[8], v[9], v[10]],
            complaints: v[11],
            orders_issued: v[12],
            orders_replied_on_time: v[13],
            orders_replied_late: v[14],
            fees_fen: v[15],
        }
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        let mut sum = self.values();
        for (s, o) in sum.iter_mut().zip(other.values()) {
            *s += o;
        }
        *self = Counts::from_values(sum);
    }
}

/// Ratings by level (好差评: 非常满意、满意、基本满意、不满意、非常不满意).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ratings {
    /// 非常满意 (5).
    pub very_satisfied: i64,
    /// 满意 (4).
    pub satisfied: i64,
    /// 基本满意 (3).
    pub basically_satisfied: i64,
    /// 不满意 (2).
    pub dissatisfied: i64,
    /// 非常不满意 (1).
    pub very_dissatisfied: i64,
}

/// What the public reads of a department or a power over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    /// 收件: cases received.
    pub received: i64,
    /// 办结: cases concluded.
    pub concluded: i64,
    /// Of those, concluded within the statutory limit (with any lawful extension).
    pub concluded_on_time: i64,
    /// 按时办结率: `concluded_on_time / timed`, in percent, one decimal (`None` without a
    /// concluded case whose working days could be counted).
    pub on_time_rate: Option<f64>,
    /// 平均办理用时: working days used per concluded case whose days were counted (`timed`),
    /// one decimal.
    pub average_working_days: Option<f64>,
    /// 撤回/终止: cases withdrawn.
    pub withdrawn: i64,
    /// Ratings by level.
    pub ratings: Ratings,
    /// All ratings.
    pub ratings_total: i64,
    /// 差评率: (不满意 + 非常不满意) / all ratings, in percent, one decimal.
    pub bad_rating_rate: Option<f64>,
    /// 投诉: complaints received.
    pub complaints: i64,
    /// 督办 issued.
    pub orders_issued: i64,
    /// Replies to 督办 by their due date.
    pub orders_replied_on_time: i64,
    /// Replies to 督办 after it.
    pub orders_replied_late: i64,
    /// 收费: fees charged, in fen.
    pub fees_fen: i64,
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl From<Counts> for Figures {
    fn from(c: Counts) -> Figures {
        let r = c.ratings;
        let ratings_total: i64 = r.iter().sum();
        Figures {
            received: c.received,
            concluded: c.concluded,
            concluded_on_time: c.concluded_on_time,
            on_time_rate: percent(c.concluded_on_time, c.timed),
            average_working_days: (c.timed > 0)
                .then(|| (c.working_days as f64 * 10.0 / c.timed as f64).round() / 10.0),
            withdrawn: c.withdrawn,
            ratings: Ratings {
                very_satisfied: r[4],
                satisfied: r[3],
                basically_satisfied: r[2],
                dissatisfied: r[1],
                very_dissatisfied: r[0],
            },
            ratings_total,
            bad_rating_rate: percent(r[0] + r[1], ratings_total),
            complaints: c.complaints,
            orders_issued: c.orders_issued,
            orders_replied_on_time: c.orders_replied_on_time,
            orders_replied_late: c.orders_replied_late,
            fees_fen: c.fees_fen,
        }
    }
}

/// `YYYY-MM` of a date: the month a count is kept under.
pub fn month_of(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_add() {
        let mut a = Counts {
            received: 3,
            ratings: [1, 0, 0, 2, 5],
            orders_replied_late: 1,
            ..Counts::default()
        };
        assert_eq!(Counts::from_values(a.values()), a);
        a.add(&a.clone());
        assert_eq!(a.received, 6);
        assert_eq!(a.ratings, [2, 0, 0, 4, 10]);
        assert_eq!(a.orders_replied_late, 2);
    }

    #[test]
    fn figures_are_rates_of_their_counts() {
        let f = Figures::from(Counts {
            concluded: 4,
            concluded_on_time: 2,
            timed: 3,
            working_days: 10,
            ratings: [1, 1, 0, 0, 4],
            ..Counts::default()
        });
        assert_eq!(f.on_time_rate, Some(66.7));
        assert_eq!(f.average_working_days, Some(3.3));
        assert_eq!(f.ratings_total, 6);
        assert_eq!(f.ratings.very_satisfied, 4);
        assert_eq!(f.ratings.very_dissatisfied, 1);
        assert_eq!(f.bad_rating_rate, Some(33.3));
        let none = Figures::from(Counts::default());
        assert_eq!(none.on_time_rate, None);
        assert_eq!(none.bad_rating_rate, None);
        assert_eq!(none.average_working_days, None);
    }

    #[test]
    fn months_are_year_and_month() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(month_of(d), "2026-03");
    }
}
