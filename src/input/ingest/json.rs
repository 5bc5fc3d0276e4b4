//! A saved `/api/stops-force` response, mapped to the same columns as the CSV.

use serde_json::Value;

use super::batch::LabelCol;
use super::{Parsed, Reject};
use crate::error::FileProblem;
use crate::reference::month::parse_timestamp;

/// JSON field for each label column.
fn field(col: LabelCol) -> &'static str {
    match col {
        LabelCol::Type => "type",
        LabelCol::PartOfOperation => "operation",
        LabelCol::PolicingOperation => "operation_name",
        LabelCol::Gender => "gender",
        LabelCol::AgeRange => "age_range",
        LabelCol::SelfDefinedEthnicity => "self_defined_ethnicity",
        LabelCol::OfficerDefinedEthnicity => "officer_defined_ethnicity",
        LabelCol::Legislation => "legislation",
        LabelCol::ObjectOfSearch => "object_of_search",
        LabelCol::Outcome => "outcome",
        LabelCol::OutcomeLinked => "outcome_linked_to_object_of_search",
        LabelCol::StripSearch => "removal_of_more_than_outer_clothing",
    }
}

/// A JSON value as the label the CSV would carry: booleans as `True`/`False` (the outcome's
/// old-API `false` stays `false`, a label of its own), null as empty.
fn label(col: LabelCol, value: Option<&Value>) -> Result<String, String> {
    Ok(match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) if col == LabelCol::Outcome => b.to_string(),
        Some(Value::Bool(true)) => "True".to_owned(),
        Some(Value::Bool(false)) => "False".to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("field {:?} is {other}", field(col))),
    })
}

fn coordinate(location: Option<&Value>, key: &str) -> String {
    match location.and_then(|l| l.get(key)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub fn parse(data: &[u8]) -> Result<Parsed, FileProblem> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(FileProblem::Empty);
    }
    let value: Value =
        serde_json::from_slice(data).map_err(|e| FileProblem::Json(e.to_string()))?;
    let Value::Array(records) = value else {
        return Err(FileProblem::Json(
            "the top level is not an array".to_owned(),
        ));
    };
    let mut parsed = Parsed::default();
    for (i, record) in records.iter().enumerate() {
        parsed.rows_read += 1;
        let line = (i + 1) as u32;
        match read_record(record) {
            Ok(row) => {
                let batch = &mut parsed.batch;
                batch.datetime.push(row.millis);
                batch.line.push(line);
                batch.push_coordinates(&row.latitude, &row.longitude);
                for (col, value) in LabelCol::ALL.iter().zip(&row.labels) {
                    batch.label(*col).push(value);
                }
            }
            Err(reason) => {
                let mut raw = record.to_string();
                raw.truncate(raw.floor_char_boundary(4096));
                parsed.rejects.push(Reject { line, reason, raw });
            }
        }
    }
    Ok(parsed)
}

struct Row {
    millis: i64,
    latitude: String,
    longitude: String,
    labels: Vec<String>,
}

fn read_record(record: &Value) -> Result<Row, String> {
    let Value::Object(map) = record else {
        return Err("not a JSON object".to_owned());
    };
    let millis = match map.get("datetime") {
        Some(Value::String(s)) => {
            parse_timestamp(s.trim()).ok_or_else(|| format!("unparseable date {s:?}"))?
        }
        None | Some(Value::Null) => return Err("missing date".to_owned()),
        Some(other) => return Err(format!("unparseable date {other}")),
    };
    let mut labels = LabelCol::ALL
        .iter()
        .map(|&col| label(col, map.get(field(col))))
        .collect::<Result<Vec<_>, _>>()?;
    // The current API repeats the outcome in `outcome_object`; use its name when the plain
    // field is empty.
    let outcome = &mut labels[LabelCol::Outcome.index()];
    if outcome.is_empty()
        && let Some(Value::String(name)) = map.get("outcome_object").and_then(|o| o.get("name"))
    {
        outcome.clone_from(name);
    }
    let location = map.get("location");
    Ok(Row {
        millis,
        latitude: coordinate(location, "latitude"),
        longitude: coordinate(location, "longitude"),
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_api_records() {
        let text = r#"[
          {"type":"Person search","datetime":"2024-09-27T09:45:00+00:00","operation":false,
           "operation_name":null,"location":{"latitude":"51.452468","longitude":"0.178992"},
           "gender":"Male","age_range":"over 34","self_defined_ethnicity":"White - Irish",
           "officer_defined_ethnicity":"White","legislation":null,"object_of_search":"Stolen goods",
           "outcome":"","outcome_object":{"id":"bu-arrest","name":"Arrest"},
           "outcome_linked_to_object_of_search":true,"removal_of_more_than_outer_clothing":null},
          {"type":"Person search","datetime":"2017-01-01T02:24:09+00:00","outcome":false,"location":null},
          {"type":"Person search","datetime":"yesterday"},
          42
        ]"#;
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!((p.rows_read, p.batch.len(), p.rejects.len()), (4, 2, 2));
        let b = &p.batch;
        let outcome = &b.labels[LabelCol::Outcome.index()];
        assert_eq!(outcome.dict, ["Arrest".into(), "false".into()]);
        let linked = &b.labels[LabelCol::OutcomeLinked.index()];
        assert_eq!(&*linked.dict[linked.codes[0] as usize], "True");
        assert_eq!(b.latitude[0], 51.452468);
        assert!(b.latitude[1].is_nan());
        assert_eq!(p.rejects[0].line, 3);
        assert_eq!(p.rejects[0].reason, "unparseable date \"yesterday\"");
        assert_eq!(p.rejects[1].reason, "not a JSON object");
        assert_eq!(p.rejects[1].raw, "42");
    }

    #[test]
    fn file_level_problems() {
        assert_eq!(parse(b"").unwrap_err(), FileProblem::Empty);
        assert!(matches!(
            parse(b"[{\"type\":").unwrap_err(),
            FileProblem::Json(_)
        ));
        assert!(matches!(parse(b"{}").unwrap_err(), FileProblem::Json(_)));
        assert_eq!(parse(b"[]").unwrap().rows_read, 0);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_and_reconciles(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
            if let Ok(p) = parse(&body) {
                prop_assert_eq!(p.rows_read as usize, p.batch.len() + p.rejects.len());
            }
        }

        #[test]
        fn arrays_of_objects_reconcile(records in proptest::collection::vec(
            proptest::option::of("[0-9T:+-]{0,25}"), 0..30)
        ) {
            let items: Vec<String> = records
                .iter()
                .map(|d| match d {
                    Some(d) => format!(r#"{{"datetime":"{d}","type":"Person search"}}"#),
                    None => "null".to_owned(),
                })
                .collect();
            let p = parse(format!("[{}]", items.join(",")).as_bytes()).unwrap();
            prop_assert_eq!(p.rows_read as usize, records.len());
            prop_assert_eq!(p.rows_read as usize, p.batch.len() + p.rejects.len());
        }
    }
}
