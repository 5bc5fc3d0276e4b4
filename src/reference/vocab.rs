//! Every label data.police.uk has published, in both vocabularies, and what each means.
//!
//! Labels are matched exactly (case, spaces and punctuation), as published. A label that is not
//! listed here is never rejected: the raw value is kept, the normalised value falls back to
//! `other` or null, and the quality table counts it so that a new vocabulary shows up at once.

/// Generates a closed set of normalised values with a stable text form.
macro_rules! closed_set {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const TEXTS: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_set! {
    /// What happened after the search, on one scale for both label eras.
    OutcomeClass {
        NoFurtherAction => "no_further_action",
        Arrest => "arrest",
        SummonsOrCharge => "summons_or_charge",
        Caution => "caution",
        CommunityResolution => "community_resolution",
        CannabisOrKhatWarning => "cannabis_or_khat_warning",
        PenaltyNotice => "penalty_notice",
        Other => "other",
        Unknown => "unknown",
    }
}

closed_set! {
    /// Broad (5+1) self-defined ethnic group, as used by the Home Office and the Census.
    Ethnicity {
        Asian => "Asian",
        Black => "Black",
        Mixed => "Mixed",
        White => "White",
        Other => "Other",
        NotStated => "Not stated",
    }
}

closed_set! {
    /// Census 2021 detailed ethnic group (TS021), keyed by the column name of the population
    /// table. Two extra keys cover old-scheme labels that span several 2021 groups.
    DetailedEthnicity {
        AsianBangladeshi => "asian_bangladeshi",
        AsianChinese => "asian_chinese",
        AsianIndian => "asian_indian",
        AsianPakistani => "asian_pakistani",
        AsianOther => "asian_other",
        BlackAfrican => "black_african",
        BlackCaribbean => "black_caribbean",
        BlackOther => "black_other",
        MixedWhiteAsian => "mixed_white_asian",
        MixedWhiteBlackAfrican => "mixed_white_black_african",
        MixedWhiteBlackCaribbean => "mixed_white_black_caribbean",
        MixedOther => "mixed_other",
        WhiteBritish => "white_british",
        WhiteIrish => "white_irish",
        WhiteGypsyIrishTraveller => "white_gypsy_irish_traveller",
        WhiteRoma => "white_roma",
        WhiteOther => "white_other",
        OtherArab => "other_arab",
        OtherAnyOther => "other_any_other",
        // Old W9: Gypsy or Irish Traveller + Roma + Other White (the 2001 scheme had no split).
        WhiteAllOther => "white_all_other",
        // Old O9: Arab + Any other ethnic group (the 2001 scheme had no Arab category).
        OtherAll => "other_all",
    }
}

closed_set! {
    /// What the search was for, from object of search and legislation (see [`search_group`]).
    SearchGroup {
        Drugs => "drugs",
        Weapons => "weapons",
        StolenGoods => "stolen_goods",
        GoingEquipped => "going_equipped",
        CriminalDamage => "criminal_damage",
        Fireworks => "fireworks",
        Other => "other",
        Unknown => "unknown",
    }
}

closed_set! {
    /// The power a search was made under, from the published legislation.
    Power {
        PaceS1 => "pace_s1",
        MisuseOfDrugsS23 => "misuse_of_drugs_s23",
        FirearmsS47 => "firearms_s47",
        CjpoS60 => "cjpo_s60",
        TerrorismS47a => "terrorism_s47a",
        TerrorismS43 => "terrorism_s43",
        PsychoactiveSubstances => "psychoactive_substances",
        Other => "other",
        Unknown => "unknown",
    }
}

impl Power {
    /// Section 60 and Terrorism Act s47A authorisations let officers search without
    /// suspicion; every other power needs reasonable suspicion. `None` when the power is not
    /// known.
    pub fn suspicion_required(self) -> Option<bool> {
        match self {
            Power::CjpoS60 | Power::TerrorismS47a => Some(false),
            Power::Unknown => None,
            _ => Some(true),
        }
    }
}

/// Legislation label → power; an empty field is `unknown`, a label not named here `other`
/// (the Terrorism Act labels, never seen in the published files, are matched by their section
/// so a new spelling still lands in the right group).
pub fn power(legislation: Option<&str>) -> Power {
    let Some(label) = legislation else {
        return Power::Unknown;
    };
    match label {
        PACE_S1 => Power::PaceS1,
        MISUSE_OF_DRUGS_S23 => Power::MisuseOfDrugsS23,
        FIREARMS_S47 => Power::FirearmsS47,
        CJPOA_S60 => Power::CjpoS60,
        PSA_S36 | PSA_S37 => Power::PsychoactiveSubstances,
        _ => {
            let lower = label.to_ascii_lowercase();
            if lower.starts_with("terrorism act 2000") {
                if lower.contains("47a") {
                    Power::TerrorismS47a
                } else if lower.contains("section 43") || lower.contains("s43") {
                    Power::TerrorismS43
                } else {
                    Power::Other
                }
            } else {
                Power::Other
            }
        }
    }
}

/// Outcome label → class. Returns `None` for a label not in either vocabulary.
pub fn outcome_class(label: &str) -> Option<OutcomeClass> {
    use OutcomeClass::*;
    Some(match label {
        // New scheme (City of London from 2018-04 and every later file).
        "A no further action disposal" => NoFurtherAction,
        "Arrest" => Arrest,
        "Community resolution" => CommunityResolution,
        "Khat or Cannabis warning" => CannabisOrKhatWarning,
        "Penalty Notice for Disorder" => PenaltyNotice,
        "Summons / charged by post" => SummonsOrCharge,
        "Caution (simple or conditional)" => Caution,
        // Old scheme, mapped one to one by meaning.
        "Nothing found - no further action" => NoFurtherAction,
        "Suspect arrested" => Arrest,
        "Offender given drugs possession warning" => CannabisOrKhatWarning,
        "Offender given penalty notice" => PenaltyNotice,
        "Local resolution" => CommunityResolution,
        "Suspect summonsed to court" => SummonsOrCharge,
        "Offender cautioned" => Caution,
        // A find with no recorded disposal: never guess a disposal.
        "Article found - Detailed outcome unavailable" => Other,
        // The disposal was no further action, though something was seized; the raw label
        // is kept so the other reading can be applied.
        "Suspected psychoactive substances seized - No further action" => NoFurtherAction,
        // The old API sent JSON `false` for "nothing found".
        "false" => NoFurtherAction,
        _ => return None,
    })
}

/// Self-defined ethnicity label → (broad group, Census detailed group). `None` if unknown.
/// "Not stated" has no Census group, so its detailed group is `None`.
///
/// Labels are matched whole, never by their bracketed code: codes were reused with other
/// meanings in PACE Code A 2023 (`O1` is Chinese here but Arab there).
pub fn self_defined_ethnicity(label: &str) -> Option<(Ethnicity, Option<DetailedEthnicity>)> {
    use DetailedEthnicity as D;
    use Ethnicity as E;
    Some(match label {
        // New scheme (18 + not stated).
        "White - English/Welsh/Scottish/Northern Irish/British" => {
            (E::White, Some(D::WhiteBritish))
        }
        "White - Irish" => (E::White, Some(D::WhiteIrish)),
        "White - Gypsy or Irish Traveller" => (E::White, Some(D::WhiteGypsyIrishTraveller)),
        "White - Roma" => (E::White, Some(D::WhiteRoma)),
        "White - Any other White background" => (E::White, Some(D::WhiteOther)),
        "Mixed/Multiple ethnic groups - White and Black Caribbean" => {
            (E::Mixed, Some(D::MixedWhiteBlackCaribbean))
        }
        "Mixed/Multiple ethnic groups - White and Black African" => {
            (E::Mixed, Some(D::MixedWhiteBlackAfrican))
        }
        "Mixed/Multiple ethnic groups - White and Asian" => (E::Mixed, Some(D::MixedWhiteAsian)),
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background" => {
            (E::Mixed, Some(D::MixedOther))
        }
        "Asian/Asian British - Indian" => (E::Asian, Some(D::AsianIndian)),
        "Asian/Asian British - Pakistani" => (E::Asian, Some(D::AsianPakistani)),
        "Asian/Asian British - Bangladeshi" => (E::Asian, Some(D::AsianBangladeshi)),
        "Asian/Asian British - Chinese" => (E::Asian, Some(D::AsianChinese)),
        "Asian/Asian British - Any other Asian background" => (E::Asian, Some(D::AsianOther)),
        "Black/African/Caribbean/Black British - African" => (E::Black, Some(D::BlackAfrican)),
        "Black/African/Caribbean/Black British - Caribbean" => (E::Black, Some(D::BlackCaribbean)),
        "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background" => {
            (E::Black, Some(D::BlackOther))
        }
        "Other ethnic group - Arab" => (E::Other, Some(D::OtherArab)),
        "Other ethnic group - Any other ethnic group" => (E::Other, Some(D::OtherAnyOther)),
        "Other ethnic group - Not stated" => (E::NotStated, None),
        // Old scheme (2001 Census 16 + not stated, with codes).
        "White - White British (W1)" => (E::White, Some(D::WhiteBritish)),
        "White - White Irish (W2)" => (E::White, Some(D::WhiteIrish)),
        "White - Any other White ethnic background (W9)" => (E::White, Some(D::WhiteAllOther)),
        "Mixed - White and Black Caribbean (M1)" => (E::Mixed, Some(D::MixedWhiteBlackCaribbean)),
        "Mixed - White and Black African (M2)" => (E::Mixed, Some(D::MixedWhiteBlackAfrican)),
        "Mixed - White and Asian (M3)" => (E::Mixed, Some(D::MixedWhiteAsian)),
        "Mixed - Any other Mixed ethnic background (M9)" => (E::Mixed, Some(D::MixedOther)),
        "Asian or Asian British - Indian (A1)" => (E::Asian, Some(D::AsianIndian)),
        "Asian or Asian British - Pakistani (A2)" => (E::Asian, Some(D::AsianPakistani)),
        "Asian or Asian British - Bangladeshi (A3)" => (E::Asian, Some(D::AsianBangladeshi)),
        "Asian or Asian British - Any other Asian ethnic background (A9)" => {
            (E::Asian, Some(D::AsianOther))
        }
        "Black or Black British - Caribbean (B1)" => (E::Black, Some(D::BlackCaribbean)),
        "Black or Black British - African (B2)" => (E::Black, Some(D::BlackAfrican)),
        "Black or Black British - Any other Black ethnic background (B9)" => {
            (E::Black, Some(D::BlackOther))
        }
        // Chinese sat with "other" in the old police grouping; the Census 2011 and 2021
        // classifications, and so the denominators, put it under Asian.
        "Chinese or other ethnic group - Chinese (O1)" => (E::Asian, Some(D::AsianChinese)),
        "Chinese or other ethnic group - Any other ethnic group (O9)" => {
            (E::Other, Some(D::OtherAll))
        }
        "Not Stated (NS)" => (E::NotStated, None),
        _ => return None,
    })
}

