//! The integration tests, one binary (polars is linked once): each module tests one part of
//! the program through the binary or the library, and the runs they only read are shared
//! (see `common`).

mod age_charts;
mod ages;
mod boundaries_fetch;
mod cases;
mod charts;
mod cli;
mod common;
mod districts;
mod fetch;
mod fixtures;
mod grounds;
mod hostile;
mod inputs;
mod new_user;
mod over_time;
mod powers;
mod queries;
mod readme;
mod report;
mod scale;
mod schedule;
mod statistics;
mod unknown_ethnicity;
mod vocabulary;
