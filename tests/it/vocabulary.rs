//! Every label listed in the reference document (fixtures/reference/data-formats.md) is
//! recognised and maps to a class other than unknown. The labels are read from the document,
//! not from the program's own lists.

use stopsearch::reference::vocab;

fn doc() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference/data-formats.md"),
    )
    .unwrap()
}

/// Lines of the fenced code blocks in the section starting at `heading`, up to the next `###`.
fn code_block_labels(doc: &str, heading: &str) -> Vec<String> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("{heading}"));
    let rest = &doc[start + heading.len()..];
    let section = &rest[..rest.find("\n### ").unwrap_or(rest.len())];
    let mut labels = Vec::new();
    let mut inside = false;
    for line in section.lines() {
        if line.starts_with("```") {
            inside = !inside;
        } else if inside && !line.is_empty() && line != "(empty)" {
            labels.push(line.to_owned());
        }
    }
    labels
}

/// First-column labels (in backticks) of the tables in the section starting at `heading`.
fn table_labels(doc: &str, heading: &str) -> Vec<String> {
    let start = doc.find(heading).unwrap();
    let rest = &doc[start + heading.len()..];
    let section = &rest[..rest
        .find("\n#### ")
        .or(rest.find("\n### "))
        .unwrap_or(rest.len())];
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l[3..].split('`').next().unwrap().to_owned())
        .collect()
}

#[test]
fn outcomes() {
    let labels = code_block_labels(&doc(), "### 5.8 Outcome");
    assert_eq!(labels.len(), 7 + 7);
    let old_extra = [
        "Article found - Detailed outcome unavailable",
        "Suspected psychoactive substances seized - No further action",
    ];
    for label in labels.iter().map(String::as_str).chain(old_extra) {
        let class = vocab::outcome_class(label).unwrap_or_else(|| panic!("unknown: {label}"));
        assert_ne!(class, vocab::OutcomeClass::Unknown, "{label}");
        // Each published disposal has its own class; only a find with no recorded disposal
        // is `other`.
        let is_other = class == vocab::OutcomeClass::Other;
        assert_eq!(is_other, label == old_extra[0], "{label}");
    }
}

#[test]
fn self_defined_ethnicity_both_schemes() {
    let doc = doc();
    let new = table_labels(&doc, "#### 5.4.1");
    let old = table_labels(&doc, "#### 5.4.2");
    assert_eq!((new.len(), old.len()), (19, 17));
    for label in new.iter().chain(&old) {
        let (broad, detailed) =
            vocab::self_defined_ethnicity(label).unwrap_or_else(|| panic!("unknown: {label}"));
        let not_stated = broad == vocab::Ethnicity::NotStated;
        assert_eq!(detailed.is_none(), not_stated, "{label}");
        assert_eq!(
            not_stated,
            label.contains("Not stated") || label.contains("Not Stated")
        );
    }
}

#[test]
fn officer_defined_ethnicity() {
    let doc = doc();
    let start = doc.find("### 5.5 Officer-defined ethnicity").unwrap();
    let para = &doc[start..start + 400];
    for label in ["White", "Black", "Asian", "Other", "Mixed"] {
        assert!(para.contains(&format!("`{label}`")));
        assert!(vocab::OFFICER_DEFINED_ETHNICITY.contains(&label));
    }
}

#[test]
fn legislation_and_objects_are_known_and_grouped() {
    let doc = doc();
    let laws = code_block_labels(&doc, "### 5.6 Legislation");
    let objects = code_block_labels(&doc, "### 5.7 Object of search");
    assert_eq!((laws.len(), objects.len()), (8 + 12, 12));
    for law in &laws {
        assert!(vocab::LEGISLATION.contains(&law.as_str()), "unknown: {law}");
        // Only PACE s1, which covers several objects, leaves the group open on its own.
        let group = vocab::search_group(None, Some(law));
        let open = law == "Police and Criminal Evidence Act 1984 (section 1)";
        assert_eq!(group == vocab::SearchGroup::Unknown, open, "{law}");
    }
    let extra = doc
        .find("Additional values in the third-party distinct-values dump [S]: `Game")
        .unwrap();
    let paragraph = &doc[extra..];
    let paragraph = &paragraph[..paragraph.find("\n\n").unwrap()];
    let extra_objects: Vec<String> = paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(extra_objects.len(), 5);
    for object in objects.iter().chain(&extra_objects) {
        assert!(
            vocab::OBJECTS.contains(&object.as_str()),
            "unknown: {object}"
        );
        let generic = object == "Evidence of offences under the Act"
            || object == "Detailed object of search unavailable";
        let group = vocab::search_group(Some(object), None);
        assert_eq!(group == vocab::SearchGroup::Unknown, generic, "{object}");
        // A drugs power settles a generic object.
        let with_s23 =
            vocab::search_group(Some(object), Some("Misuse of Drugs Act 1971 (section 23)"));
        assert_ne!(with_s23, vocab::SearchGroup::Unknown, "{object}");
    }
}

#[test]
fn types_genders_ages_booleans() {
    let doc = doc();
    for (heading, list) in [
        ("### 5.1 Type", vocab::TYPES),
        ("### 5.2 Gender", vocab::GENDERS),
        ("### 5.3 Age range", vocab::AGE_RANGES),
    ] {
        let start = doc.find(heading).unwrap() + heading.len();
        // The list is the first paragraph after the heading, up to "(empty)".
        let para = doc[start..].trim_start().split("\n\n").next().unwrap();
        let para = para.split("(empty)").next().unwrap();
        let listed: Vec<&str> = para.split('`').skip(1).step_by(2).collect();
        assert!(!listed.is_empty());
        for label in listed {
            assert!(list.contains(&label), "{heading}: {label}");
        }
    }
    assert_eq!(vocab::boolean("True"), Some(true));
    assert_eq!(vocab::boolean("False"), Some(false));
    assert_eq!(vocab::boolean("yes"), None);
}
