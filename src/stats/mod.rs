//! Statistics: rates, ratios and intervals ([`intervals`]), added to the aggregate tables from
//! their count columns ([`derive`]).

pub mod derive;
pub mod intervals;
