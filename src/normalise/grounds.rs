//! The grounds classifier: the rules in `queries/grounds.toml` (ordered, case-insensitive
//! patterns) give each free-text grounds record zero or more categories. The rules live in a
//! file, not in code, so that monitoring groups can read and change them without a rebuild.

use std::path::Path;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The category whose being alone makes a record `smell_only`.
pub const SMELL: &str = "smell_of_cannabis";

/// File name of the rules in the queries folder.
pub const RULES_FILE: &str = "grounds.toml";

/// The bundled rules, compiled in for query folders without a rules file of their own.
const BUILT_IN: &str = include_str!("../../queries/grounds.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    category: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: String,
    description: String,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default)]
    fallback: bool,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub name: String,
    pub description: String,
    patterns: Vec<Regex>,
    unless: Vec<Regex>,
    fallback: bool,
}

#[derive(Debug, Clone)]
pub struct Classifier {
    pub categories: Vec<Category>,
    smell: usize,
}

impl Classifier {
    /// Reads the rules from `grounds.toml` in the queries folder. A folder of the user's own
    /// queries need not carry one: then the rules the binary was built with apply.
    pub fn load(queries: &Path) -> Result<Classifier> {
        let path = queries.join(RULES_FILE);
        if !path.exists() {
            tracing::info!(folder = %queries.display(), "no grounds.toml: using the built-in grounds rules");
            return Classifier::parse(BUILT_IN).map_err(|message| Error::Grounds {
                file: format!("built-in {RULES_FILE}"),
                message,
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Grounds {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        Classifier::parse(&text).map_err(|message| Error::Grounds {
            file: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> std::result::Result<Classifier, String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let compile = |name: &str, p: &str| {
            RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("category `{name}`: pattern {p:?}: {e}"))
        };
        let mut categories: Vec<Category> = Vec::new();
        for entry in file.category {
            if categories.iter().any(|c| c.name == entry.name) {
                return Err(format!("category `{}` is given twice", entry.name));
            }
            let ok_name = !entry.name.is_empty()
                && entry
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok_name {
                return Err(format!(
                    "category name `{}`: use lower-case letters, digits and `_`",
                    entry.name
                ));
            }
            if entry.patterns.is_empty() && !entry.fallback {
                return Err(format!(
                    "category `{}` has no patterns and is not the fallback",
                    entry.name
                ));
            }
            categories.push(Category {
                patterns: entry
                    .patterns
                    .iter()
                    .map(|p| compile(&entry.name, p))
                    .collect::<std::result::Result<_, _>>()?,
                unless: entry
                    .unless
                    .iter()
                    .map(|p| compile(&entry.name, p))
                    .collect::<std::result::Result<_, _>>()?,
                name: entry.name,
                description: entry.description,
                fallback: entry.fallback,
            });
        }
        if categories.iter().filter(|c| c.fallback).count() > 1 {
            return Err("only one category can be the fallback".to_owned());
        }
        let smell = categories
            .iter()
            .position(|c| c.name == SMELL)
            .ok_or_else(|| format!("the rules must define the category `{SMELL}`"))?;
        Ok(Classifier { categories, smell })
    }

    pub fn names(&self) -> Vec<&str> {
        self.categories.iter().map(|c| c.name.as_str()).collect()
    }

    /// The categories a text gives, as indices in rule order; empty for an empty text.
    pub fn classify(&self, text: &str) -> Vec<usize> {
        let text = normalise(text);
        if text.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<usize> = self
            .categories
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.fallback && c.matches(&text))
            .map(|(i, _)| i)
            .collect();
        if found.is_empty()
            && let Some(i) = self.categories.iter().position(|c| c.fallback)
        {
            found.push(i);
        }
        found
    }

    /// Whether the smell of cannabis is the only category found.
    pub fn smell_only(&self, categories: &[usize]) -> bool {
        categories == [self.smell]
    }
}

impl Category {
    fn matches(&self, text: &str) -> bool {
        if self.unless.is_empty() {
            return self.patterns.iter().any(|p| p.is_match(text));
        }
        let mut masked = text.to_owned();
        for u in &self.unless {
            // A space keeps the words either side apart.
            masked = u.replace_all(&masked, " ").into_owned();
        }
        self.patterns.iter().any(|p| p.is_match(&masked))
    }
}

/// Curly quotes and runs of white space as officers' systems export them, made plain.
fn normalise(text: &str) -> String {
    text.replace(['\u{2018}', '\u{2019}', '`'], "'")
        .replace(['\u{201C}', '\u{201D}'], "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Precision and recall of one category on a labelled sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub category: String,
    /// Texts labelled with the category.
    pub labelled: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Score {
    pub fn precision(&self) -> Option<f64> {
        let found = self.true_positives + self.false_positives;
        (found > 0).then(|| self.true_positives as f64 / found as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.labelled > 0).then(|| self.true_positives as f64 / self.labelled as f64)
    }
}

/// One labelled text: its id, text and expected categories.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub id: String,
    pub text: String,
    pub expected: String,
}

impl Labelled {
    pub fn expected(&self) -> Vec<&str> {
        self.expected
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Reads a labelled sample (`id,text,expected`, categories separated by `;`).
pub fn read_labelled(path: &Path) -> Result<Vec<Labelled>> {
    let problem = |message: String| Error::Grounds {
        file: path.display().to_string(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| problem(e.to_string()))?;
    reader
        .deserialize()
        .map(|r| r.map_err(|e| problem(e.to_string())))
        .collect()
}

/// Per-category scores over a sample, plus the smell-only flag as a last row.
pub fn score(classifier: &Classifier, sample: &[Labelled]) -> Vec<Score> {
    let names = classifier.names();
    let mut rows: Vec<Score> = names
        .iter()
        .map(|n| Score {
            category: (*n).to_owned(),
            labelled: 0,
            true_positives: 0,
            false_positives: 0,
            false_negatives: 0,
        })
        .chain(std::iter::once(Score {
            category: "smell_only".to_owned(),
            labelled: 0,
            true_positives: 0,
            false_positives: 0,
            false_negatives: 0,
        }))
        .collect();
    let only = rows.len() - 1;
    for item in sample {
        let expected = item.expected();
        let found = classifier.classify(&item.text);
        let mut tally = |row: usize, want: bool, got: bool| {
            let s = &mut rows[row];
            s.labelled += usize::from(want);
            match (want, got) {
                (true, true) => s.true_positives += 1,
                (false, true) => s.false_positives += 1,
                (true, false) => s.false_negatives += 1,
                (false, false) => {}
            }
        };
        for (i, name) in names.iter().enumerate() {
            tally(i, expected.contains(name), found.contains(&i));
        }
        tally(only, expected == [SMELL], classifier.smell_only(&found));
    }
    rows
}

/// Whether a labelled text is in the held-out half: even-numbered ids (`G002`), which the rules
/// were not tuned on.
pub fn held_out(item: &Labelled) -> bool {
    let digits: String = item.id.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<u64>().is_ok_and(|n| n % 2 == 0)
}

/// The precision and recall table, as Markdown: every category, on all texts and on the
/// held-out half.
pub fn report(classifier: &Classifier, sample: &[Labelled]) -> String {
    let held: Vec<Labelled> = sample.iter().filter(|i| held_out(i)).cloned().collect();
    let all = score(classifier, sample);
    let out_of_sample = score(classifier, &held);
    let pct = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{:.0}%", v * 100.0));
    let mut md = format!(
        "| category | labelled (all {}) | precision | recall | labelled (held out {}) | precision | recall |\n|---|---:|---:|---:|---:|---:|---:|\n",
        sample.len(),
        held.len()
    );
    for (a, h) in all.iter().zip(&out_of_sample) {
        md.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            a.category,
            a.labelled,
            pct(a.precision()),
            pct(a.recall()),
            h.labelled,
            pct(h.precision()),
            pct(h.recall())
        ));
    }
    md
}

/// Every text whose categories differ from its labels.
pub fn errors(classifier: &Classifier, sample: &[Labelled]) -> String {
    let mut out = String::new();
    for item in sample {
        let found: Vec<&str> = classifier
            .classify(&item.text)
            .into_iter()
            .map(|i| classifier.categories[i].name.as_str())
            .collect();
        let mut expected = item.expected();
        let mut got = found.clone();
        expected.sort_unstable();
        got.sort_unstable();
        if expected != got {
            out.push_str(&format!(
                "{} {}\n  text:     {}\n  expected: {}\n  found:    {}\n",
                item.id,
                if held_out(item) { "(held out)" } else { "" },
                item.text,
                item.expected().join(";"),
                found.join(";")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Classifier {
        Classifier::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")).unwrap()
    }

    fn names(c: &Classifier, text: &str) -> Vec<String> {
        c.classify(text)
            .into_iter()
            .map(|i| c.categories[i].name.clone())
            .collect()
    }

    #[test]
    fn smell_and_its_denials() {
        let c = bundled();
        for text in [
            "strong smell of cannabis",
            "SOC",
            "smelt of skunk",
            "odour of canabis from the male",
            "smel of cannibis",
            "cannabis smell from the car",
        ] {
            assert_eq!(names(&c, text), ["smell_of_cannabis"], "{text}");
            assert!(c.smell_only(&c.classify(text)));
        }
        for text in [
            "no smell of cannabis, intel re supply",
            "nil SOC. intel",
            "didnt smell of weed, intel",
            "smell of cannabis was not present, intel",
        ] {
            assert_eq!(names(&c, text), ["intelligence_or_information"], "{text}");
        }
    }

    #[test]
    fn several_grounds_and_the_fallback() {
        let c = bundled();
        assert_eq!(
            names(&c, "SOC, subj nervous and seen to drop a wrap"),
            [
                "smell_of_cannabis",
                "behaviour_or_demeanour",
                "seen_concealing_or_discarding"
            ]
        );
        assert_eq!(names(&c, "s60 authorisation in force"), ["other"]);
        assert!(c.classify("   ").is_empty());
        assert!(!c.smell_only(&c.classify("SOC and nervous")));
    }

    #[test]
    fn rules_are_checked() {
        let bad = |t: &str| Classifier::parse(t).unwrap_err();
        assert!(
            bad("[[category]]\nname = \"x\"\ndescription = \"\"\npatterns = [\"(\"]")
                .contains("category `x`")
        );
        assert!(
            bad("[[category]]\nname = \"x\"\ndescription = \"\"\npatterns = [\"a\"]")
                .contains(SMELL)
        );
        assert!(
            bad("[[category]]\nname = \"x\"\ndescription = \"\"\npatternz = [\"a\"]")
                .contains("patternz")
        );
        assert!(
            bad("[[category]]\nname = \"Has Space\"\ndescription = \"\"\npatterns = [\"a\"]")
                .contains("lower-case")
        );
    }
}