/// Broad group implied by the text before ` - ` of a label we do not know, so that a new
/// detailed label under a known heading still counts in its group.
pub fn ethnicity_from_prefix(label: &str) -> Option<Ethnicity> {
    let prefix = label.split(" - ").next()?;
    Some(match prefix {
        "White" => Ethnicity::White,
        "Mixed" | "Mixed/Multiple ethnic groups" => Ethnicity::Mixed,
        "Asian or Asian British" | "Asian/Asian British" => Ethnicity::Asian,
        "Black or Black British" | "Black/African/Caribbean/Black British" => Ethnicity::Black,
        "Other ethnic group" => Ethnicity::Other,
        _ => return None,
    })
}

/// Officer-defined ethnicity: the broad groups themselves.
pub const OFFICER_DEFINED_ETHNICITY: &[&str] = &["White", "Black", "Asian", "Other", "Mixed"];

pub const TYPES: &[&str] = &[
    "Person search",
    "Person and Vehicle search",
    "Vehicle search",
];
pub const GENDERS: &[&str] = &["Male", "Female", "Other"];
pub const AGE_RANGES: &[&str] = &["under 10", "10-17", "18-24", "25-34", "over 34"];
/// `True`/`False` as published; parsed to booleans.
pub const BOOLEANS: &[&str] = &["True", "False"];

