#!/usr/bin/env python3
"""The job done the way an analyst expert in DuckDB would: read every column with explicit
types (no sniffing), normalise the labels, write the row-level searches table as zstd Parquet,
and compute the rates and disparity tables with the same grouping and exposure rule as
stopsearch (population x months covered / 12; England & Wales over the covered force-months;
BTP out of England & Wales). DuckDB has no beta quantile, so the ratio's interval here is the
log-Wald one; stopsearch computes exact ones.

Usage: duckdb_job.py DATA_DIR OUT_DIR POPULATION_CSV FORCES_CSV
"""
import sys
import duckdb

data, out, population_csv, forces_csv = sys.argv[1:5]
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")

columns = {
    "Type": "VARCHAR", "Date": "VARCHAR", "Part of a policing operation": "VARCHAR",
    "Policing operation": "VARCHAR", "Latitude": "DOUBLE", "Longitude": "DOUBLE",
    "Gender": "VARCHAR", "Age range": "VARCHAR", "Self-defined ethnicity": "VARCHAR",
    "Officer-defined ethnicity": "VARCHAR", "Legislation": "VARCHAR",
    "Object of search": "VARCHAR", "Outcome": "VARCHAR",
    "Outcome linked to object of search": "VARCHAR",
    "Removal of more than just outer clothing": "VARCHAR",
}
cols = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())

outcome_class = {
    "A no further action disposal": "no_further_action", "Nothing found - no further action": "no_further_action",
    "Arrest": "arrest", "Suspect arrested": "arrest",
    "Summons / charged by post": "summons_or_charge", "Suspect summonsed to court": "summons_or_charge",
    "Caution (simple or conditional)": "caution", "Offender cautioned": "caution",
    "Community resolution": "community_resolution", "Local resolution": "community_resolution",
    "Khat or Cannabis warning": "cannabis_or_khat_warning",
    "Offender given drugs possession warning": "cannabis_or_khat_warning",
    "Penalty Notice for Disorder": "penalty_notice", "Offender given penalty notice": "penalty_notice",
}
con.execute("CREATE TABLE outcome_map (label VARCHAR, class VARCHAR)")
con.executemany("INSERT INTO outcome_map VALUES (?, ?)", list(outcome_class.items()))

# One pass: read, normalise and keep the row-level table.
con.execute(rf"""
CREATE TABLE searches AS
SELECT
    regexp_extract(filename, '(\d{{4}}-\d{{2}})-(.+)-stop-and-search\.csv$', 2) AS force,
    regexp_extract(filename, '(\d{{4}}-\d{{2}})-(.+)-stop-and-search\.csv$', 1) AS month,
    TRY_CAST("Date" AS TIMESTAMPTZ) AS datetime,
    "Type" AS type, "Gender" AS gender, "Age range" AS age_range,
    "Self-defined ethnicity" AS self_defined_ethnicity,
    CASE
        WHEN "Self-defined ethnicity" IN ('Other ethnic group - Not stated', 'Not Stated (NS)') THEN 'Not stated'
        WHEN "Self-defined ethnicity" LIKE 'White%' THEN 'White'
        WHEN "Self-defined ethnicity" LIKE 'Mixed%' THEN 'Mixed'
        WHEN "Self-defined ethnicity" LIKE 'Asian%' OR "Self-defined ethnicity" LIKE '%Chinese (O1)' THEN 'Asian'
        WHEN "Self-defined ethnicity" LIKE 'Black%' THEN 'Black'
        WHEN "Self-defined ethnicity" LIKE 'Other ethnic group%' OR "Self-defined ethnicity" LIKE 'Chinese or other%' THEN 'Other'
    END AS ethnicity,
    "Officer-defined ethnicity" AS officer_defined_ethnicity,
    "Legislation" AS legislation, "Object of search" AS object_of_search,
    CASE
        WHEN "Object of search" IN ('Controlled drugs', 'Psychoactive substances') THEN 'drugs'
        WHEN "Object of search" IN ('Offensive weapons', 'Firearms', 'Anything to threaten or harm anyone') THEN 'weapons'
        WHEN "Object of search" = 'Stolen goods' THEN 'stolen_goods'
        WHEN "Object of search" = 'Article for use in theft' THEN 'going_equipped'
        WHEN "Object of search" = 'Articles for use in criminal damage' THEN 'criminal_damage'
        WHEN "Object of search" = 'Fireworks' THEN 'fireworks'
        WHEN "Object of search" IS NULL OR "Object of search" IN ('Evidence of offences under the Act', 'Detailed object of search unavailable') THEN
            CASE
                WHEN "Legislation" LIKE 'Misuse of Drugs Act%' OR "Legislation" LIKE 'Psychoactive%' THEN 'drugs'
                WHEN "Legislation" LIKE 'Firearms Act%' OR "Legislation" LIKE 'Criminal Justice and Public Order%' OR "Legislation" LIKE 'Criminal Justice Act 1988%' THEN 'weapons'
                WHEN "Legislation" IS NULL OR "Legislation" LIKE 'Police and Criminal Evidence Act 1984 (section 1)' THEN 'unknown'
                ELSE 'other'
            END
        ELSE 'other'
    END AS search_group,
    "Outcome" AS outcome,
    COALESCE(m.class, CASE WHEN "Outcome" IS NULL THEN 'unknown' ELSE 'other' END) AS outcome_class,
    "Outcome linked to object of search" = 'True' AS outcome_linked,
    "Removal of more than just outer clothing" = 'True' AS strip_search,
    "Part of a policing operation" = 'True' AS part_of_operation,
    "Latitude" AS latitude, "Longitude" AS longitude, filename AS source_file
FROM read_csv('{data}/*/*-stop-and-search.csv', columns = {{{cols}}},
    header = true, auto_detect = false, filename = true, ignore_errors = true,
    null_padding = false, parallel = true) AS raw
LEFT JOIN outcome_map m ON raw."Outcome" = m.label
WHERE TRY_CAST("Date" AS TIMESTAMPTZ) IS NOT NULL
""")
con.execute(f"COPY searches TO '{out}/searches.parquet' (FORMAT parquet, COMPRESSION zstd)")

