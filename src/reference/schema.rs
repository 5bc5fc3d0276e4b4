//! What the tables are: the row-level tables' columns described once (the aggregate tables
//! describe theirs in their SQL files), and the metadata every written table carries. Read
//! by the stage that builds a table and by the one that writes and documents it.

pub struct ColumnDoc {
    pub name: &'static str,
    pub kind: &'static str,
    pub description: &'static str,
}

pub struct TableDoc {
    pub name: &'static str,
    pub description: &'static str,
    pub columns: &'static [ColumnDoc],
}

const fn c(name: &'static str, kind: &'static str, description: &'static str) -> ColumnDoc {
    ColumnDoc {
        name,
        kind,
        description,
    }
}

pub const SEARCHES: TableDoc = TableDoc {
    name: "searches",
    description: "One row per search as published on data.police.uk, with labels from both \
        vocabulary eras normalised. Sorted by force, month and source line.",
    columns: &[
        c(
            "force",
            "category",
            "data.police.uk force id, from the file name (e.g. `metropolitan`, `btp`).",
        ),
        c(
            "month",
            "category",
            "Month of the file the row came from, `YYYY-MM` (for an extract, the month of the search's local date). Not the month of `datetime`: timestamps are UTC and a month's file holds rows from the last evening of the previous month.",
        ),
        c("year", "int32", "Calendar year of `month`."),
        c(
            "financial_year",
            "category",
            "Financial year of `month`, April to March, written `2022/23`.",
        ),
        c(
            "datetime",
            "timestamp (ms, UTC)",
            "Date and time of the search as published, in UTC (an extract's local UK times are converted). Null for an extract row with a date and no time.",
        ),
        c(
            "type",
            "category",
            "`Person search`, `Person and Vehicle search` or `Vehicle search`.",
        ),
        c(
            "gender",
            "category",
            "As published: `Male`, `Female`, `Other`.",
        ),
        c(
            "age_range",
            "category",
            "As published: `under 10`, `10-17`, `18-24`, `25-34`, `over 34`.",
        ),
        c(
            "self_defined_ethnicity",
            "category",
            "Self-defined ethnicity exactly as published, in either label scheme (e.g. `Black or Black British - African (B2)` or `Black/African/Caribbean/Black British - African`).",
        ),
        c(
            "ethnicity",
            "category",
            "Broad self-defined group: `Asian`, `Black`, `Mixed`, `White`, `Other`, `Not stated`; null if the field was empty. `Other ethnic group - Not stated` and `Not Stated (NS)` are `Not stated`, never `Other`. Chinese is `Asian` in both eras, as in the Census.",
        ),
        c(
            "ethnicity_detailed",
            "category",
            "Census 2021 detailed group (column name of the population table, e.g. `black_african`); `white_all_other` and `other_all` for the old-scheme W9 and O9 labels, which span several 2021 groups; null if not stated or empty.",
        ),
        c(
            "officer_defined_ethnicity",
            "category",
            "Ethnicity as recorded by the officer, as published (`White`, `Black`, `Asian`, `Other`, `Mixed`). A separate variable, never mixed into self-defined figures.",
        ),
        c(
            "legislation",
            "category",
            "Power used, as published (e.g. `Misuse of Drugs Act 1971 (section 23)`).",
        ),
        c(
            "object_of_search",
            "category",
            "What the officer was looking for, as published (e.g. `Controlled drugs`). Not the grounds for the search: data.police.uk publishes no grounds.",
        ),
        c(
            "search_group",
            "category",
            "What the search was for, from object of search, or from the legislation when the object is empty or generic: `drugs`, `weapons`, `stolen_goods`, `going_equipped`, `criminal_damage`, `fireworks`, `other`, `unknown`. See the README for the rule.",
        ),
        c(
            "power",
            "category",
            "The power searched under, from `legislation`: `pace_s1`, `misuse_of_drugs_s23`, `firearms_s47`, `cjpo_s60` (Criminal Justice and Public Order Act 1994 s60: no suspicion needed, inside an authorised area and time), `terrorism_s47a` (Terrorism Act 2000 s47A: likewise), `terrorism_s43`, `psychoactive_substances`, `other` (every other Act: poaching, wildlife, customs, CJA s139B, PACE s6, ...) or `unknown` (empty). See the README.",
        ),
        c(
            "suspicion_required",
            "boolean",
            "False for the powers that need no suspicion (`cjpo_s60`, `terrorism_s47a`), true for every other power, null when the power is unknown.",
        ),
        c(
            "outcome",
            "category",
            "Outcome exactly as published, in either scheme.",
        ),
        c(
            "outcome_class",
            "category",
            "Outcome on one scale for both eras: `no_further_action`, `arrest`, `summons_or_charge`, `caution`, `community_resolution`, `cannabis_or_khat_warning`, `penalty_notice`, `other`, or `unknown` (empty).",
        ),
        c(
            "outcome_linked",
            "boolean",
            "Whether the outcome was linked to the object of search; null where the force leaves it empty (the Met always does).",
        ),
        c(
            "strip_search",
            "boolean",
            "Removal of more than just outer clothing; null where not recorded.",
        ),
        c(
            "part_of_operation",
            "boolean",
            "Whether the search was part of a policing operation; null where not recorded.",
        ),
        c(
            "policing_operation",
            "category",
            "Name of the policing operation, as published (empty in all data seen).",
        ),
        c(
            "latitude",
            "float64",
            "Anonymised location (a snap point, not the exact place); null if not published.",
        ),
        c("longitude", "float64", "See `latitude`."),
        c(
            "lad_code",
            "category",
            "ONS code of the local authority district (December 2022 boundaries) the point lies in, or was snapped to within 200 m; null without a location, outside every district, or when the run was given no boundaries (`--boundaries`).",
        ),
        c("lad_name", "category", "ONS name of `lad_code`."),
        c(
            "location_status",
            "category",
            "`in_force_area` (in a district of the searching force's own police force area), `other_force_area` (a district of another force's area; always so for British Transport Police, which has none of its own), `nearest_within_200m` (outside every polygon, e.g. on a river or the coast, and snapped to the nearest district of the force's area within 200 m), `outside_boundaries` (further than that from every district of England and Wales), `no_location`. Only the first and third count in district figures. Null when the run was given no boundaries.",
        ),
        c(
            "source_file",
            "category",
            "Input the row came from: path relative to the folder given on the command line, `archive.zip!member`, or `extract.xlsx#YYYY-MM` for one month of an extract.",
        ),
        c(
            "source_line",
            "uint32",
            "Line in the source CSV (the header is line 1), position in the API response's array (from 1), or row of an extract's spreadsheet.",
        ),
        c(
            "grounds_text",
            "string",
            "The officer's stated grounds for the search, as written, from a force or FOI extract read with `--mapping`. Null for data.police.uk rows: data.police.uk publishes no grounds.",
        ),
        c(
            "grounds_categories",
            "string",
            "What the grounds text mentions, by the rules in `queries/grounds.toml`, in rule order separated by `;` (e.g. `smell_of_cannabis;behaviour_or_demeanour`); `other` when none applies. Null without grounds text.",
        ),
        c(
            "smell_only",
            "boolean",
            "The smell of cannabis is the only ground found (the College of Policing position is that smell alone will not normally justify a search). Null without grounds text.",
        ),
    ],
};

