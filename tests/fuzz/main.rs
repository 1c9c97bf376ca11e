//! Fuzzing of catalogue import (`yangguang::engine::catalogue_file::parse`) and flowchart parsing
//! (`aggregates::flowchart::parse_yaml`, `Flowchart::parse`) with proptest: arbitrary text,
//! documents generated from the catalogue's grammar with random field values, mutations of the
//! demo catalogue, and adversarial flowcharts (thousands of steps, long cycles, duplicate ids,
//! very long labels, dense graphs, many must-pass rules).
//!
//! Properties: no input panics (each call runs under `catch_unwind`; a panicking input is
//! written to `$CARGO_TARGET_TMPDIR/fuzz-failures/`); every refusal is a clear error (a
//! catalogue is refused as `Malformed` with a message or `Invalid` with a non-empty list of
//! problems, a flowchart with a non-empty list of problems, each with a code and a message);
//! what is accepted is accepted by the domain too (every entry of an accepted catalogue
//! registers and publishes in the power aggregate, so an import never stops half-way) and
//! survives export (serialised again, it parses to the same thing).
//!
//! `FUZZ_CASES` sets the number of cases per property (default 256: the normal suite runs
//! them in seconds). With more, each input must also be handled within 2 s; otherwise slow
//! inputs are only reported. The separate long run is `scripts/fuzz` (20 000 cases, release).
mod catalogue;
mod common;
mod flowchart;
