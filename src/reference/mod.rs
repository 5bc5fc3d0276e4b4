//! Reference data every stage may read: the forces, months and financial years, the Census
//! populations, the data.police.uk vocabularies and the tables' documentation.

pub mod forces;
pub mod home_office;
pub mod local_areas;
pub mod month;
pub mod population;
pub mod population_age;
pub mod schema;
pub mod vocab;