/// Every legislation label seen, in data and in public distinct-value dumps.
pub const LEGISLATION: &[&str] = &[
    MISUSE_OF_DRUGS_S23,
    "Police and Criminal Evidence Act 1984 (section 1)",
    CJPOA_S60,
    FIREARMS_S47,
    CJA_S139B,
    PSA_S36,
    "Police and Criminal Evidence Act 1984 (section 6)",
    "Customs and Excise Management Act 1979 (section 163)",
    "Poaching Prevention Act 1862 (section 2)",
    "Wildlife and Countryside Act 1981 (section 19)",
    PSA_S37,
    "Aviation Security Act 1982 (section 27(1))",
    "Protection of Badgers Act 1992 (section 11)",
    "Deer Act 1991 (section 12)",
    "Environmental Protection Act 1990 (section 34B )",
    "Crossbows Act 1987 (section 4)",
    "Public Stores Act 1875 (section 6)",
    "Conservation of Seals Act 1970 (section 4)",
    "Hunting Act 2004 (section 8)",
    "Sporting Events Act 1985 (section 7)",
];

const MISUSE_OF_DRUGS_S23: &str = "Misuse of Drugs Act 1971 (section 23)";
const PSA_S36: &str = "Psychoactive Substances Act 2016 (s36(2))";
const PSA_S37: &str = "Psychoactive Substances Act 2016 (s37(2))";
const FIREARMS_S47: &str = "Firearms Act 1968 (section 47)";
const CJPOA_S60: &str = "Criminal Justice and Public Order Act 1994 (section 60)";
const CJA_S139B: &str = "Criminal Justice Act 1988 (section 139B)";
const PACE_S1: &str = "Police and Criminal Evidence Act 1984 (section 1)";

