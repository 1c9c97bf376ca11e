//! Yangguang's pure domain: the power catalogue (职权目录), flowcharts (流程图), cases (办件)
//! and the working-day calendar (工作日历). No I/O, no clock reads: what a command must consult
//! comes in through the `Services` of each aggregate.
#![forbid(unsafe_code)]

pub mod access;
pub mod actor;
pub mod alert;
pub mod calendar;
pub mod case;
pub mod discretion;
pub mod feedback;
pub mod flowchart;
pub mod hash;
pub mod money;
pub mod order;
pub mod party;
pub mod power;
pub mod question;
pub mod refusal;
pub mod spot_check;
pub mod text;
pub mod yaml;

pub use actor::{Actor, Role};
