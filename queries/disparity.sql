-- Rate ratios: each self-defined group's searches per 1,000 residents divided by the
-- reference group's (White unless --reference says otherwise), by area, period and what the
-- search was for, with the counts and exposures behind both arms. Alongside: the share of the
-- area's searches whose ethnicity was not stated or missing, the ratio if all or none of those
-- searches had been of the group, and the ratio counting officer-defined ethnicity where
-- self-defined ethnicity is not stated. This is a ratio of search rates per 1,000 residents,
-- not a probability, and says nothing about guilt. Ratios are also given by the power
-- searched under (`power`, for all search groups together), over the same exposures as the
-- area's.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column search_group: What the search was for (object of search), or `all`.
-- column power: The power searched under (as in the searches table), `suspicion_required`,
--   `no_suspicion_required` (section 60 and s47A together), or `all`; rows of a power have
--   search_group `all` and exist only where the rates table has them (the area searched under
--   the power in the period), by financial and calendar year only. See the rates table.
-- column ethnicity: The group compared: `Asian`, `Black`, `Mixed`, `White` or `Other`.
-- column reference_ethnicity: The reference group.
-- column census: Census the populations come from.
-- column searches: Searches of people of the group.
-- column exposure: Person-years of the group (population x months covered / 12).
-- column reference_searches: Searches of people of the reference group.
-- column reference_exposure: Person-years of the reference group.
-- column all_searches: All searches in the area and period (every ethnicity, and none).
-- column not_stated_searches: Searches of people whose self-defined ethnicity was not stated
--   or left empty. Vehicle-only searches are not counted: they have no person to describe (as
--   the Home Office leaves them out of its counts); see vehicle_only_searches.
-- column vehicle_only_searches: Vehicle searches with no person searched, in all_searches but
--   in no group and not in not_stated_searches.
-- column officer_fallback_searches: Searches of the group counting the officer-defined
--   ethnicity where self-defined ethnicity is not stated or empty.
-- column officer_fallback_reference_searches: The same for the reference group.
-- column home_office_differs: For a force (or England and Wales) and financial year given in
--   --home-office: true when the data.police.uk count of the group or of the reference group
--   differs from the Home Office's published count by more than the limit (see the
--   reconciliation table), so the ratio rests on files the official figures do not match;
--   false when both agree; null where there is no published count to compare or the year is
--   not covered in full.
-- column no_suspicion_power: True for the rows of powers that need no suspicion
--   (`cjpo_s60`, `terrorism_s47a`, `no_suspicion_required`). Those searches are made inside an
--   authorisation limited to a place and a time, so the residents of the whole area are an
--   especially poor denominator for them: a ratio of these rows compares who was searched
--   under the authorisations, not each group's chance of being searched.
WITH fallback_base AS (
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
        CASE
            WHEN CAST(ethnicity AS VARCHAR) IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
                THEN CAST(ethnicity AS VARCHAR)
            ELSE CAST(officer_defined_ethnicity AS VARCHAR)
        END AS fallback_ethnicity,
        CASE
            WHEN vehicle_only THEN 0
            WHEN CAST(ethnicity AS VARCHAR) IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
                THEN 0
            ELSE n
        END AS unknown_person,
        CASE WHEN vehicle_only THEN n ELSE 0 END AS vehicle,
        n
    FROM (
        SELECT force, month, place, search_group, power, suspicion_required, ethnicity,
               officer_defined_ethnicity, vehicle_only, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, search_group, power, suspicion_required, ethnicity,
                 officer_defined_ethnicity, vehicle_only
    ) AS grouped
),
fallback_months AS (
    SELECT force, month, place, search_group, power, suspicion, fallback_ethnicity,
           SUM(n) AS n, SUM(unknown_person) AS unknown_person, SUM(vehicle) AS vehicle
    FROM fallback_base
    GROUP BY force, month, place, search_group, power, suspicion, fallback_ethnicity
),
fallback_counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.search_group, b.power, b.suspicion,
           b.fallback_ethnicity, SUM(b.n) AS searches, SUM(b.unknown_person) AS unknown_person,
           SUM(b.vehicle) AS vehicle
    FROM fallback_months b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.search_group, b.power, b.suspicion,
             b.fallback_ethnicity
),
-- As in rates: every search group over all powers, then each power and the two combined
-- groups for all search groups together.
fallback AS (
    SELECT area, period_type, period, search_group, 'all' AS power, fallback_ethnicity,
           SUM(searches) AS searches, SUM(unknown_person) AS unknown_person,
           SUM(vehicle) AS vehicle
    FROM fallback_counts
    GROUP BY area, period_type, period, search_group, fallback_ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, 'all' AS power,
           fallback_ethnicity, SUM(searches) AS searches, SUM(unknown_person) AS unknown_person,
           SUM(vehicle) AS vehicle
    FROM fallback_counts
    GROUP BY area, period_type, period, fallback_ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, power, fallback_ethnicity,
           SUM(searches) AS searches, SUM(unknown_person) AS unknown_person,
           SUM(vehicle) AS vehicle
    FROM fallback_counts
    WHERE period_type <> 'month'
    GROUP BY area, period_type, period, power, fallback_ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, suspicion AS power,
           fallback_ethnicity, SUM(searches) AS searches, SUM(unknown_person) AS unknown_person,
           SUM(vehicle) AS vehicle
    FROM fallback_counts
    WHERE suspicion IS NOT NULL AND period_type <> 'month'
    GROUP BY area, period_type, period, suspicion, fallback_ethnicity
),
fallback_reference AS (
    SELECT area, period_type, period, search_group, power, searches
    FROM fallback
    WHERE fallback_ethnicity = :reference
),
groups AS (
    SELECT area, period_type, period, search_group, power, ethnicity, census, searches,
           exposure
    FROM rates
    WHERE ethnicity IN ('Asian', 'Black', 'Mixed', 'White', 'Other') AND ethnicity <> :reference
),
reference AS (
    SELECT area, period_type, period, search_group, power, ethnicity, searches, exposure
    FROM rates
    WHERE ethnicity = :reference
),
everyone AS (
    SELECT area, period_type, period, search_group, power, searches
    FROM rates
    WHERE ethnicity = 'All'
),
published AS (
    SELECT area, financial_year AS period, ethnicity, differs
    FROM reconciliation
    WHERE power = 'all'
),
unknown AS (
    SELECT area, period_type, period, search_group, power,
           SUM(unknown_person) AS searches, SUM(vehicle) AS vehicle
    FROM fallback
    GROUP BY area, period_type, period, search_group, power
)
SELECT
    g.area, g.period_type, g.period, g.search_group, g.power, g.ethnicity,
    r.ethnicity AS reference_ethnicity, g.census,
    g.searches, g.exposure,
    r.searches AS reference_searches, r.exposure AS reference_exposure,
    a.searches AS all_searches,
    COALESCE(u.searches, 0) AS not_stated_searches,
    COALESCE(u.vehicle, 0) AS vehicle_only_searches,
    COALESCE(f.searches, 0) AS officer_fallback_searches,
    COALESCE(fr.searches, 0) AS officer_fallback_reference_searches,
    CASE WHEN g.power = 'all' THEN hg.differs OR hr.differs END AS home_office_differs,
    g.power IN ('cjpo_s60', 'terrorism_s47a', 'no_suspicion_required') AS no_suspicion_power
FROM groups g
JOIN reference r
    ON r.area = g.area AND r.period_type = g.period_type AND r.period = g.period
    AND r.search_group = g.search_group AND r.power = g.power
JOIN everyone a
    ON a.area = g.area AND a.period_type = g.period_type AND a.period = g.period
    AND a.search_group = g.search_group AND a.power = g.power
LEFT JOIN unknown u
    ON u.area = g.area AND u.period_type = g.period_type AND u.period = g.period
    AND u.search_group = g.search_group AND u.power = g.power
LEFT JOIN fallback f
    ON f.area = g.area AND f.period_type = g.period_type AND f.period = g.period
    AND f.search_group = g.search_group AND f.power = g.power
    AND f.fallback_ethnicity = g.ethnicity
LEFT JOIN fallback_reference fr
    ON fr.area = g.area AND fr.period_type = g.period_type AND fr.period = g.period
    AND fr.search_group = g.search_group AND fr.power = g.power
LEFT JOIN published hg
    ON hg.area = g.area AND hg.period = g.period AND hg.ethnicity = g.ethnicity
LEFT JOIN published hr
    ON hr.area = g.area AND hr.period = g.period AND hr.ethnicity = r.ethnicity
