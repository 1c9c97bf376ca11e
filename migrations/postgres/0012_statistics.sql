-- Public statistics (考核评价公开) as running counts, kept by the statistics follower as it
-- reads the event log (`src/follow/statistics.rs`): one row per department, power and month
-- (China time, `YYYY-MM`), added to in the same transaction as the follower's checkpoint, so
-- every event counts once. A request sums the months of its period: its cost grows with the
-- departments, powers and months asked for, never with the cases behind them.
CREATE TABLE IF NOT EXISTS statistics (
    month                  TEXT   NOT NULL,
    department             TEXT   NOT NULL,
    power_code             TEXT   NOT NULL,
    received               BIGINT NOT NULL DEFAULT 0,
    concluded              BIGINT NOT NULL DEFAULT 0,
    concluded_on_time      BIGINT NOT NULL DEFAULT 0,
    timed                  BIGINT NOT NULL DEFAULT 0,
    working_days           BIGINT NOT NULL DEFAULT 0,
    withdrawn              BIGINT NOT NULL DEFAULT 0,
    rating_1               BIGINT NOT NULL DEFAULT 0,
    rating_2               BIGINT NOT NULL DEFAULT 0,
    rating_3               BIGINT NOT NULL DEFAULT 0,
    rating_4               BIGINT NOT NULL DEFAULT 0,
    rating_5               BIGINT NOT NULL DEFAULT 0,
    complaints             BIGINT NOT NULL DEFAULT 0,
    orders_issued          BIGINT NOT NULL DEFAULT 0,
    orders_replied_on_time BIGINT NOT NULL DEFAULT 0,
    orders_replied_late    BIGINT NOT NULL DEFAULT 0,
    fees_fen               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, department, power_code)
);

-- Cases received, concluded (by end step) and withdrawn, by the party's kind, per department,
-- power and month: what a report counts by applicant (the annual disclosure report's 收到和处理
-- 政府信息公开申请情况). `end_step` and `result` are empty but for `concluded`.
CREATE TABLE IF NOT EXISTS statistic_results (
    month      TEXT   NOT NULL,
    department TEXT   NOT NULL,
    power_code TEXT   NOT NULL,
    measure    TEXT   NOT NULL,   -- received, concluded, withdrawn
    end_step   TEXT   NOT NULL,
    result     TEXT   NOT NULL,   -- the end step's result as the event recorded it
    party_kind TEXT   NOT NULL,
    count      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, department, power_code, measure, end_step, result, party_kind)
);
