//! Fault tests: the real `yangguang` binary as a child process under a command load, killed
//! with SIGKILL (on SQLite and on PostgreSQL) or losing its PostgreSQL server mid-load (a
//! private cluster, stopped with `pg_ctl stop -m immediate` and started again). Each test is
//! bounded in time, talks over loopback only, stops every process it started, and prints its
//! figures (`cargo test --test faults -- --nocapture`).
mod harness;
mod kill;
mod load;
mod outage;
mod two_servers;