/// Every object-of-search label seen.
pub const OBJECTS: &[&str] = &[
    "Controlled drugs",
    "Offensive weapons",
    "Stolen goods",
    "Article for use in theft",
    "Articles for use in criminal damage",
    EVIDENCE_UNDER_THE_ACT,
    "Firearms",
    "Fireworks",
    "Anything to threaten or harm anyone",
    "Goods on which duty has not been paid etc.",
    "Psychoactive substances",
    "Crossbows",
    "Game or poaching equipment",
    "Evidence of wildlife offences",
    OBJECT_UNAVAILABLE,
    "Seals or hunting equipment",
    "Evidence of hunting any wild mammal with a dog",
];

const EVIDENCE_UNDER_THE_ACT: &str = "Evidence of offences under the Act";
const OBJECT_UNAVAILABLE: &str = "Detailed object of search unavailable";

/// Every outcome label in either scheme (and the old API's `false`).
pub const OUTCOMES: &[&str] = &[
    "A no further action disposal",
    "Arrest",
    "Community resolution",
    "Khat or Cannabis warning",
    "Penalty Notice for Disorder",
    "Summons / charged by post",
    "Caution (simple or conditional)",
    "Nothing found - no further action",
    "Suspect arrested",
    "Offender given drugs possession warning",
    "Offender given penalty notice",
    "Local resolution",
    "Suspect summonsed to court",
    "Offender cautioned",
    "Article found - Detailed outcome unavailable",
    "Suspected psychoactive substances seized - No further action",
    "false",
];

