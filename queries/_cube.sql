-- Helper (not written as a table): searches counted by force, month, place and every
-- breakdown the tables use, so each table starts from about a million counts instead of every
-- search. Every search is counted once under place `*` (its force as a whole) and, if its
-- location puts it in a district of its force's own area (`in_force_area` or
-- `nearest_within_200m`), once more under that district's code: a query that wants each search
-- once filters `place = '*'`. District counts are summed by financial year (`month` holds the
-- year, `2022/23`), the only period districts are counted by. `linked_recorded` and
-- `strip_recorded` say whether the search's force-month records `outcome_linked` and
-- `strip_search` at all (any value in the field), so a district's year keeps the force-month
-- rule. `power` is the power searched under and `suspicion_required` whether it needs
-- reasonable suspicion (both as in searches; the second follows from the first, so it adds no
-- rows). `vehicle_only` marks vehicle searches with no person searched: they have no person to
-- describe, so unknown ethnicity is counted over people. Tables that need other columns of
-- searches can still read searches itself.
-- (Rows are grouped on the stored categories all the way, and only the final counts are turned
-- into text: grouping on text costs several times as much.)
WITH grouped AS (
    SELECT
        force, month, financial_year, lad_code, location_status, search_group, power,
        suspicion_required, ethnicity, officer_defined_ethnicity, outcome_class, outcome_linked,
        strip_search, type, COUNT(*) AS n
    FROM searches
    GROUP BY
        force, month, financial_year, lad_code, location_status, search_group, power,
        suspicion_required, ethnicity, officer_defined_ethnicity, outcome_class, outcome_linked,
        strip_search, type
),
recording AS (
    SELECT
        force, month,
        SUM(CASE WHEN outcome_linked IS NOT NULL THEN n ELSE 0 END) > 0 AS linked_recorded,
        SUM(CASE WHEN strip_search IS NOT NULL THEN n ELSE 0 END) > 0 AS strip_recorded
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
        g.search_group, g.power, g.suspicion_required, g.ethnicity, g.officer_defined_ethnicity,
        g.outcome_class, g.outcome_linked, g.strip_search,
        COALESCE(CAST(g.type AS VARCHAR) = 'Vehicle search', FALSE) AS vehicle_only, g.n,
        r.linked_recorded, r.strip_recorded
    FROM grouped g
    JOIN recording r ON g.force = r.force AND g.month = r.month
),
cells AS (
    SELECT
        force, month, search_group, power, suspicion_required, ethnicity,
        officer_defined_ethnicity, outcome_class, outcome_linked, strip_search, linked_recorded,
        strip_recorded, vehicle_only, SUM(n) AS n
    FROM flagged
    GROUP BY
        force, month, search_group, power, suspicion_required, ethnicity,
        officer_defined_ethnicity, outcome_class, outcome_linked, strip_search, linked_recorded,
        strip_recorded, vehicle_only
),
district_cells AS (
    SELECT
        force, financial_year, lad, search_group, power, suspicion_required, ethnicity,
        officer_defined_ethnicity, outcome_class, outcome_linked, strip_search, linked_recorded,
        strip_recorded, vehicle_only, SUM(n) AS n
    FROM flagged
    WHERE lad IS NOT NULL
    GROUP BY
        force, financial_year, lad, search_group, power, suspicion_required, ethnicity,
        officer_defined_ethnicity, outcome_class, outcome_linked, strip_search, linked_recorded,
        strip_recorded, vehicle_only
)
SELECT
    CAST(force AS VARCHAR) AS force, CAST(month AS VARCHAR) AS month, '*' AS place,
    search_group, power, suspicion_required, ethnicity, officer_defined_ethnicity,
    outcome_class, outcome_linked, strip_search, linked_recorded, strip_recorded, vehicle_only,
    n
FROM cells
UNION ALL
SELECT
    CAST(force AS VARCHAR) AS force, CAST(financial_year AS VARCHAR) AS month,
    CAST(lad AS VARCHAR) AS place,
    search_group, power, suspicion_required, ethnicity, officer_defined_ethnicity,
    outcome_class, outcome_linked, strip_search, linked_recorded, strip_recorded, vehicle_only,
    n
FROM district_cells
