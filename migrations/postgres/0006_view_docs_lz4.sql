-- View documents are rewritten whole after every batch and on every rebuild, and most exceed
-- the 2 kB at which PostgreSQL compresses a value: lz4 compresses several times faster than
-- the default pglz (measured on a rebuild of the cases view from 1,000,000 events: the
-- documents' INSERTs took 10.4 s with pglz, 7.5 s with lz4; README, Benchmarks). New values
-- only; a server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE view_docs ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION
    WHEN feature_not_supported OR invalid_parameter_value THEN
        RAISE NOTICE 'lz4 is not available: view documents keep the default compression';
END
$$;
