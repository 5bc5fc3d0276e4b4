-- Helper (not written as a table): every force-month of the run, with each area its figures
-- count towards (its own force, or the Met for the City under --merge-city-into-met;
-- england-and-wales for the 43 territorial forces; and, with boundaries, each local authority
-- district of its force area), each period it falls in, and whether it counts towards
-- exposure (covered = 1 for a submitted or zero month; a missing month is not a month of zero
-- searches). `place` says which of a force's counts in `_cube` an area takes: `*` (all its
-- searches) for a force or England & Wales, the district's code for a district.
--
-- A district gets rows only for the periods in which its force located at least one search in
-- its own area: a force that publishes no locations has no district figures, never zeros.
-- Districts are counted by financial year only, in one row per district and year whose `month`
-- is the year (`2022/23`, as in `_cube`) and `covered` the months covered: a district's month
-- holds too few searches to read, and monthly rows for some 300 districts would multiply every
-- table's size (and the run's time) several times over.
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
    SELECT DISTINCT force, area, place FROM population
),
-- The financial years in which a force placed searches in its own districts: `_cube`'s
-- district counts, which are summed by year.
located_years AS (
    SELECT DISTINCT force, month AS period FROM _cube WHERE place <> '*'
)
SELECT m.area, p.force, m.place, p.month, p.period_type, p.period, p.covered
FROM periods p
JOIN membership m ON p.force = m.force
WHERE m.place = '*'
UNION ALL
SELECT m.area, p.force, m.place, p.period AS month, p.period_type, p.period,
       SUM(p.covered) AS covered
FROM periods p
JOIN membership m ON p.force = m.force
JOIN located_years ly ON ly.force = p.force AND ly.period = p.period
WHERE m.place <> '*' AND p.period_type = 'financial_year'
GROUP BY m.area, p.force, m.place, p.period_type, p.period
