-- Helper (not written as a table): searches counted by force, month, place and every
-- breakdown the tables use, so each table starts from about a million counts instead of every
-- search. Every search is counted once under place `*` (its force as a whole) and, if its
-- location puts it in a district of its force's own area (`in_force_area` or
-- `nearest_within_200m`), once more under that district's code: a query that wants each search
-- once filters `place = '*'`. Tables that need other columns of searches can still read
-- searches itself.
WITH counted AS (
    SELECT
        force, month, lad, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
        outcome_linked, strip_search, COUNT(*) AS n
    FROM (
        SELECT
            force, month, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
            outcome_linked, strip_search,
            CASE
                WHEN CAST(location_status AS VARCHAR) IN ('in_force_area', 'nearest_within_200m')
                    THEN CAST(lad_code AS VARCHAR)
            END AS lad
        FROM searches
    ) AS located
    GROUP BY
        force, month, lad, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
        outcome_linked, strip_search
)
SELECT
    force, month, '*' AS place, search_group, ethnicity, officer_defined_ethnicity,
    outcome_class, outcome_linked, strip_search, SUM(n) AS n
FROM counted
GROUP BY
    force, month, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
    outcome_linked, strip_search
UNION ALL
SELECT
    force, month, lad AS place, search_group, ethnicity, officer_defined_ethnicity,
    outcome_class, outcome_linked, strip_search, n
FROM counted
WHERE lad IS NOT NULL