/// Every self-defined ethnicity label, new scheme first.
pub const SELF_DEFINED_ETHNICITY: &[&str] = &[
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Irish",
    "White - Gypsy or Irish Traveller",
    "White - Roma",
    "White - Any other White background",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Mixed/Multiple ethnic groups - White and Black African",
    "Mixed/Multiple ethnic groups - White and Asian",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "Asian/Asian British - Indian",
    "Asian/Asian British - Pakistani",
    "Asian/Asian British - Bangladeshi",
    "Asian/Asian British - Chinese",
    "Asian/Asian British - Any other Asian background",
    "Black/African/Caribbean/Black British - African",
    "Black/African/Caribbean/Black British - Caribbean",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "Other ethnic group - Arab",
    "Other ethnic group - Any other ethnic group",
    "Other ethnic group - Not stated",
    "White - White British (W1)",
    "White - White Irish (W2)",
    "White - Any other White ethnic background (W9)",
    "Mixed - White and Black Caribbean (M1)",
    "Mixed - White and Black African (M2)",
    "Mixed - White and Asian (M3)",
    "Mixed - Any other Mixed ethnic background (M9)",
    "Asian or Asian British - Indian (A1)",
    "Asian or Asian British - Pakistani (A2)",
    "Asian or Asian British - Bangladeshi (A3)",
    "Asian or Asian British - Any other Asian ethnic background (A9)",
    "Black or Black British - Caribbean (B1)",
    "Black or Black British - African (B2)",
    "Black or Black British - Any other Black ethnic background (B9)",
    "Chinese or other ethnic group - Chinese (O1)",
    "Chinese or other ethnic group - Any other ethnic group (O9)",
    "Not Stated (NS)",
];

/// What a search was for.
///
/// The rule, in order:
/// 1. A specific object of search decides: controlled drugs and psychoactive substances are
///    `drugs`; offensive weapons, firearms and "anything to threaten or harm anyone" are
///    `weapons`; stolen goods `stolen_goods`; article for use in theft `going_equipped`;
///    articles for use in criminal damage `criminal_damage`; fireworks `fireworks`; any other
///    named object (crossbows, uncustomed goods, wildlife and poaching items, or a label not
///    seen before) `other`.
/// 2. An empty or generic object ("Evidence of offences under the Act", "Detailed object of
///    search unavailable") falls back to the power used: Misuse of Drugs Act s23 and the
///    Psychoactive Substances Act are `drugs`; Firearms Act s47, CJPOA s60 and CJA s139B are
///    `weapons`; PACE s1 (which covers several objects) or no legislation is `unknown`; any
///    other power is `other`.
pub fn search_group(object: Option<&str>, legislation: Option<&str>) -> SearchGroup {
    use SearchGroup::*;
    match object {
        Some("Controlled drugs" | "Psychoactive substances") => Drugs,
        Some("Offensive weapons" | "Firearms" | "Anything to threaten or harm anyone") => Weapons,
        Some("Stolen goods") => StolenGoods,
        Some("Article for use in theft") => GoingEquipped,
        Some("Articles for use in criminal damage") => CriminalDamage,
        Some("Fireworks") => Fireworks,
        None | Some(EVIDENCE_UNDER_THE_ACT | OBJECT_UNAVAILABLE) => match legislation {
            Some(MISUSE_OF_DRUGS_S23 | PSA_S36 | PSA_S37) => Drugs,
            Some(FIREARMS_S47 | CJPOA_S60 | CJA_S139B) => Weapons,
            None | Some(PACE_S1) => Unknown,
            Some(_) => Other,
        },
        Some(_) => Other,
    }
}

