//! Presentation: the figures read from the tables through their typed contracts, the charts
//! drawn from them and the offline report.

pub mod charts;
pub mod figures;
pub mod over_time;
pub mod report;
