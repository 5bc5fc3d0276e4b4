-- Reconciliation with the Home Office: for every count in the file given with --home-office,
-- the same count from the data.police.uk files, like for like: person searches only (the
-- Home Office counts people, so vehicle-only searches are left out and shown apart), by
-- self-defined group, over the financial year, for the same powers. The official figures
-- come from the forces' returns to the Home Office, not from data.police.uk, and they differ
-- for some forces; a difference beyond the limit (default 5%, `--home-office-limit`) sets
-- `differs`, and the disparity table flags that force-year's ratios (`home_office_differs`).
-- A year the run does not cover in full is compared but never flagged: `differs` is null.
-- Without --home-office the table has no rows.
-- column area: Force id, or `england-and-wales` for the Home Office's `All - excluding BTP`.
-- column financial_year: `2020/21`.
-- column power: `all`, `section_1_and_associated` (PACE s1, Misuse of Drugs Act s23,
--   Firearms Act s47, Psychoactive Substances Act and other legislation), `cjpo_s60`,
--   `terrorism_s47a` or `terrorism_s43`, from the file's `legislation_type`.
-- column ethnicity: `Asian`, `Black`, `Mixed`, `White`, `Other`, `Not stated` (not stated or
--   left empty) or `All` (every person search).
-- column home_office_searches: The published count.
-- column police_uk_searches: Person searches (and person-and-vehicle searches) in the
--   data.police.uk files read; null when the run has no month of the year for the area.
-- column vehicle_only_searches: Vehicle-only searches of the same cells, left out of
--   `police_uk_searches` (their ethnicity, where given, is the driver's as published).
-- column months_covered: Force-months of the year the run has data for.
-- column months_expected: 12 for a force, 12 x 43 for England and Wales.
-- column difference: `police_uk_searches - home_office_searches`.
-- column ratio: `police_uk_searches / home_office_searches`; null when the published count is
--   zero.
-- column differs: True when the two differ by more than the limit, as a share of the
--   published count; null when the year is not covered in full or the published count is
--   zero.
WITH months AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        CAST(financial_year AS VARCHAR) AS financial_year
    FROM coverage
),
-- From the cube (each search once under place `*`), whose counts already say which searches
-- were of a vehicle only.
searched AS (
    SELECT
        c.force, m.financial_year, CAST(c.power AS VARCHAR) AS power,
        CASE
            WHEN CAST(c.ethnicity AS VARCHAR) IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
                THEN CAST(c.ethnicity AS VARCHAR)
            ELSE 'Not stated'
        END AS ethnicity,
        CASE WHEN c.vehicle_only THEN 0 ELSE c.n END AS person,
        CASE WHEN c.vehicle_only THEN c.n ELSE 0 END AS vehicle
    FROM _cube c
    JOIN months m ON m.force = c.force AND m.month = c.month
    WHERE c.place = '*'
),
counted AS (
    SELECT force, financial_year, power, ethnicity,
           SUM(person) AS person, SUM(vehicle) AS vehicle
    FROM searched
    GROUP BY force, financial_year, power, ethnicity
),
by_power AS (
    SELECT force, financial_year, 'all' AS power, ethnicity,
           SUM(person) AS person, SUM(vehicle) AS vehicle
    FROM counted
    GROUP BY force, financial_year, ethnicity
    UNION ALL
    SELECT c.force, c.financial_year, m.power_set AS power, c.ethnicity,
           SUM(c.person) AS person, SUM(c.vehicle) AS vehicle
    FROM counted c
    JOIN home_office_powers m ON m.power = c.power
    GROUP BY c.force, c.financial_year, m.power_set, c.ethnicity
),
by_group AS (
    SELECT * FROM by_power
    UNION ALL
    SELECT force, financial_year, power, 'All' AS ethnicity,
           SUM(person) AS person, SUM(vehicle) AS vehicle
    FROM by_power
    GROUP BY force, financial_year, power
),
national_forces AS (
    SELECT DISTINCT force FROM population WHERE area = 'england-and-wales'
),
by_area AS (
    SELECT force AS area, financial_year, power, ethnicity, person, vehicle FROM by_group
    UNION ALL
    SELECT 'england-and-wales' AS area, g.financial_year, g.power, g.ethnicity,
           SUM(g.person) AS person, SUM(g.vehicle) AS vehicle
    FROM by_group g
    JOIN national_forces n ON n.force = g.force
    GROUP BY g.financial_year, g.power, g.ethnicity
),
force_months AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(financial_year AS VARCHAR) AS financial_year,
        SUM(CASE WHEN CAST(status AS VARCHAR) IN ('submitted', 'zero') THEN 1 ELSE 0 END)
            AS covered
    FROM coverage
    GROUP BY force, financial_year
),
area_months AS (
    SELECT force AS area, financial_year, covered AS months_covered, 12 AS months_expected
    FROM force_months
    UNION ALL
    SELECT 'england-and-wales' AS area, m.financial_year, SUM(m.covered) AS months_covered,
           516 AS months_expected
    FROM force_months m
    JOIN national_forces n ON n.force = m.force
    GROUP BY m.financial_year
),
compared AS (
    SELECT
        h.area, h.financial_year, h.power, h.ethnicity,
        h.searches AS home_office_searches,
        CASE WHEN COALESCE(m.months_covered, 0) > 0 THEN COALESCE(a.person, 0) END
            AS police_uk_searches,
        CASE WHEN COALESCE(m.months_covered, 0) > 0 THEN COALESCE(a.vehicle, 0) END
            AS vehicle_only_searches,
        COALESCE(m.months_covered, 0) AS months_covered,
        CASE WHEN h.area = 'england-and-wales' THEN 516 ELSE 12 END AS months_expected
    FROM home_office h
    LEFT JOIN by_area a
        ON a.area = h.area AND a.financial_year = h.financial_year AND a.power = h.power
        AND a.ethnicity = h.ethnicity
    LEFT JOIN area_months m ON m.area = h.area AND m.financial_year = h.financial_year
)
SELECT
    area, financial_year, power, ethnicity, home_office_searches, police_uk_searches,
    vehicle_only_searches, months_covered, months_expected,
    police_uk_searches - home_office_searches AS difference,
    CASE WHEN home_office_searches > 0
        THEN CAST(police_uk_searches AS DOUBLE) / CAST(home_office_searches AS DOUBLE)
    END AS ratio,
    CASE
        WHEN months_covered < months_expected OR home_office_searches = 0 THEN NULL
        ELSE ABS(CAST(police_uk_searches - home_office_searches AS DOUBLE))
            > CAST(:home_office_limit AS DOUBLE) * CAST(home_office_searches AS DOUBLE)
    END AS differs
FROM compared
