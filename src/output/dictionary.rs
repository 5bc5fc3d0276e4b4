//! The data dictionary: every table and column the run writes, as the README (see
//! `stopsearch dictionary`) and the report show it, from the same text that goes into each
//! Parquet file's metadata, so the two cannot drift apart.

use crate::reference::schema::{TABLES, TableDoc, TableMeta};

/// A table as documented in the README: name, description, and (column, type, description).
#[derive(Debug, Clone)]
pub struct Documented {
    pub name: String,
    pub description: String,
    pub columns: Vec<(String, String, String)>,
}

impl From<&TableDoc> for Documented {
    fn from(t: &TableDoc) -> Self {
        Documented {
            name: t.name.to_owned(),
            description: t.description.to_owned(),
            columns: t
                .columns
                .iter()
                .map(|c| {
                    (
                        c.name.to_owned(),
                        c.kind.to_owned(),
                        c.description.to_owned(),
                    )
                })
                .collect(),
        }
    }
}

impl Documented {
    /// A written table: its metadata, with each column's type read from the frame.
    pub fn of(meta: &TableMeta, df: &polars::prelude::DataFrame) -> Documented {
        Documented {
            name: meta.name.clone(),
            description: meta.description.clone(),
            columns: meta
                .columns
                .iter()
                .zip(df.dtypes())
                .map(|((name, doc), dtype)| (name.clone(), kind(&dtype), doc.clone()))
                .collect(),
        }
    }
}

/// Friendly name of a column type for the data dictionary.
pub fn kind(dtype: &polars::prelude::DataType) -> String {
    use polars::prelude::DataType as D;
    match dtype {
        D::String => "string".to_owned(),
        D::Boolean => "boolean".to_owned(),
        D::Float64 => "float64".to_owned(),
        D::Enum(..) | D::Categorical(..) => "category".to_owned(),
        D::UInt32 => "uint32".to_owned(),
        D::UInt64 => "uint64".to_owned(),
        D::Int32 => "int32".to_owned(),
        D::Int64 => "int64".to_owned(),
        other => other.to_string().to_lowercase(),
    }
}

/// The data dictionary as Markdown, for the README: the row-level tables, then `aggregates`.
pub fn markdown(aggregates: &[Documented]) -> String {
    let mut out = String::new();
    let row_level: Vec<Documented> = TABLES.iter().map(|t| (*t).into()).collect();
    for t in row_level.iter().chain(aggregates) {
        out.push_str(&format!(
            "### `{}.parquet`\n\n{}\n\n",
            t.name, t.description
        ));
        out.push_str("| column | type | description |\n|---|---|---|\n");
        for (name, kind, description) in &t.columns {
            out.push_str(&format!(
                "| `{name}` | {kind} | {} |\n",
                description.replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out
}
