-- Files of applications' materials (申请材料), uploaded online with an application or a 补正.
-- Kept once by the SHA-256 of their bytes (the case's events name them by it), in the
-- database every server of a deployment already shares and backs up (docs/decisions/0021).
-- Never deleted by the application; served to the department's officers and inspectors only.
CREATE TABLE IF NOT EXISTS materials (
    sha256     TEXT   PRIMARY KEY,          -- lower-case hex of the bytes' SHA-256
    media_type TEXT   NOT NULL,             -- application/pdf, image/jpeg or image/png, sniffed
    size       BIGINT NOT NULL,             -- bytes
    content    BYTEA  NOT NULL,
    stored_at  BIGINT NOT NULL              -- seconds since the Unix epoch, first upload
);
