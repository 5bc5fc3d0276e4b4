-- Change over time: each area's searches in a financial year against the year before, and in
-- a month against the same month a year before, by what the search was for and self-defined
-- ethnic group. Only months covered in both periods are compared, force by force: a month a
-- force did not publish in either year is left out of both sides, so a missing month never
-- looks like a fall. With the same months and the same Census population on both sides, the
-- ratio of the two rates is the ratio of the two counts. Beside each group's change: the
-- reference group's counts (for the change in the rate ratio, a ratio of ratios) and the
-- out-of-court disposals over all disposals (the diversion share of diversion.sql) in both
-- periods. Districts are compared by financial year only, and only where their force
-- published all 12 months of both years (district counts are kept by year, not by month).
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code; see `area_type`.
-- column comparison: `financial_year` (a year against the year before) or `month` (a month
--   against the same month a year before).
-- column period: The later period: `2022/23` or `2022-09`.
-- column previous_period: The earlier one: `2021/22` or `2021-09`.
-- column search_group: What the search was for, or `all`.
-- column ethnicity: Self-defined broad group (`Asian`, `Black`, `Mixed`, `White`, `Other`)
--   or `All` (every search, whatever its ethnicity).
-- column reference_ethnicity: The reference group (White unless --reference says otherwise).
-- column force_months: Force-months compared: months covered in both periods, summed over
--   the area's forces (12 for one force's complete pair of years).
-- column searches: Searches of the group in the compared months of `period`.
-- column previous_searches: The same in `previous_period`.
-- column reference_searches: Searches of the reference group in the compared months of
--   `period`; null on the reference group's own rows and on `All`.
-- column previous_reference_searches: The same in `previous_period`.
-- column out_of_court: Searches of the group ending in an out-of-court disposal (cannabis or
--   khat warning, penalty notice, community resolution, caution) in `period`.
-- column out_of_court_base: Those plus arrests and summonses or charges: the disposals the
--   out-of-court share is taken of.
-- column previous_out_of_court: `out_of_court` in `previous_period`.
-- column previous_out_of_court_base: `out_of_court_base` in `previous_period`.
WITH covered AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        CAST(financial_year AS VARCHAR) AS financial_year
    FROM coverage
    WHERE CAST(status AS VARCHAR) IN ('submitted', 'zero')
),
-- A covered month and the same month a year before, also covered.
pairs AS (
    SELECT
        c.force, c.month, p.month AS previous_month, c.financial_year,
        p.financial_year AS previous_financial_year
    FROM covered c
    JOIN covered p
        ON p.force = c.force
        AND p.month = CONCAT(CAST(CAST(SUBSTR(c.month, 1, 4) AS INT) - 1 AS VARCHAR),
                             SUBSTR(c.month, 5, 3))
),
cells AS (
    SELECT
        force, month, place, CAST(search_group AS VARCHAR) AS search_group,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        SUM(n) AS n,
        SUM(CASE WHEN CAST(outcome_class AS VARCHAR) IN ('cannabis_or_khat_warning',
                 'penalty_notice', 'community_resolution', 'caution') THEN n ELSE 0 END)
            AS ooc,
        SUM(CASE WHEN CAST(outcome_class AS VARCHAR) IN ('cannabis_or_khat_warning',
                 'penalty_notice', 'community_resolution', 'caution', 'arrest',
                 'summons_or_charge') THEN n ELSE 0 END) AS base
    FROM _cube
    GROUP BY force, month, place, search_group, ethnicity
),
force_cells AS (
    SELECT * FROM cells WHERE place = '*'
),
district_cells AS (
    SELECT * FROM cells WHERE place <> '*'
),
-- Each compared month's counts, now and a year before, side by side.
monthly AS (
    SELECT
        p.force, p.month AS period, p.previous_month AS previous_period,
        p.financial_year, p.previous_financial_year, c.search_group, c.ethnicity,
        c.n AS n_now, 0 AS n_before, c.ooc AS ooc_now, 0 AS ooc_before,
        c.base AS base_now, 0 AS base_before
    FROM pairs p
    JOIN force_cells c ON c.force = p.force AND c.month = p.month
    UNION ALL
    SELECT
        p.force, p.month AS period, p.previous_month AS previous_period,
        p.financial_year, p.previous_financial_year, c.search_group, c.ethnicity,
        0 AS n_now, c.n AS n_before, 0 AS ooc_now, c.ooc AS ooc_before,
        0 AS base_now, c.base AS base_before
    FROM pairs p
    JOIN force_cells c ON c.force = p.force AND c.month = p.previous_month
),
members AS (
    SELECT DISTINCT force, area, place FROM population
),
force_members AS (
    SELECT force, area FROM members WHERE place = '*'
),
district_members AS (
    SELECT force, area, place FROM members WHERE place <> '*'
),
month_counts AS (
    SELECT force, month AS period, previous_month AS previous_period, COUNT(*) AS force_months
    FROM pairs
    GROUP BY force, month, previous_month
),
year_counts AS (
    SELECT force, financial_year AS period, previous_financial_year AS previous_period,
           COUNT(*) AS force_months
    FROM pairs
    GROUP BY force, financial_year, previous_financial_year
),
-- Forces that published every month of both years, for their districts.
full_years AS (
    SELECT force, period, previous_period FROM year_counts WHERE force_months = 12
),
district_sides AS (
    SELECT
        f.force, c.place, f.period, f.previous_period, c.search_group, c.ethnicity,
        c.n AS n_now, 0 AS n_before, c.ooc AS ooc_now, 0 AS ooc_before,
        c.base AS base_now, 0 AS base_before
    FROM full_years f
    JOIN district_cells c ON c.force = f.force AND c.month = f.period
    UNION ALL
    SELECT
        f.force, c.place, f.period, f.previous_period, c.search_group, c.ethnicity,
        0 AS n_now, c.n AS n_before, 0 AS ooc_now, c.ooc AS ooc_before,
        0 AS base_now, c.base AS base_before
    FROM full_years f
    JOIN district_cells c ON c.force = f.force AND c.month = f.previous_period
),
sides AS (
    SELECT m.area, 'month' AS comparison, s.period, s.previous_period, s.search_group,
           s.ethnicity, s.n_now, s.n_before, s.ooc_now, s.ooc_before, s.base_now,
           s.base_before
    FROM monthly s
    JOIN force_members m ON m.force = s.force
    UNION ALL
    SELECT m.area, 'financial_year' AS comparison, s.financial_year AS period,
           s.previous_financial_year AS previous_period, s.search_group, s.ethnicity,
           s.n_now, s.n_before, s.ooc_now, s.ooc_before, s.base_now, s.base_before
    FROM monthly s
    JOIN force_members m ON m.force = s.force
    UNION ALL
    SELECT m.area, 'financial_year' AS comparison, s.period, s.previous_period,
           s.search_group, s.ethnicity, s.n_now, s.n_before, s.ooc_now, s.ooc_before,
           s.base_now, s.base_before
    FROM district_sides s
    JOIN district_members m ON m.force = s.force AND m.place = s.place
),
compared AS (
    SELECT m.area, 'month' AS comparison, c.period, c.previous_period,
           SUM(c.force_months) AS force_months
    FROM month_counts c
    JOIN force_members m ON m.force = c.force
    GROUP BY m.area, c.period, c.previous_period
    UNION ALL
    SELECT m.area, 'financial_year' AS comparison, c.period, c.previous_period,
           SUM(c.force_months) AS force_months
    FROM year_counts c
    JOIN force_members m ON m.force = c.force
    GROUP BY m.area, c.period, c.previous_period
    UNION ALL
    SELECT m.area, 'financial_year' AS comparison, f.period, f.previous_period,
           SUM(12) AS force_months
    FROM full_years f
    JOIN district_members m ON m.force = f.force
    GROUP BY m.area, f.period, f.previous_period
),
by_group AS (
    SELECT area, comparison, period, previous_period, search_group, ethnicity,
           SUM(n_now) AS searches, SUM(n_before) AS previous_searches,
           SUM(ooc_now) AS out_of_court, SUM(base_now) AS out_of_court_base,
           SUM(ooc_before) AS previous_out_of_court, SUM(base_before) AS previous_out_of_court_base
    FROM sides
    GROUP BY area, comparison, period, previous_period, search_group, ethnicity
),
every_group AS (
    SELECT * FROM by_group
    UNION ALL
    SELECT area, comparison, period, previous_period, 'all' AS search_group, ethnicity,
           SUM(searches) AS searches, SUM(previous_searches) AS previous_searches,
           SUM(out_of_court) AS out_of_court, SUM(out_of_court_base) AS out_of_court_base,
           SUM(previous_out_of_court) AS previous_out_of_court,
           SUM(previous_out_of_court_base) AS previous_out_of_court_base
    FROM by_group
    GROUP BY area, comparison, period, previous_period, ethnicity
),
counted AS (
    SELECT * FROM every_group
    WHERE ethnicity IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
    UNION ALL
    SELECT area, comparison, period, previous_period, search_group, 'All' AS ethnicity,
           SUM(searches) AS searches, SUM(previous_searches) AS previous_searches,
           SUM(out_of_court) AS out_of_court, SUM(out_of_court_base) AS out_of_court_base,
           SUM(previous_out_of_court) AS previous_out_of_court,
           SUM(previous_out_of_court_base) AS previous_out_of_court_base
    FROM every_group
    GROUP BY area, comparison, period, previous_period, search_group
),
reference AS (
    SELECT area, comparison, period, previous_period, search_group,
           searches AS reference_searches, previous_searches AS previous_reference_searches
    FROM counted
    WHERE ethnicity = :reference
)
SELECT
    c.area, c.comparison, c.period, c.previous_period, c.search_group, c.ethnicity,
    :reference AS reference_ethnicity, k.force_months,
    c.searches, c.previous_searches,
    CASE WHEN c.ethnicity IN (:reference, 'All') THEN NULL
         ELSE COALESCE(r.reference_searches, 0) END AS reference_searches,
    CASE WHEN c.ethnicity IN (:reference, 'All') THEN NULL
         ELSE COALESCE(r.previous_reference_searches, 0) END AS previous_reference_searches,
    c.out_of_court, c.out_of_court_base, c.previous_out_of_court, c.previous_out_of_court_base
FROM counted c
JOIN compared k
    ON k.area = c.area AND k.comparison = c.comparison AND k.period = c.period
    AND k.previous_period = c.previous_period
LEFT JOIN reference r
    ON r.area = c.area AND r.comparison = c.comparison AND r.period = c.period
    AND r.previous_period = c.previous_period AND r.search_group = c.search_group
