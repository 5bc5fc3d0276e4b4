//! The SQL files in `queries/`: one aggregate table per file, documented by its comments.
//!
//! - The first comment lines (before any `-- column` line or SQL) describe the table.
//! - `-- column <name>: <description>` documents a column the query returns.
//! - A file whose name starts with `_` is a helper: its result can be read by other queries
//!   but is not written as a table.
//! - A query may read the tables `searches`, `coverage`, `population` and the result of any
//!   other query, by name; queries run in dependency order.
//! - `:name` placeholders (e.g. `:reference`) are replaced by quoted values before running.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Query {
    /// File stem: the table's name.
    pub name: String,
    pub path: PathBuf,
    pub sql: String,
    pub description: String,
    pub columns: Vec<(String, String)>,
}

impl Query {
    pub fn is_helper(&self) -> bool {
        self.name.starts_with('_')
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Query {
            file: self.path.display().to_string(),
            message: message.into(),
        }
    }
}

/// Tables every query can read.
pub const BASE_TABLES: [&str; 3] = ["searches", "coverage", "population"];

pub fn parse(name: &str, path: &Path, text: &str) -> Query {
    let mut description = Vec::new();
    let mut columns = Vec::new();
    let mut in_header = true;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(comment) = trimmed.strip_prefix("--") {
            let comment = comment.trim();
            if let Some(rest) = comment.strip_prefix("column ")
                && let Some((col, doc)) = rest.split_once(':')
            {
                columns.push((col.trim().to_owned(), doc.trim().to_owned()));
                in_header = false;
                continue;
            }
            if in_header {
                description.push(comment.to_owned());
            } else if let Some(last) = columns.last_mut().filter(|_| !comment.is_empty()) {
                // A continuation line of the previous column's description.
                last.1.push(' ');
                last.1.push_str(comment);
            }
        } else if !trimmed.is_empty() {
            in_header = false;
        }
    }
    Query {
        name: name.to_owned(),
        path: path.to_owned(),
        sql: text.to_owned(),
        description: description
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        columns,
    }
}

/// Every `*.sql` file in `dir`, in name order.
pub fn load(dir: &Path) -> Result<Vec<Query>> {
    let listing = std::fs::read_dir(dir).map_err(|e| Error::Query {
        file: dir.display().to_string(),
        message: format!("cannot list the queries folder: {e}"),
    })?;
    let mut paths: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(path).map_err(|e| Error::Query {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid || BASE_TABLES.contains(&name.as_str()) {
                return Err(Error::Query {
                    file: path.display().to_string(),
                    message: "a query's file name must be a SQL identifier (letters, digits, \
                              `_`) and not one of searches, coverage, population"
                        .to_owned(),
                });
            }
            Ok(parse(&name, path, &text))
        })
        .collect()
}

/// Replaces `:name` placeholders with quoted values.
pub fn substitute(sql: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(sql.len());
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < sql.len() {
        let c = bytes[i];
        if c == b':' && bytes.get(i.wrapping_sub(1)) != Some(&b':') && i + 1 < sql.len() {
            let end = sql[i + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(sql.len(), |e| i + 1 + e);
            if let Some(value) = params.get(&sql[i + 1..end]) {
                out.push('\'');
                out.push_str(&value.replace('\'', "''"));
                out.push('\'');
                i = end;
                continue;
            }
        }
        let ch = sql[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Orders queries so that each runs after the queries it reads.
pub fn order(queries: Vec<Query>) -> Result<Vec<Query>> {
    let names: BTreeSet<String> = queries.iter().map(|q| q.name.clone()).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for q in &queries {
        let tables = polars::sql::extract_table_identifiers(&q.sql, false, true)
            .map_err(|e| q.error(format!("cannot parse the SQL: {e}")))?;
        let wanted: BTreeSet<String> = tables
            .into_iter()
            .filter(|t| names.contains(t) && *t != q.name)
            .collect();
        deps.insert(q.name.clone(), wanted);
    }
    let mut by_name: BTreeMap<String, Query> =
        queries.into_iter().map(|q| (q.name.clone(), q)).collect();
    let mut ordered = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    while !by_name.is_empty() {
        let ready: Vec<String> = by_name
            .keys()
            .filter(|n| deps[*n].iter().all(|d| done.contains(d)))
            .cloned()
            .collect();
        if ready.is_empty() {
            let stuck = by_name.values().next().expect("not empty");
            let cycle: Vec<_> = by_name.keys().cloned().collect();
            return Err(stuck.error(format!(
                "queries read each other in a cycle: {}",
                cycle.join(", ")
            )));
        }
        for name in ready {
            done.insert(name.clone());
            ordered.push(by_name.remove(&name).expect("present"));
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_document_the_table() {
        let q = parse(
            "rates",
            Path::new("rates.sql"),
            "-- Searches per 1,000\n-- residents.\n-- column area: force id or\n--   england-and-wales\nSELECT 1 AS area\n-- trailing\n",
        );
        assert_eq!(q.description, "Searches per 1,000 residents.");
        assert_eq!(
            q.columns,
            [(
                "area".to_owned(),
                "force id or england-and-wales trailing".to_owned()
            )]
        );
    }

    #[test]
    fn placeholders() {
        let params = BTreeMap::from([("reference".to_owned(), "White".to_owned())]);
        assert_eq!(
            substitute("WHERE e = :reference AND x::VARCHAR = ':other'", &params),
            "WHERE e = 'White' AND x::VARCHAR = ':other'"
        );
    }

    #[test]
    fn dependency_order_and_cycles() {
        let q = |name: &str, sql: &str| parse(name, Path::new(name), sql);
        let ordered = order(vec![
            q("a", "SELECT * FROM b JOIN searches USING (x)"),
            q("b", "WITH t AS (SELECT * FROM c) SELECT * FROM t"),
            q("c", "SELECT * FROM coverage"),
        ])
        .unwrap();
        let names: Vec<_> = ordered.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
        let err = order(vec![q("a", "SELECT * FROM b"), q("b", "SELECT * FROM a")]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }
}
