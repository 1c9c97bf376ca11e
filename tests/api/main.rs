//! API tests: the real server over HTTP, on SQLite and PostgreSQL.
