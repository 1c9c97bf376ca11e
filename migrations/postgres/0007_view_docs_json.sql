-- View documents are written whole and read whole, never searched inside by the service: as
-- `json` the text is kept as written (checked, not converted), so a write skips jsonb's
-- conversion to its binary form and a read (`doc::text`) skips the conversion back. The
-- operators `->` and `->>` still work for a look by hand. Views are derived data: the rewrite
-- this takes on an existing table keeps every document. Changing the type resets the column's
-- compression to the default (checked on PostgreSQL 15), so lz4 is set again as in 0006.
ALTER TABLE view_docs ALTER COLUMN doc TYPE JSON USING doc::json;
DO $$
BEGIN
    ALTER TABLE view_docs ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION
    WHEN feature_not_supported OR invalid_parameter_value THEN
        RAISE NOTICE 'lz4 is not available: view documents keep the default compression';
END
$$;
