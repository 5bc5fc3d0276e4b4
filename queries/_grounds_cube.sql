-- Helper (not written as a table): searches with grounds text (from force or FOI extracts read
-- with --mapping; empty otherwise), counted by force, month, search group, ethnicity, outcome
-- and grounds category. A search counts once under each category its text mentions, once
-- under one of `smell_only`, `smell_with_other_grounds` or `no_smell`, and once under
-- `any_grounds`.
-- Like `_cube`, every row is counted under place `*` and again under its district (a district
-- of its force's own area, summed by financial year, which `month` then holds), so a query that
-- wants each search once filters `place = '*'`; `linked_recorded` says whether the force-month's
-- searches with grounds record `outcome_linked` at all.
WITH described AS (
    SELECT
        force, month, financial_year, search_group, ethnicity, outcome_class, outcome_linked,
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
    SELECT force, month, financial_year, search_group, ethnicity, outcome_class,
           outcome_linked, lad_code, location_status, category
    FROM search_grounds
    UNION ALL
    SELECT force, month, financial_year, search_group, ethnicity, outcome_class,
           outcome_linked, lad_code, location_status, smell AS category
    FROM described
    UNION ALL
    SELECT force, month, financial_year, search_group, ethnicity, outcome_class,
           outcome_linked, lad_code, location_status, 'any_grounds' AS category
    FROM described
),
counted AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        CAST(financial_year AS VARCHAR) AS financial_year,
        lad,
        CAST(search_group AS VARCHAR) AS search_group,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        outcome_linked,
        category,
        COUNT(*) AS n
    FROM (
        SELECT
            force, month, financial_year, search_group, ethnicity, outcome_class,
            outcome_linked, category,
            CASE
                WHEN CAST(location_status AS VARCHAR) IN ('in_force_area', 'nearest_within_200m')
                    THEN CAST(lad_code AS VARCHAR)
            END AS lad
        FROM rows
    ) AS located
    GROUP BY
        force, month, financial_year, lad, search_group, ethnicity, outcome_class,
        outcome_linked, category
),
recording AS (
    SELECT force, month,
           SUM(CASE WHEN outcome_linked IS NOT NULL THEN n ELSE 0 END) > 0 AS linked_recorded
    FROM counted
    WHERE category = 'any_grounds'
    GROUP BY force, month
),
flagged AS (
    SELECT c.*, r.linked_recorded
    FROM counted c
    JOIN recording r ON c.force = r.force AND c.month = r.month
)
SELECT
    force, month, '*' AS place, search_group, ethnicity, outcome_class, outcome_linked,
    linked_recorded, category, SUM(n) AS n
FROM flagged
GROUP BY
    force, month, search_group, ethnicity, outcome_class, outcome_linked, linked_recorded,
    category
UNION ALL
SELECT
    force, financial_year AS month, lad AS place, search_group, ethnicity, outcome_class,
    outcome_linked, linked_recorded, category, SUM(n) AS n
FROM flagged
WHERE lad IS NOT NULL
GROUP BY
    force, financial_year, lad, search_group, ethnicity, outcome_class, outcome_linked,
    linked_recorded, category
