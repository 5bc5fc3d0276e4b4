-- Helper (not written as a table): searches counted by force, month, place, self-defined
-- ethnic group, sex, age range, what the search was for and outcome class, for the tables
-- that break searches down by age and sex (composition, diversion, age_rates). Places as in
-- `_cube`: every search under `*`, and a search placed in a district of its own force's area
-- once more under the district's code, summed by financial year (`month` holds the year).
-- `age_recorded` and `sex_recorded` say whether the search's force-month gives an age range
-- (a sex) for any search at all: a force that leaves the field empty in a month has no
-- figures by age for it, never zeros.
-- (Rows are grouped on the stored categories all the way, and only the final counts are turned
-- into text: grouping on text costs several times as much.)
WITH grouped AS (
    SELECT
        force, month, financial_year, lad_code, location_status, ethnicity, gender, age_range,
        search_group, outcome_class, COUNT(*) AS n
    FROM searches
    GROUP BY
        force, month, financial_year, lad_code, location_status, ethnicity, gender, age_range,
        search_group, outcome_class
),
recording AS (
    SELECT
        force, month,
        SUM(CASE WHEN age_range IS NOT NULL THEN n ELSE 0 END) > 0 AS age_recorded,
        SUM(CASE WHEN gender IS NOT NULL THEN n ELSE 0 END) > 0 AS sex_recorded
    FROM grouped
    GROUP BY force, month
),
flagged AS (
    SELECT
        g.force, g.month, g.financial_year,
        CASE
            WHEN CAST(g.location_status AS VARCHAR) IN ('in_force_area', 'nearest_within_200m')
                THEN g.lad_code
        END AS lad,
        g.ethnicity, g.gender, g.age_range, g.search_group, g.outcome_class, g.n,
        r.age_recorded, r.sex_recorded
    FROM grouped g
    JOIN recording r ON g.force = r.force AND g.month = r.month
),
cells AS (
    SELECT
        force, month, ethnicity, gender, age_range, search_group, outcome_class,
        age_recorded, sex_recorded, SUM(n) AS n
    FROM flagged
    GROUP BY
        force, month, ethnicity, gender, age_range, search_group, outcome_class, age_recorded,
        sex_recorded
),
district_cells AS (
    SELECT
        force, financial_year, lad, ethnicity, gender, age_range, search_group, outcome_class,
        age_recorded, sex_recorded, SUM(n) AS n
    FROM flagged
    WHERE lad IS NOT NULL
    GROUP BY
        force, financial_year, lad, ethnicity, gender, age_range, search_group, outcome_class,
        age_recorded, sex_recorded
),
every_place AS (
    SELECT
        force, CAST(month AS VARCHAR) AS month, '*' AS place, ethnicity, gender, age_range,
        search_group, outcome_class, age_recorded, sex_recorded, n
    FROM cells
    UNION ALL
    SELECT
        force, CAST(financial_year AS VARCHAR) AS month, CAST(lad AS VARCHAR) AS place,
        ethnicity, gender, age_range, search_group, outcome_class, age_recorded, sex_recorded, n
    FROM district_cells
)
SELECT
    CAST(force AS VARCHAR) AS force, month, place,
    COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
    COALESCE(CAST(gender AS VARCHAR), 'Missing') AS sex,
    COALESCE(CAST(age_range AS VARCHAR), 'Missing') AS age_range,
    CAST(search_group AS VARCHAR) AS search_group,
    CAST(outcome_class AS VARCHAR) AS outcome_class,
    age_recorded, sex_recorded, n
FROM every_place
