-- Searches per 1,000 residents, by area, period, what the search was for and self-defined
-- ethnic group. Exposure is the resident population times the months a force published data
-- for, over 12: a month with no file is not a month of zero searches. England & Wales sums the
-- 43 territorial forces over the months each covered; British Transport Police, which has no
-- resident population, is counted under its own area only and left out of England & Wales. A
-- period in which an area has no covered month has no row. Rates count searches, not people:
-- a person searched twice counts twice. Searches are also broken down by the power searched
-- under (`power`), for all search groups together; a power's rows have the same exposure as
-- the area's, so they say how often residents were searched under it, not how often those
-- the power reached were.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` (April to March, the Home Office convention) or
--   `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column search_group: What the search was for, from the object of search (not the grounds,
--   which data.police.uk does not publish), or `all`.
-- column power: The power searched under (as in the searches table: `pace_s1`,
--   `misuse_of_drugs_s23`, `firearms_s47`, `cjpo_s60`, `terrorism_s47a`, `terrorism_s43`,
--   `psychoactive_substances`, `other`, `unknown`), `suspicion_required` (every power that
--   needs reasonable suspicion), `no_suspicion_required` (section 60 and s47A together), or
--   `all`. A power's rows (and the two combined groups') have search_group `all` only, and
--   exist for an area and period only if the area searched under it then: a force that never
--   used section 60 has no `cjpo_s60` rows, never zero rates. `unknown` (legislation empty) is
--   in neither combined group. Power rows are counted by financial and calendar year only:
--   a month of one power holds too few searches to read.
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
-- column no_suspicion_power: True for the rows of powers that need no suspicion
--   (`cjpo_s60`, `terrorism_s47a`, `no_suspicion_required`). Those searches are made inside an
--   authorisation limited to a place and a time, so the residents of the whole area are an
--   especially poor denominator for them: read a rate or ratio of these rows as who was
--   searched under the authorisations, not as each group's chance of being searched.
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
        CAST(power AS VARCHAR) AS power,
        CASE
            WHEN suspicion_required THEN 'suspicion_required'
            WHEN NOT suspicion_required THEN 'no_suspicion_required'
        END AS suspicion,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        n
    FROM (
        SELECT force, month, place, search_group, power, suspicion_required, ethnicity,
               SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, search_group, power, suspicion_required, ethnicity
    ) AS grouped
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.search_group, b.power, b.suspicion,
           b.ethnicity, SUM(b.n) AS searches
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.search_group, b.power, b.suspicion,
             b.ethnicity
),
-- Every search group over all powers, then (for all search groups together) each power and
-- the two combined groups.
counts_all_groups AS (
    SELECT area, period_type, period, search_group, 'all' AS power, ethnicity,
           SUM(searches) AS searches
    FROM counts
    GROUP BY area, period_type, period, search_group, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, 'all' AS power, ethnicity,
           SUM(searches) AS searches
    FROM counts
    GROUP BY area, period_type, period, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, power, ethnicity,
           SUM(searches) AS searches
    FROM counts
    WHERE period_type <> 'month'
    GROUP BY area, period_type, period, power, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, suspicion AS power, ethnicity,
           SUM(searches) AS searches
    FROM counts
    WHERE suspicion IS NOT NULL AND period_type <> 'month'
    GROUP BY area, period_type, period, suspicion, ethnicity
),
counts_full AS (
    SELECT area, period_type, period, search_group, power, ethnicity, searches
    FROM counts_all_groups
    UNION ALL
    SELECT area, period_type, period, search_group, power, 'All' AS ethnicity,
           SUM(searches) AS searches
    FROM counts_all_groups
    GROUP BY area, period_type, period, search_group, power
),
groups_seen AS (
    SELECT DISTINCT search_group FROM counts_all_groups WHERE power = 'all'
),
-- The rows each area and period gets: every search group seen in the run over all powers,
-- and each power (or combined group) the area searched under in the period.
combos AS (
    SELECT a.area, a.period_type, a.period, g.search_group, 'all' AS power
    FROM (SELECT DISTINCT area, period_type, period FROM exposure) AS a
    CROSS JOIN groups_seen g
    UNION ALL
    SELECT DISTINCT area, period_type, period, search_group, power
    FROM counts_all_groups
    WHERE power <> 'all' AND searches > 0
)
SELECT
    e.area, e.period_type, e.period, k.search_group, k.power, e.ethnicity, e.census,
    COALESCE(c.searches, 0) AS searches,
    CASE WHEN e.counted_forces > 0 THEN e.population END AS population,
    e.force_months_covered,
    CASE WHEN e.counted_forces > 0 THEN CAST(e.population_months AS DOUBLE) / 12.0 END AS exposure,
    k.power IN ('cjpo_s60', 'terrorism_s47a', 'no_suspicion_required') AS no_suspicion_power
FROM exposure e
JOIN combos k ON k.area = e.area AND k.period_type = e.period_type AND k.period = e.period
LEFT JOIN counts_full c
    ON c.area = e.area AND c.period_type = e.period_type AND c.period = e.period
    AND c.search_group = k.search_group AND c.power = k.power AND c.ethnicity = e.ethnicity
WHERE e.force_months_covered > 0