/// `True`/`False` → bool; anything else is not a boolean.
pub fn boolean(label: &str) -> Option<bool> {
    match label {
        "True" => Some(true),
        "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_outcome_has_a_known_class() {
        for label in OUTCOMES {
            let class = outcome_class(label).unwrap_or_else(|| panic!("{label}"));
            assert_ne!(class, OutcomeClass::Unknown, "{label}");
        }
        assert_eq!(outcome_class("Something new"), None);
    }

    #[test]
    fn every_listed_ethnicity_maps() {
        for label in SELF_DEFINED_ETHNICITY {
            assert!(self_defined_ethnicity(label).is_some(), "{label}");
        }
    }

    #[test]
    fn not_stated_is_not_other() {
        for label in ["Other ethnic group - Not stated", "Not Stated (NS)"] {
            assert_eq!(
                self_defined_ethnicity(label).unwrap().0,
                Ethnicity::NotStated
            );
        }
    }

    #[test]
    fn chinese_is_asian_in_both_eras() {
        for label in [
            "Chinese or other ethnic group - Chinese (O1)",
            "Asian/Asian British - Chinese",
        ] {
            assert_eq!(
                self_defined_ethnicity(label).unwrap(),
                (Ethnicity::Asian, Some(DetailedEthnicity::AsianChinese))
            );
        }
    }

    #[test]
    fn prefix_fallback() {
        assert_eq!(
            ethnicity_from_prefix("Black/African/Caribbean/Black British - Somali"),
            Some(Ethnicity::Black)
        );
        assert_eq!(ethnicity_from_prefix("Martian"), None);
    }

    #[test]
    fn every_listed_power_has_its_group() {
        use Power::*;
        let named = [
            (PACE_S1, PaceS1),
            (MISUSE_OF_DRUGS_S23, MisuseOfDrugsS23),
            (FIREARMS_S47, FirearmsS47),
            (CJPOA_S60, CjpoS60),
            (PSA_S36, PsychoactiveSubstances),
            (PSA_S37, PsychoactiveSubstances),
        ];
        for (label, p) in named {
            assert_eq!(power(Some(label)), p, "{label}");
        }
        for label in LEGISLATION {
            let p = power(Some(label));
            let listed = named.iter().any(|(l, _)| l == label);
            assert_eq!(p == Other, !listed, "{label}: {p}");
        }
        assert_eq!(
            power(Some("Terrorism Act 2000 (section 47A)")),
            TerrorismS47a
        );
        assert_eq!(power(Some("Terrorism Act 2000 (section 43)")), TerrorismS43);
        assert_eq!(power(None), Unknown);
        assert_eq!(CjpoS60.suspicion_required(), Some(false));
        assert_eq!(TerrorismS47a.suspicion_required(), Some(false));
        assert_eq!(PaceS1.suspicion_required(), Some(true));
        assert_eq!(Other.suspicion_required(), Some(true));
        assert_eq!(Unknown.suspicion_required(), None);
    }

    #[test]
    fn search_group_rule() {
        use SearchGroup::*;
        assert_eq!(search_group(None, Some(MISUSE_OF_DRUGS_S23)), Drugs);
        assert_eq!(search_group(Some("Controlled drugs"), Some(PACE_S1)), Drugs);
        assert_eq!(
            search_group(Some("Offensive weapons"), Some(MISUSE_OF_DRUGS_S23)),
            Weapons
        );
        assert_eq!(
            search_group(Some(EVIDENCE_UNDER_THE_ACT), Some(FIREARMS_S47)),
            Weapons
        );
        assert_eq!(
            search_group(Some(EVIDENCE_UNDER_THE_ACT), Some(PACE_S1)),
            Unknown
        );
        assert_eq!(search_group(None, None), Unknown);
        assert_eq!(search_group(Some("Crossbows"), None), Other);
        assert_eq!(
            search_group(
                None,
                Some("Customs and Excise Management Act 1979 (section 163)")
            ),
            Other
        );
        for object in OBJECTS {
            let g = search_group(Some(object), None);
            let generic = [EVIDENCE_UNDER_THE_ACT, OBJECT_UNAVAILABLE].contains(object);
            assert_eq!(g == Unknown, generic, "{object}");
        }
    }
}
