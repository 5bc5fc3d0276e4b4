-- How many of each force's searches have a location, and where the locations put them: the
-- searches that district (local authority) figures leave out. A district's figures count only
-- the searches its own force located in it (`in_force_area` and `nearest_within_200m`); where
-- that share is under 90%, the district's rows in every table carry `low_location_coverage`.
-- Without boundaries (`--boundaries`) every search is unplaced and only `located` is counted.
-- column force: data.police.uk force id.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column searches: Searches the force published in the period (a row for every period with at
--   least one month of data).
-- column located: Searches with a latitude and longitude.
-- column in_force_area: Located in a district of the force's own police force area.
-- column nearest_within_200m: Outside every district polygon (a river, the coast) and within
--   200 m of a district of the force's area, which they are given.
-- column other_force_area: In a district of another force's area (all of British Transport
--   Police's located searches).
-- column outside_boundaries: Further than 200 m from every district of England and Wales.
-- column in_districts: in_force_area + nearest_within_200m: the searches the force's district
--   figures count.
-- column located_share: located / searches; null with no searches.
-- column district_share: in_districts / searches; null with no searches or no boundaries.
-- column low_location_coverage: district_share under 0.9: the force's district figures in
--   this period leave out more than a tenth of its searches. Null without boundaries.
WITH counted AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        COUNT(*) AS searches,
        SUM(CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL THEN 1 ELSE 0 END)
            AS located,
        SUM(CASE WHEN CAST(location_status AS VARCHAR) = 'in_force_area' THEN 1 ELSE 0 END)
            AS in_force_area,
        SUM(CASE WHEN CAST(location_status AS VARCHAR) = 'nearest_within_200m' THEN 1 ELSE 0 END)
            AS nearest_within_200m,
        SUM(CASE WHEN CAST(location_status AS VARCHAR) = 'other_force_area' THEN 1 ELSE 0 END)
            AS other_force_area,
        SUM(CASE WHEN CAST(location_status AS VARCHAR) = 'outside_boundaries' THEN 1 ELSE 0 END)
            AS outside_boundaries,
        SUM(CASE WHEN location_status IS NOT NULL THEN 1 ELSE 0 END) AS placed
    FROM searches
    GROUP BY force, month
),
force_periods AS (
    SELECT DISTINCT force, month, period_type, period
    FROM _area_periods
    WHERE place = '*' AND area <> 'england-and-wales' AND covered = 1
),
summed AS (
    SELECT
        p.force, p.period_type, p.period,
        COALESCE(SUM(c.searches), 0) AS searches,
        COALESCE(SUM(c.located), 0) AS located,
        COALESCE(SUM(c.in_force_area), 0) AS in_force_area,
        COALESCE(SUM(c.nearest_within_200m), 0) AS nearest_within_200m,
        COALESCE(SUM(c.other_force_area), 0) AS other_force_area,
        COALESCE(SUM(c.outside_boundaries), 0) AS outside_boundaries,
        COALESCE(SUM(c.placed), 0) AS placed
    FROM force_periods p
    LEFT JOIN counted c ON c.force = p.force AND c.month = p.month
    GROUP BY p.force, p.period_type, p.period
)
SELECT
    force, period_type, period, searches, located, in_force_area, nearest_within_200m,
    other_force_area, outside_boundaries,
    in_force_area + nearest_within_200m AS in_districts,
    CASE WHEN searches > 0 THEN CAST(located AS DOUBLE) / searches END AS located_share,
    CASE
        WHEN searches > 0 AND placed = searches
            THEN CAST(in_force_area + nearest_within_200m AS DOUBLE) / searches
    END AS district_share,
    CASE
        WHEN placed < searches THEN NULL
        WHEN searches = 0 THEN FALSE
        ELSE CAST(in_force_area + nearest_within_200m AS DOUBLE) < 0.9 * searches
    END AS low_location_coverage
FROM summed
