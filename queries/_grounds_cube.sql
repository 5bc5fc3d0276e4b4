-- Helper (not written as a table): searches with grounds text (from force or FOI extracts read
-- with --mapping; empty otherwise), counted by force, month, search group, ethnicity, outcome
-- and grounds category. A search counts once under each category its text mentions, once
-- under one of `smell_only`, `smell_with_other_grounds` or `no_smell`, and once under
-- `any_grounds`.
-- Like `_cube`, every row is counted under place `*` and again under its district (a district
-- of its force's own area), so a query that wants each search once filters `place = '*'`.
WITH described AS (
    SELECT
        force, month, search_group, ethnicity, outcome_class, outcome_linked,
        lad_code, location_status,
        CASE
            WHEN smell_only THEN 'smell_only'
            WHEN grounds_categories LIKE '%smell_of_cannabis%' THEN 'smell_with_other_grounds'
            ELSE 'no_smell'
        END AS smell
    FROM searches
    WHERE grounds_text IS NOT NULL
),
rows AS (
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked, lad_code,
           location_status, category
    FROM search_grounds
    UNION ALL
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked, lad_code,
           location_status, smell AS category
    FROM described
    UNION ALL
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked, lad_code,
           location_status, 'any_grounds' AS category
    FROM described
),
counted AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        lad,
        CAST(search_group AS VARCHAR) AS search_group,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        outcome_linked,
        category,
        COUNT(*) AS n
    FROM (
        SELECT
            force, month, search_group, ethnicity, outcome_class, outcome_linked, category,
            CASE
                WHEN CAST(location_status AS VARCHAR) IN ('in_force_area', 'nearest_within_200m')
                    THEN CAST(lad_code AS VARCHAR)
            END AS lad
        FROM rows
    ) AS located
    GROUP BY force, month, lad, search_group, ethnicity, outcome_class, outcome_linked, category
)
SELECT
    force, month, '*' AS place, search_group, ethnicity, outcome_class, outcome_linked,
    category, SUM(n) AS n
FROM counted
GROUP BY force, month, search_group, ethnicity, outcome_class, outcome_linked, category
UNION ALL
SELECT
    force, month, lad AS place, search_group, ethnicity, outcome_class, outcome_linked,
    category, n
FROM counted
WHERE lad IS NOT NULL