# Coverage: every force-month with a file (header-only files count as covered zeros).
con.execute(rf"""
CREATE TABLE coverage AS
SELECT DISTINCT
    regexp_extract(file, '(\d{{4}}-\d{{2}})-(.+)-stop-and-search\.csv$', 2) AS force,
    regexp_extract(file, '(\d{{4}}-\d{{2}})-(.+)-stop-and-search\.csv$', 1) AS month
FROM glob('{data}/*/*-stop-and-search.csv')
""")
con.execute(f"CREATE TABLE forces AS SELECT * FROM read_csv('{forces_csv}', header = true)")
con.execute(f"""
CREATE TABLE pop AS
SELECT f.force_id AS force, p.asian, p.black, p.mixed, p.white, p.other, p.total
FROM read_csv('{population_csv}', header = true) p JOIN forces f ON f.pfa_code = p.PFA22CD
""")
con.execute("""
CREATE TABLE population AS
SELECT force, 'Asian' AS ethnicity, asian AS population FROM pop UNION ALL
SELECT force, 'Black', black FROM pop UNION ALL
SELECT force, 'Mixed', mixed FROM pop UNION ALL
SELECT force, 'White', white FROM pop UNION ALL
SELECT force, 'Other', other FROM pop UNION ALL
SELECT force, 'All', total FROM pop
""")
con.execute("""
CREATE TABLE membership AS
SELECT force_id AS force, force_id AS area FROM forces
UNION ALL SELECT force_id, 'england-and-wales' FROM forces WHERE pfa_code IS NOT NULL
""")
con.execute("""
CREATE TABLE periods AS
SELECT force, month, 'month' AS period_type, month AS period FROM coverage UNION ALL
SELECT force, month, 'financial_year',
    CASE WHEN CAST(substr(month, 6, 2) AS INTEGER) >= 4
         THEN substr(month, 1, 4) || '/' || lpad(CAST((CAST(substr(month, 1, 4) AS INTEGER) + 1) % 100 AS VARCHAR), 2, '0')
         ELSE CAST(CAST(substr(month, 1, 4) AS INTEGER) - 1 AS VARCHAR) || '/' || substr(month, 3, 2) END
FROM coverage UNION ALL
SELECT force, month, 'calendar_year', substr(month, 1, 4) FROM coverage
""")
con.execute("""
CREATE TABLE rates AS
WITH counts AS (
    SELECT m.area, p.period_type, p.period, s.search_group, COALESCE(s.ethnicity, 'Missing') AS ethnicity, count(*) AS searches
    FROM searches s
    JOIN periods p ON s.force = p.force AND s.month = p.month
    JOIN membership m ON s.force = m.force
    GROUP BY GROUPING SETS ((1, 2, 3, 4, 5), (1, 2, 3, 5), (1, 2, 3, 4), (1, 2, 3))
),
exposure AS (
    SELECT m.area, p.period_type, p.period, pop.ethnicity,
           sum(pop.population) / 12.0 AS exposure, count(*) AS force_months
    FROM periods p JOIN membership m ON p.force = m.force
    JOIN population pop ON pop.force = p.force
    GROUP BY 1, 2, 3, 4
)
SELECT c.area, c.period_type, c.period, COALESCE(c.search_group, 'all') AS search_group,
       COALESCE(c.ethnicity, 'All') AS ethnicity, c.searches, e.exposure,
       1000.0 * c.searches / e.exposure AS rate_per_1000
FROM counts c LEFT JOIN exposure e
  ON e.area = c.area AND e.period_type = c.period_type AND e.period = c.period
 AND e.ethnicity = COALESCE(c.ethnicity, 'All')
""")
con.execute("""
CREATE TABLE disparity AS
SELECT g.area, g.period_type, g.period, g.search_group, g.ethnicity,
       g.searches, g.exposure, r.searches AS reference_searches, r.exposure AS reference_exposure,
       (g.searches / g.exposure) / (r.searches / r.exposure) AS rate_ratio,
       exp(ln((g.searches / g.exposure) / (r.searches / r.exposure)) - 1.959964 * sqrt(1.0 / g.searches + 1.0 / r.searches)) AS ratio_ci_low,
       exp(ln((g.searches / g.exposure) / (r.searches / r.exposure)) + 1.959964 * sqrt(1.0 / g.searches + 1.0 / r.searches)) AS ratio_ci_high
FROM rates g JOIN rates r
  ON r.area = g.area AND r.period_type = g.period_type AND r.period = g.period
 AND r.search_group = g.search_group AND r.ethnicity = 'White'
WHERE g.ethnicity IN ('Asian', 'Black', 'Mixed', 'Other') AND g.searches > 0 AND r.searches > 0
""")
for t in ("rates", "disparity"):
    con.execute(f"COPY {t} TO '{out}/{t}.parquet' (FORMAT parquet, COMPRESSION zstd)")
n = con.execute("SELECT count(*) FROM searches").fetchone()[0]
print(n, "searches;", con.execute("SELECT count(*) FROM rates").fetchone()[0], "rates rows")
