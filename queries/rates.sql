-- Searches per 1,000 residents, by area, period, what the search was for and self-defined
-- ethnic group. Exposure is the resident population times the months a force published data
-- for, over 12: a month with no file is not a month of zero searches. England & Wales sums the
-- 43 territorial forces over the months each covered; British Transport Police, which has no
-- resident population, is counted under its own area only and left out of England & Wales. A
-- period in which an area has no covered month has no row. Rates count searches, not people:
-- a person searched twice counts twice.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` (April to March, the Home Office convention) or
--   `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column search_group: What the search was for, from the object of search (not the grounds,
--   which data.police.uk does not publish), or `all`.
-- column ethnicity: Self-defined broad group (`Asian`, `Black`, `Mixed`, `White`, `Other`),
--   `All` (every search, against the whole population), `Not stated` or `Missing` (empty field;
--   includes vehicle-only searches). The last two have no Census count, so no rate.
-- column census: Census the population comes from: the census vintage of the rate.
-- column searches: Number of searches.
-- column population: Usual residents of the group in the area's forces that published at
--   least one month of the period; null where there is no Census count.
-- column force_months_covered: Force-months with data in the period (for a single force, the
--   months it published).
-- column exposure: Person-years: the sum over the area's forces of population x months
--   covered / 12.
WITH periods AS (
    SELECT area, force, period_type, period, SUM(covered) AS months_covered
    FROM _area_periods
    GROUP BY area, force, period_type, period
),
exposure AS (
    SELECT
        p.area, p.period_type, p.period, pop.ethnicity, pop.census,
        SUM(p.months_covered) AS force_months_covered,
        COUNT(pop.population) AS counted_forces,
        SUM(CASE WHEN p.months_covered > 0 THEN pop.population ELSE 0 END) AS population,
        SUM(pop.population * p.months_covered) AS population_months
    FROM periods p
    JOIN population pop ON p.force = pop.force AND p.area = pop.area
    GROUP BY p.area, p.period_type, p.period, pop.ethnicity, pop.census
),
base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        CAST(search_group AS VARCHAR) AS search_group,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        n
    FROM (
        SELECT force, month, place, search_group, ethnicity, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, search_group, ethnicity
    ) AS grouped
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.search_group, b.ethnicity, SUM(b.n) AS searches
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.search_group, b.ethnicity
),
counts_all_groups AS (
    SELECT area, period_type, period, search_group, ethnicity, searches FROM counts
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, ethnicity, SUM(searches) AS searches
    FROM counts
    GROUP BY area, period_type, period, ethnicity
),
counts_full AS (
    SELECT area, period_type, period, search_group, ethnicity, searches FROM counts_all_groups
    UNION ALL
    SELECT area, period_type, period, search_group, 'All' AS ethnicity, SUM(searches) AS searches
    FROM counts_all_groups
    GROUP BY area, period_type, period, search_group
),
groups_seen AS (
    SELECT DISTINCT search_group FROM counts_all_groups
)
SELECT
    e.area, e.period_type, e.period, g.search_group, e.ethnicity, e.census,
    COALESCE(c.searches, 0) AS searches,
    CASE WHEN e.counted_forces > 0 THEN e.population END AS population,
    e.force_months_covered,
    CASE WHEN e.counted_forces > 0 THEN CAST(e.population_months AS DOUBLE) / 12.0 END AS exposure
FROM exposure e
CROSS JOIN groups_seen g
LEFT JOIN counts_full c
    ON c.area = e.area AND c.period_type = e.period_type AND c.period = e.period
    AND c.search_group = g.search_group AND c.ethnicity = e.ethnicity
WHERE e.force_months_covered > 0
