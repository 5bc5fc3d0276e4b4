-- Helper (not written as a table): searches counted by force, month, place, self-defined
-- ethnic group, sex, age range, what the search was for and outcome class, for the tables
-- that break searches down by age and sex (composition, diversion, age_rates). Places as in
-- `_cube`: every search under `*`, and a search placed in a district of its own force's area
-- once more under the district's code, summed by financial year (`month` holds the year).
-- `age_recorded` and `sex_recorded` say whether the search's force-month gives an age range
-- (a sex) for any search at all: a force that leaves the field empty in a month has no
-- figures by age for it, never zeros.
WITH grouped AS (
    SELECT
        force, month, financial_year, lad_code, location_status, ethnicity, gender, age_range,
        search_group, outcome_class, COUNT(*) AS n
    FROM searches
    GROUP BY
        force, month, financial_year, lad_code, location_status, ethnicity, gender, age_range,
        search_group, outcome_class
),
counted AS (
    SELECT
        CAST(force AS VARCHAR) AS force, CAST(month AS VARCHAR) AS month,
        CAST(financial_year AS VARCHAR) AS financial_year,
        CASE
            WHEN CAST(location_status AS VARCHAR) IN ('in_force_area', 'nearest_within_200m')
                THEN CAST(lad_code AS VARCHAR)
        END AS lad,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        COALESCE(CAST(gender AS VARCHAR), 'Missing') AS sex,
        COALESCE(CAST(age_range AS VARCHAR), 'Missing') AS age_range,
        CAST(search_group AS VARCHAR) AS search_group,
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        n
    FROM grouped
),
recording AS (
    SELECT
        force, month,
        SUM(CASE WHEN age_range <> 'Missing' THEN n ELSE 0 END) > 0 AS age_recorded,
        SUM(CASE WHEN sex <> 'Missing' THEN n ELSE 0 END) > 0 AS sex_recorded
    FROM counted
    GROUP BY force, month
),
flagged AS (
    SELECT c.*, r.age_recorded, r.sex_recorded
    FROM counted c
    JOIN recording r ON c.force = r.force AND c.month = r.month
)
SELECT
    force, month, '*' AS place, ethnicity, sex, age_range, search_group, outcome_class,
    age_recorded, sex_recorded, SUM(n) AS n
FROM flagged
GROUP BY
    force, month, ethnicity, sex, age_range, search_group, outcome_class, age_recorded,
    sex_recorded
UNION ALL
SELECT
    force, financial_year AS month, lad AS place, ethnicity, sex, age_range, search_group,
    outcome_class, age_recorded, sex_recorded, SUM(n) AS n
FROM flagged
WHERE lad IS NOT NULL
GROUP BY
    force, financial_year, lad, ethnicity, sex, age_range, search_group, outcome_class,
    age_recorded, sex_recorded
