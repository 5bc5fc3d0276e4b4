//! The SQL files in `queries/`: one aggregate table per file, documented by its comments.
//!
//! - The first comment lines (before any `-- column` line or SQL) describe the table.
//! - `-- column <name>: <description>` documents a column the query returns.
//! - A file whose name starts with `_` is a helper: its result can be read by other queries
//!   but is not written as a table.
//! - A query may read the tables `searches`, `coverage`, `population`, `search_grounds` (one
//!   row per search with grounds text and category found), `grounds_categories` (the
//!   classifier's categories in rule order) and the result of any other query, by name; queries
//!   run in dependency order.
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
    /// Tables the query reads (base tables and other queries), filled in by [`order`].
    pub reads: BTreeSet<String>,
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
pub const BASE_TABLES: [&str; 5] = [
    "searches",
    "coverage",
    "population",
    "search_grounds",
    "grounds_categories",
];

/// The program's own queries, as it was built: the tables it can make again period by period
/// (see [`super::splice`]), since it knows what each of them reads.
pub const BUILT_IN: [(&str, &str); 19] = [
    ("_age_cube", include_str!("../../queries/_age_cube.sql")),
    (
        "_area_periods",
        include_str!("../../queries/_area_periods.sql"),
    ),
    ("_cube", include_str!("../../queries/_cube.sql")),
    (
        "_grounds_cube",
        include_str!("../../queries/_grounds_cube.sql"),
    ),
    ("age_rates", include_str!("../../queries/age_rates.sql")),
    ("changes", include_str!("../../queries/changes.sql")),
    ("composition", include_str!("../../queries/composition.sql")),
    ("disparity", include_str!("../../queries/disparity.sql")),
    ("diversion", include_str!("../../queries/diversion.sql")),
    (
        "ethnicity_agreement",
        include_str!("../../queries/ethnicity_agreement.sql"),
    ),
    ("find_rates", include_str!("../../queries/find_rates.sql")),
    ("grounds", include_str!("../../queries/grounds.sql")),
    (
        "grounds_outcomes",
        include_str!("../../queries/grounds_outcomes.sql"),
    ),
    (
        "location_coverage",
        include_str!("../../queries/location_coverage.sql"),
    ),
    ("outcomes", include_str!("../../queries/outcomes.sql")),
    ("rates", include_str!("../../queries/rates.sql")),
    (
        "reconciliation",
        include_str!("../../queries/reconciliation.sql"),
    ),
    (
        "search_groups",
        include_str!("../../queries/search_groups.sql"),
    ),
    (
        "strip_search",
        include_str!("../../queries/strip_search.sql"),
    ),
];

/// Whether `queries` are the program's own, unedited, and nothing besides.
pub fn are_built_in(queries: &[Query]) -> bool {
    queries.len() == BUILT_IN.len()
        && queries.iter().all(|q| {
            BUILT_IN
                .iter()
                .any(|(n, sql)| *n == q.name && *sql == q.sql)
        })
}

