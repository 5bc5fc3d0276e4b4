-- Rate ratios: each self-defined group's searches per 1,000 residents divided by the
-- reference group's (White unless --reference says otherwise), by area, period and what the
-- search was for, with the counts and exposures behind both arms. Alongside: the share of the
-- area's searches whose ethnicity was not stated or missing, the ratio if all or none of those
-- searches had been of the group, and the ratio counting officer-defined ethnicity where
-- self-defined ethnicity is not stated. This is a ratio of search rates per 1,000 residents,
-- not a probability, and says nothing about guilt.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column search_group: What the search was for (object of search), or `all`.
-- column ethnicity: The group compared: `Asian`, `Black`, `Mixed`, `White` or `Other`.
-- column reference_ethnicity: The reference group.
-- column census: Census the populations come from.
-- column searches: Searches of people of the group.
-- column exposure: Person-years of the group (population x months covered / 12).
-- column reference_searches: Searches of people of the reference group.
-- column reference_exposure: Person-years of the reference group.
-- column all_searches: All searches in the area and period (every ethnicity, and none).
-- column not_stated_searches: Searches whose self-defined ethnicity was not stated or left
--   empty (including vehicle-only searches).
-- column officer_fallback_searches: Searches of the group counting the officer-defined
--   ethnicity where self-defined ethnicity is not stated or empty.
-- column officer_fallback_reference_searches: The same for the reference group.
WITH fallback_base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        CAST(search_group AS VARCHAR) AS search_group,
        CASE
            WHEN CAST(ethnicity AS VARCHAR) IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
                THEN CAST(ethnicity AS VARCHAR)
            ELSE CAST(officer_defined_ethnicity AS VARCHAR)
        END AS fallback_ethnicity,
        n
    FROM (
        SELECT force, month, place, search_group, ethnicity, officer_defined_ethnicity, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, search_group, ethnicity, officer_defined_ethnicity
    ) AS grouped
),
fallback_months AS (
    SELECT force, month, place, search_group, fallback_ethnicity, SUM(n) AS n
    FROM fallback_base
    GROUP BY force, month, place, search_group, fallback_ethnicity
),
fallback_counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.search_group, b.fallback_ethnicity,
           SUM(b.n) AS searches
    FROM fallback_months b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.search_group, b.fallback_ethnicity
),
fallback AS (
    SELECT area, period_type, period, search_group, fallback_ethnicity, searches
    FROM fallback_counts
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, fallback_ethnicity,
           SUM(searches) AS searches
    FROM fallback_counts
    GROUP BY area, period_type, period, fallback_ethnicity
),
fallback_reference AS (
    SELECT area, period_type, period, search_group, searches
    FROM fallback
    WHERE fallback_ethnicity = :reference
),
groups AS (
    SELECT area, period_type, period, search_group, ethnicity, census, searches, exposure
    FROM rates
    WHERE ethnicity IN ('Asian', 'Black', 'Mixed', 'White', 'Other') AND ethnicity <> :reference
),
reference AS (
    SELECT area, period_type, period, search_group, ethnicity, searches, exposure
    FROM rates
    WHERE ethnicity = :reference
),
everyone AS (
    SELECT area, period_type, period, search_group, searches
    FROM rates
    WHERE ethnicity = 'All'
),
unknown AS (
    SELECT area, period_type, period, search_group, SUM(searches) AS searches
    FROM rates
    WHERE ethnicity IN ('Not stated', 'Missing')
    GROUP BY area, period_type, period, search_group
)
SELECT
    g.area, g.period_type, g.period, g.search_group, g.ethnicity,
    r.ethnicity AS reference_ethnicity, g.census,
    g.searches, g.exposure,
    r.searches AS reference_searches, r.exposure AS reference_exposure,
    a.searches AS all_searches,
    COALESCE(u.searches, 0) AS not_stated_searches,
    COALESCE(f.searches, 0) AS officer_fallback_searches,
    COALESCE(fr.searches, 0) AS officer_fallback_reference_searches
FROM groups g
JOIN reference r
    ON r.area = g.area AND r.period_type = g.period_type AND r.period = g.period
    AND r.search_group = g.search_group
JOIN everyone a
    ON a.area = g.area AND a.period_type = g.period_type AND a.period = g.period
    AND a.search_group = g.search_group
LEFT JOIN unknown u
    ON u.area = g.area AND u.period_type = g.period_type AND u.period = g.period
    AND u.search_group = g.search_group
LEFT JOIN fallback f
    ON f.area = g.area AND f.period_type = g.period_type AND f.period = g.period
    AND f.search_group = g.search_group AND f.fallback_ethnicity = g.ethnicity
LEFT JOIN fallback_reference fr
    ON fr.area = g.area AND fr.period_type = g.period_type AND fr.period = g.period
    AND fr.search_group = g.search_group
