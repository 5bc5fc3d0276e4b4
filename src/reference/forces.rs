//! The 44 forces that publish stop-and-search data on data.police.uk: the 43 territorial
//! forces of England and Wales plus British Transport Police.
//!
//! Keyed on the data.police.uk force id and the ONS police force area (PFA) code, never on
//! names: every source spells the names differently (see the README's force table).

/// One force as known to the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Force {
    /// data.police.uk id, as used in file names and the API (`metropolitan`, `btp`).
    pub id: &'static str,
    /// Name as given by data.police.uk's `/api/forces`.
    pub name: &'static str,
    /// ONS police force area code; `None` for British Transport Police, which has no area.
    pub pfa_code: Option<&'static str>,
}

const fn f(id: &'static str, name: &'static str, pfa: &'static str) -> Force {
    Force {
        id,
        name,
        pfa_code: Some(pfa),
    }
}

/// Sorted by id, so that id order is table order.
pub const FORCES: [Force; 44] = [
    f(
        "avon-and-somerset",
        "Avon and Somerset Constabulary",
        "E23000036",
    ),
    f("bedfordshire", "Bedfordshire Police", "E23000026"),
    Force {
        id: "btp",
        name: "British Transport Police",
        pfa_code: None,
    },
    f("cambridgeshire", "Cambridgeshire Constabulary", "E23000023"),
    f("cheshire", "Cheshire Constabulary", "E23000006"),
    f("city-of-london", "City of London Police", "E23000034"),
    f("cleveland", "Cleveland Police", "E23000013"),
    f("cumbria", "Cumbria Constabulary", "E23000002"),
    f("derbyshire", "Derbyshire Constabulary", "E23000018"),
    f("devon-and-cornwall", "Devon & Cornwall Police", "E23000035"),
    f("dorset", "Dorset Police", "E23000039"),
    f("durham", "Durham Constabulary", "E23000008"),
    f("dyfed-powys", "Dyfed-Powys Police", "W15000004"),
    f("essex", "Essex Police", "E23000028"),
    f(
        "gloucestershire",
        "Gloucestershire Constabulary",
        "E23000037",
    ),
    f(
        "greater-manchester",
        "Greater Manchester Police",
        "E23000005",
    ),
    f("gwent", "Gwent Police", "W15000002"),
    f("hampshire", "Hampshire Constabulary", "E23000030"),
    f("hertfordshire", "Hertfordshire Constabulary", "E23000027"),
    f("humberside", "Humberside Police", "E23000012"),
    f("kent", "Kent Police", "E23000032"),
    f("lancashire", "Lancashire Constabulary", "E23000003"),
    f("leicestershire", "Leicestershire Police", "E23000021"),
    f("lincolnshire", "Lincolnshire Police", "E23000020"),
    f("merseyside", "Merseyside Police", "E23000004"),
    f("metropolitan", "Metropolitan Police Service", "E23000001"),
    f("norfolk", "Norfolk Constabulary", "E23000024"),
    f("north-wales", "North Wales Police", "W15000001"),
    f("north-yorkshire", "North Yorkshire Police", "E23000009"),
    f("northamptonshire", "Northamptonshire Police", "E23000022"),
    f("northumbria", "Northumbria Police", "E23000007"),
    f("nottinghamshire", "Nottinghamshire Police", "E23000019"),
    f("south-wales", "South Wales Police", "W15000003"),
    f("south-yorkshire", "South Yorkshire Police", "E23000011"),
    f("staffordshire", "Staffordshire Police", "E23000015"),
    f("suffolk", "Suffolk Constabulary", "E23000025"),
    f("surrey", "Surrey Police", "E23000031"),
    f("sussex", "Sussex Police", "E23000033"),
    f("thames-valley", "Thames Valley Police", "E23000029"),
    f("warwickshire", "Warwickshire Police", "E23000017"),
    f("west-mercia", "West Mercia Police", "E23000016"),
    f("west-midlands", "West Midlands Police", "E23000014"),
    f("west-yorkshire", "West Yorkshire Police", "E23000010"),
    f("wiltshire", "Wiltshire Police", "E23000038"),
];

/// Looks a force up by its data.police.uk id. The Home Office spelling of BTP's id,
/// `british-transport-police`, is accepted too.
pub fn by_id(id: &str) -> Option<&'static Force> {
    index_of(id).map(|i| &FORCES[i])
}

/// Position of a force in [`FORCES`], used as its sort key and category code.
pub fn index_of(id: &str) -> Option<usize> {
    let id = if id == "british-transport-police" {
        "btp"
    } else {
        id
    };
    FORCES.binary_search_by(|f| f.id.cmp(id)).ok()
}

/// A force by its data.police.uk name (`Metropolitan Police Service`), ignoring case.
pub fn by_name(name: &str) -> Option<&'static Force> {
    let name = name.trim();
    FORCES.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

pub fn by_pfa_code(code: &str) -> Option<&'static Force> {
    FORCES.iter().find(|f| f.pfa_code == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_and_unique() {
        for w in FORCES.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
    }

    #[test]
    fn forty_three_territorial_forces_have_distinct_pfa_codes() {
        let mut codes: Vec<_> = FORCES.iter().filter_map(|f| f.pfa_code).collect();
        assert_eq!(codes.len(), 43);
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 43);
    }

    #[test]
    fn lookups() {
        assert_eq!(by_id("metropolitan").unwrap().pfa_code, Some("E23000001"));
        assert_eq!(by_id("british-transport-police").unwrap().id, "btp");
        assert!(by_id("northern-ireland").is_none());
        assert_eq!(by_pfa_code("E23000034").unwrap().id, "city-of-london");
        assert_eq!(index_of("avon-and-somerset"), Some(0));
    }
}
