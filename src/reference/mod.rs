//! Reference data every stage may read: the forces, months and financial years, and the
//! Census populations.

pub mod forces;
pub mod month;
pub mod population;
pub mod schema;
