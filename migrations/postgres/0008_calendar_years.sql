-- Working-day calendar years loaded into the deployment (`yangguang calendar import`, the
-- administrators' calendar page), so that every server of a deployment counts with the same
-- calendar. Append-only: a year loaded again is a new row, the newest row of a year is in
-- force, and the rows say who loaded what when.
CREATE TABLE IF NOT EXISTS calendar_years (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year       INTEGER NOT NULL,
    content    TEXT    NOT NULL,  -- the year in the shape of aggregates/data/calendar/20XX.yaml
    loaded_by  TEXT    NOT NULL,
    loaded_at  BIGINT  NOT NULL   -- seconds since the Unix epoch
);
CREATE INDEX IF NOT EXISTS calendar_years_year ON calendar_years (year, id);