pub const COVERAGE: TableDoc = TableDoc {
    name: "coverage",
    description: "One row per force x month over the span of months the run covers. A missing \
        submission (no file) is never counted as zero searches.",
    columns: &[
        c("force", "category", "data.police.uk force id."),
        c(
            "force_name",
            "string",
            "Force name as given by data.police.uk.",
        ),
        c(
            "pfa_code",
            "string",
            "ONS police force area code; null for British Transport Police, which has no resident population.",
        ),
        c("month", "category", "`YYYY-MM`."),
        c("year", "int32", "Calendar year of `month`."),
        c(
            "financial_year",
            "category",
            "Financial year of `month` (April to March), `2022/23`.",
        ),
        c(
            "status",
            "category",
            "`submitted` (a file with rows), `zero` (a file with only the header: no searches), `missing` (no file: no count exists), or `failed` (a file that could not be read, recorded under --keep-going).",
        ),
        c("rows", "uint32", "Rows kept in the searches table."),
        c(
            "rejected",
            "uint32",
            "Rows that could not be read (see rejects).",
        ),
        c(
            "source_file",
            "string",
            "Input the month was read from; null if missing.",
        ),
        c(
            "superseded",
            "string",
            "Other inputs that carried the same force-month and were not read, separated by `; `. A loose CSV beats an archive member, which beats an API response; between two of the same kind, the one whose name sorts last (the newest `YYYY-MM.zip`).",
        ),
        c(
            "problem",
            "string",
            "Why a `failed` file could not be read.",
        ),
        c(
            "trailing_median",
            "float64",
            "Median of `rows` over the force's submitted or zero months among the 12 before this one; null when fewer than 6 of them have data.",
        ),
        c(
            "partial_suspected",
            "boolean",
            "A submitted or zero month whose rows are below `partial_month_share` (default 0.2) of `trailing_median`: probably a partial upload. The month still counts; every figure whose period contains it carries `suspect_months`.",
        ),
        c(
            "spike_suspected",
            "boolean",
            "A submitted month whose rows are above `spike_month_multiple` (default 3) times `trailing_median`: perhaps a duplicated upload, perhaps a real operation. Counted as it is, and flagged like a partial month.",
        ),
    ],
};

