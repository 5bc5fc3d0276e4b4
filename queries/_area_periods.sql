-- Helper (not written as a table): every force-month of the run, with each area its figures
-- count towards (its own force, or the Met for the City under --merge-city-into-met, and
-- england-and-wales for the 43 territorial forces), each period it falls in, and whether it
-- counts towards exposure (covered = 1 for a submitted or zero month; a missing month is not a
-- month of zero searches).
WITH months AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        CAST(financial_year AS VARCHAR) AS financial_year,
        CAST(year AS VARCHAR) AS calendar_year,
        CASE WHEN CAST(status AS VARCHAR) IN ('submitted', 'zero') THEN 1 ELSE 0 END AS covered
    FROM coverage
),
periods AS (
    SELECT force, month, 'month' AS period_type, month AS period, covered FROM months
    UNION ALL
    SELECT force, month, 'financial_year' AS period_type, financial_year AS period, covered
    FROM months
    UNION ALL
    SELECT force, month, 'calendar_year' AS period_type, calendar_year AS period, covered
    FROM months
),
membership AS (
    SELECT DISTINCT force, area FROM population
)
SELECT m.area, p.force, p.month, p.period_type, p.period, p.covered
FROM periods p
JOIN membership m ON p.force = m.force
