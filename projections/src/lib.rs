//! Yangguang's read models, as folds over events. Pure: no I/O, no clock reads.
#![forbid(unsafe_code)]

pub mod public_case;
