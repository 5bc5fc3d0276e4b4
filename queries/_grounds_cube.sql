-- Helper (not written as a table): searches with grounds text (from force or FOI extracts read
-- with --mapping; empty otherwise), counted by force, month, search group, ethnicity, outcome
-- and grounds category. A search counts once under each category its text mentions, once
-- under one of `smell_only`, `smell_with_other_grounds` or `no_smell`, and once under
-- `any_grounds`.
WITH described AS (
    SELECT
        force, month, search_group, ethnicity, outcome_class, outcome_linked,
        CASE
            WHEN smell_only THEN 'smell_only'
            WHEN grounds_categories LIKE '%smell_of_cannabis%' THEN 'smell_with_other_grounds'
            ELSE 'no_smell'
        END AS smell
    FROM searches
    WHERE grounds_text IS NOT NULL
),
rows AS (
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked, category
    FROM search_grounds
    UNION ALL
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked,
           smell AS category
    FROM described
    UNION ALL
    SELECT force, month, search_group, ethnicity, outcome_class, outcome_linked,
           'any_grounds' AS category
    FROM described
)
SELECT
    CAST(force AS VARCHAR) AS force,
    CAST(month AS VARCHAR) AS month,
    CAST(search_group AS VARCHAR) AS search_group,
    COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
    CAST(outcome_class AS VARCHAR) AS outcome_class,
    outcome_linked,
    category,
    COUNT(*) AS n
FROM rows
GROUP BY force, month, search_group, ethnicity, outcome_class, outcome_linked, category