pub const REJECTS: TableDoc = TableDoc {
    name: "rejects",
    description: "Every row that could not be read, with its text as found. For every input, \
        rows read = rows in searches + rows here.",
    columns: &[
        c("force", "category", "Force id of the file."),
        c("month", "category", "Month of the file, `YYYY-MM`."),
        c("source_file", "string", "Input the row came from."),
        c(
            "source_line",
            "uint32",
            "Line in the file (header = 1), or position in the API array.",
        ),
        c(
            "reason",
            "string",
            "Why the row was rejected: wrong field count, missing or unparseable date, undecodable bytes, not a JSON object.",
        ),
        c(
            "raw_text",
            "string",
            "The row as found, at most 4 KiB; bytes that are not UTF-8 shown as U+FFFD.",
        ),
    ],
};

pub const QUALITY: TableDoc = TableDoc {
    name: "quality",
    description: "Data quality per force-month: the share of empty fields in each column, \
        labels not in the known vocabularies, unreadable values, not-stated ethnicity, recoded \
        rows and timestamps outside the month.",
    columns: &[
        c("force", "category", "Force id."),
        c("month", "category", "`YYYY-MM`."),
        c("source_file", "string", "Input measured."),
        c(
            "column",
            "string",
            "Column of the searches table measured (`*` for the whole row).",
        ),
        c(
            "measure",
            "string",
            "`null` (empty field), `unknown_label` (a label not in the known vocabulary, given in `label`; kept raw, mapped to other or null), `invalid_value` (present but unreadable, e.g. a latitude of `abc`; published as null), `not_stated` (self-defined ethnicity not stated), `recoded_windows_1252` (rows that were not UTF-8), `datetime_outside_month` (timestamp over an hour outside the file's month), `exact_duplicate` (column `*`: rows identical, byte for byte once the line ending is removed, to an earlier row of the same file; a row found three times counts twice; written for every CSV file, 0 included). Duplicates are kept: they can be real (a group searched together, with the same attributes, at the same time and place, is published as identical rows), and data.police.uk has no search id to tell them apart. `--drop-exact-duplicates` moves them to the rejects as a sensitivity check.",
        ),
        c(
            "label",
            "string",
            "The label or value concerned, for `unknown_label` and `invalid_value`.",
        ),
        c("count", "uint32", "Rows concerned."),
        c("rows", "uint32", "Rows kept from the file."),
        c("share", "float64", "`count / rows`."),
    ],
};

pub const REVISIONS: TableDoc = TableDoc {
    name: "revisions",
    description: "Force-months whose file differs, byte for byte, from the one a previous run \
        of this output folder published: the old and new file, and what changed (rows kept, \
        and searches by self-defined ethnic group and by outcome class). Earlier runs' rows are \
        kept, so the table is the history of revisions the folder has seen; a first run has \
        none. This is how to say that a force revised its figures for a month.",
    columns: &[
        c("force", "string", "Force id."),
        c("month", "string", "`YYYY-MM`."),
        c("source_file", "string", "The file read now."),
        c(
            "previous_source_file",
            "string",
            "The file the previous run read.",
        ),
        c("sha256", "string", "SHA-256 of the file read now."),
        c(
            "previous_sha256",
            "string",
            "SHA-256 of the file the previous run read.",
        ),
        c(
            "previous_published",
            "string",
            "When the run that published the old version finished (its manifest's `finished_at`): the revisions a run found are those with the previous run's time.",
        ),
        c(
            "breakdown",
            "string",
            "`rows` (category `all`: rows kept), `ethnicity` (self-defined broad group; `Missing` for an empty field) or `outcome_class` (as in searches: `unknown` for an empty outcome).",
        ),
        c(
            "category",
            "string",
            "The group or class; every one either version has, zeros included.",
        ),
        c(
            "before",
            "int64",
            "Count in the previous version; null if the previous searches table could not be read.",
        ),
        c("after", "int64", "Count now."),
        c("change", "int64", "`after - before`."),
    ],
};

pub const TABLES: [&TableDoc; 5] = [&SEARCHES, &COVERAGE, &REJECTS, &QUALITY, &REVISIONS];

pub fn table(name: &str) -> Option<&'static TableDoc> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// What a table is and what its columns mean.
#[derive(Debug, Clone)]
pub struct TableMeta {
    pub name: String,
    pub description: String,
    pub columns: Vec<(String, String)>,
}

impl From<&TableDoc> for TableMeta {
    fn from(doc: &TableDoc) -> Self {
        TableMeta {
            name: doc.name.to_owned(),
            description: doc.description.to_owned(),
            columns: doc
                .columns
                .iter()
                .map(|c| (c.name.to_owned(), c.description.to_owned()))
                .collect(),
        }
    }
}

impl TableMeta {
    /// Key-value pairs for the Parquet footer: `stopsearch.description`, and one
    /// `stopsearch.column.<name>` per column.
    pub fn key_values(&self) -> Vec<(String, String)> {
        let mut kv = vec![
            ("stopsearch.version".to_owned(), crate::VERSION.to_owned()),
            ("stopsearch.table".to_owned(), self.name.clone()),
            (
                "stopsearch.description".to_owned(),
                self.description.clone(),
            ),
        ];
        kv.extend(
            self.columns
                .iter()
                .map(|(name, doc)| (format!("stopsearch.column.{name}"), doc.clone())),
        );
        kv
    }
}
