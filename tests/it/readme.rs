//! The README documents what the program does: its data dictionary is the program's own, and
//! it lists every force and both set-up commands.

fn readme() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
}

#[test]
fn data_dictionary_is_current() {
    let readme = readme();
    let start = readme.find("<!-- dictionary:start -->\n").unwrap() + 26;
    let end = readme.find("<!-- dictionary:end -->").unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let queries = stopsearch::tables::queries::load(&dir).unwrap();
    let grounds = stopsearch::normalise::grounds::Classifier::load(&dir).unwrap();
    let aggregates: Vec<_> =
        stopsearch::tables::describe(queries, &stopsearch::tables::Settings::standard(grounds))
            .unwrap()
            .iter()
            .map(|t| stopsearch::output::dictionary::Documented::of(&t.meta, &t.df))
            .collect();
    assert_eq!(
        &readme[start..end],
        stopsearch::output::dictionary::markdown(&aggregates),
        "regenerate the README's data dictionary with `stopsearch dictionary`"
    );
}

#[test]
fn lists_every_force_and_the_two_commands() {
    let readme = readme();
    for force in stopsearch::reference::forces::FORCES {
        assert!(
            readme.contains(&format!("| `{}` |", force.id)),
            "{}",
            force.id
        );
    }
    assert!(readme.contains("cargo run --release -- run"));
    assert!(readme.contains("cargo test --release"));
}

/// The example settings file in the README is a valid one.
#[test]
fn example_settings_file_is_valid() {
    let readme = readme();
    let start = readme
        .find("```toml\n# /srv/stopsearch/stopsearch.toml\n")
        .unwrap()
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stopsearch.toml");
    std::fs::write(&path, &readme[start..end]).unwrap();
    let file = stopsearch::cli::settings::load(&path).unwrap();
    assert_eq!(file.months, Some(36));
    assert_eq!(file.thresholds.max_reject_share, Some(0.01));
    assert_eq!(file.fetch.unwrap().data, dir.path().join("data"));
}