pub fn parse(name: &str, path: &Path, text: &str) -> Query {
    let mut description = Vec::new();
    let mut columns: Vec<(String, String)> = Vec::new();
    // Only the leading block of comments documents the table; comments in the SQL are the
    // SQL's own.
    for line in text.lines() {
        let trimmed = line.trim();
        let Some(comment) = trimmed.strip_prefix("--") else {
            if trimmed.is_empty() {
                continue;
            }
            break;
        };
        let comment = comment.trim();
        if let Some(rest) = comment.strip_prefix("column ")
            && let Some((col, doc)) = rest.split_once(':')
        {
            columns.push((col.trim().to_owned(), doc.trim().to_owned()));
        } else if let Some(last) = columns.last_mut() {
            // A continuation line of the previous column's description.
            if !comment.is_empty() {
                last.1.push(' ');
                last.1.push_str(comment);
            }
        } else {
            description.push(comment.to_owned());
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
        reads: BTreeSet::new(),
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

/// A query's `WITH` clause taken apart: each common table expression and the final statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctes {
    pub ctes: Vec<(String, String)>,
    pub body: String,
}

/// Splits `WITH a AS (...), b AS (...) SELECT ...` into its parts, so each part can be run
/// once and its result reused: the SQL engine would otherwise compute a CTE again each time
/// it is named. `None` when the query has no `WITH`, or one this does not take apart
/// (`RECURSIVE`, column lists); such a query runs as written.
pub fn split_ctes(sql: &str) -> Option<Ctes> {
    let b = sql.as_bytes();
    let mut i = 0;
    // Skips white space and comments; returns the next position of code.
    let skip = |mut i: usize| -> usize {
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if b[i..].starts_with(b"--") {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            } else if b[i..].starts_with(b"/*") {
                i = sql[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            } else {
                return i;
            }
        }
    };
    let word = |i: usize| -> (usize, &str) {
        let end = sql[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(sql.len(), |e| i + e);
        (end, &sql[i..end])
    };
    i = skip(i);
    let (end, w) = word(i);
    if !w.eq_ignore_ascii_case("with") {
        return None;
    }
    i = skip(end);
    let mut ctes = Vec::new();
    loop {
        let (end, name) = word(i);
        if name.is_empty() || name.eq_ignore_ascii_case("recursive") {
            return None;
        }
        i = skip(end);
        let (end, as_) = word(i);
        if !as_.eq_ignore_ascii_case("as") {
            return None;
        }
        i = skip(end);
        if b.get(i) != Some(&b'(') {
            return None;
        }
        // The matching parenthesis, outside strings, quoted names and comments.
        let open = i;
        let mut depth = 0;
        loop {
            match b.get(i)? {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                q @ (b'\'' | b'"') => {
                    i += 1;
                    while *b.get(i)? != *q {
                        i += 1;
                    }
                }
                b'-' if b.get(i + 1) == Some(&b'-') => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        ctes.push((name.to_owned(), sql[open + 1..i].to_owned()));
        i = skip(i + 1);
        if b.get(i) == Some(&b',') {
            i = skip(i + 1);
        } else {
            break;
        }
    }
    Some(Ctes {
        ctes,
        body: sql[i..].to_owned(),
    })
}

/// Orders queries so that each runs after the queries it reads.
pub fn order(queries: Vec<Query>) -> Result<Vec<Query>> {
    let names: BTreeSet<String> = queries.iter().map(|q| q.name.clone()).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut queries = queries;
    for q in &mut queries {
        // A CTE named like a table would be read as the table by the SQL engine: refuse it
        // rather than give wrong counts.
        if let Some(parts) = split_ctes(&q.sql)
            && let Some((clash, _)) = parts
                .ctes
                .iter()
                .find(|(c, _)| names.contains(c) || BASE_TABLES.contains(&c.as_str()))
        {
            return Err(q.error(format!(
                "the common table expression `{clash}` has the name of a table; rename it"
            )));
        }
        let tables = polars::sql::extract_table_identifiers(&q.sql, false, true)
            .map_err(|e| q.error(format!("cannot parse the SQL: {e}")))?;
        q.reads = tables
            .into_iter()
            .filter(|t| (names.contains(t) || BASE_TABLES.contains(&t.as_str())) && *t != q.name)
            .collect();
        let wanted: BTreeSet<String> = q
            .reads
            .iter()
            .filter(|t| names.contains(*t))
            .cloned()
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
        // The district flags of every later table read location_coverage (see `areas`).
        let mut ready = ready;
        ready.sort_by_key(|n| (n != super::areas::LOCATION_COVERAGE, n.clone()));
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
            "-- Searches per 1,000\n-- residents.\n-- column area: force id or\n--   england-and-wales\nSELECT 1 AS area\n-- the SQL's own comment\n",
        );
        assert_eq!(q.description, "Searches per 1,000 residents.");
        assert_eq!(
            q.columns,
            [(
                "area".to_owned(),
                "force id or england-and-wales".to_owned()
            )]
        );
    }

    #[test]
    fn ctes_are_taken_apart() {
        let sql = "-- a comment (with parens)\nWITH a AS (SELECT ')' AS x -- (\n FROM t), \
                   b AS (SELECT * FROM (SELECT 1) s JOIN a ON TRUE)\nSELECT * FROM b";
        let c = split_ctes(sql).unwrap();
        assert_eq!(c.ctes.len(), 2);
        assert_eq!(c.ctes[0].0, "a");
        assert_eq!(c.ctes[0].1, "SELECT ')' AS x -- (\n FROM t");
        assert_eq!(c.ctes[1].1, "SELECT * FROM (SELECT 1) s JOIN a ON TRUE");
        assert_eq!(c.body, "SELECT * FROM b");
        assert_eq!(split_ctes("SELECT 1"), None);
        assert_eq!(
            split_ctes("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r"),
            None
        );
        assert_eq!(split_ctes("WITH r (x) AS (SELECT 1) SELECT * FROM r"), None);
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
