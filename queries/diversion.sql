-- The diversion gap: of the searches that ended in a disposal, how many were diverted from
-- court (an out-of-court disposal: cannabis or khat warning, penalty notice, community
-- resolution or caution) rather than arrested or summonsed/charged, by self-defined ethnic
-- group, age range and what the search was for (`drugs` answers "when drugs were found, were
-- Black people arrested where White people got a warning?"; `all` is every search). `n` is
-- the diverted, `total` the diverted plus the arrested and summonsed; the share diverted is
-- set against the reference group's of the same age range and search group. Every outcome
-- class is counted too, so the escalation (warning, then penalty notice, then arrest) can be
-- read: no further action, `other` (an article found with no disposal recorded) and unknown
-- (empty) are outside the share and add up with it to `searches`.
-- Counted by financial and calendar year; an area and period with no age range on any search
-- has only `all` rows (see `age_recorded`). A search group and age range with no searches in
-- the area and period has no rows; within one that has, every group seen in the run has a row.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code; see `area_type`.
-- column period_type: `financial_year` or `calendar_year`.
-- column period: `2022/23` or `2022`.
-- column search_group: What the search was for (`drugs`, `weapons`, ...), or `all`.
-- column age_range: `under 10`, `10-17`, `18-24`, `25-34`, `over 34`, `Missing` or `all`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column searches: All searches of the group, age range and search group.
-- column no_further_action: Searches ending in no further action.
-- column cannabis_or_khat_warning: Ending in a cannabis or khat warning.
-- column penalty_notice: Ending in a penalty notice for disorder.
-- column community_resolution: Ending in a community resolution.
-- column caution: Ending in a caution (simple or conditional).
-- column arrest: Ending in arrest.
-- column summons_or_charge: Ending in a summons or charge by post.
-- column other_outcome: `Article found - Detailed outcome unavailable`: something found, no
--   disposal recorded; outside the share.
-- column unknown_outcome: Outcome left empty; outside the share.
-- column n: Diverted: the four out-of-court disposals.
-- column total: Disposals: diverted plus arrest plus summons or charge.
-- column reference_n: Diverted searches of the reference group (same age range and search
--   group).
-- column reference_total: Disposals of the reference group.
-- column age_recorded: Whether any search of the area and period has an age range.
WITH pivoted AS (
    -- Outcome classes into columns, and sex summed away, before the counts are repeated for
    -- each area and period.
    SELECT
        force, month, place, search_group, age_range, ethnicity,
        SUM(n) AS searches,
        SUM(CASE WHEN outcome_class = 'no_further_action' THEN n ELSE 0 END)
            AS no_further_action,
        SUM(CASE WHEN outcome_class = 'cannabis_or_khat_warning' THEN n ELSE 0 END)
            AS cannabis_or_khat_warning,
        SUM(CASE WHEN outcome_class = 'penalty_notice' THEN n ELSE 0 END) AS penalty_notice,
        SUM(CASE WHEN outcome_class = 'community_resolution' THEN n ELSE 0 END)
            AS community_resolution,
        SUM(CASE WHEN outcome_class = 'caution' THEN n ELSE 0 END) AS caution,
        SUM(CASE WHEN outcome_class = 'arrest' THEN n ELSE 0 END) AS arrest,
        SUM(CASE WHEN outcome_class = 'summons_or_charge' THEN n ELSE 0 END)
            AS summons_or_charge,
        SUM(CASE WHEN outcome_class = 'other' THEN n ELSE 0 END) AS other_outcome,
        SUM(CASE WHEN outcome_class = 'unknown' THEN n ELSE 0 END) AS unknown_outcome
    FROM _age_cube
    GROUP BY force, month, place, search_group, age_range, ethnicity
),
counts AS (
    SELECT
        ap.area, ap.period_type, ap.period, c.search_group, c.age_range, c.ethnicity,
        SUM(c.searches) AS searches, SUM(c.no_further_action) AS no_further_action,
        SUM(c.cannabis_or_khat_warning) AS cannabis_or_khat_warning,
        SUM(c.penalty_notice) AS penalty_notice,
        SUM(c.community_resolution) AS community_resolution, SUM(c.caution) AS caution,
        SUM(c.arrest) AS arrest, SUM(c.summons_or_charge) AS summons_or_charge,
        SUM(c.other_outcome) AS other_outcome, SUM(c.unknown_outcome) AS unknown_outcome
    FROM pivoted c
    JOIN _area_periods ap ON c.force = ap.force AND c.month = ap.month AND c.place = ap.place
    WHERE ap.period_type <> 'month'
    GROUP BY ap.area, ap.period_type, ap.period, c.search_group, c.age_range, c.ethnicity
),
by_group AS (
    SELECT * FROM counts
    UNION ALL
    SELECT
        area, period_type, period, 'all' AS search_group, age_range, ethnicity,
        SUM(searches) AS searches, SUM(no_further_action) AS no_further_action,
        SUM(cannabis_or_khat_warning) AS cannabis_or_khat_warning,
        SUM(penalty_notice) AS penalty_notice, SUM(community_resolution) AS community_resolution,
        SUM(caution) AS caution, SUM(arrest) AS arrest, SUM(summons_or_charge) AS summons_or_charge,
        SUM(other_outcome) AS other_outcome, SUM(unknown_outcome) AS unknown_outcome
    FROM counts
    GROUP BY area, period_type, period, age_range, ethnicity
),
by_age AS (
    SELECT * FROM by_group
    UNION ALL
    SELECT
        area, period_type, period, search_group, 'all' AS age_range, ethnicity,
        SUM(searches) AS searches, SUM(no_further_action) AS no_further_action,
        SUM(cannabis_or_khat_warning) AS cannabis_or_khat_warning,
        SUM(penalty_notice) AS penalty_notice, SUM(community_resolution) AS community_resolution,
        SUM(caution) AS caution, SUM(arrest) AS arrest, SUM(summons_or_charge) AS summons_or_charge,
        SUM(other_outcome) AS other_outcome, SUM(unknown_outcome) AS unknown_outcome
    FROM by_group
    GROUP BY area, period_type, period, search_group, ethnicity
),
by_ethnicity AS (
    SELECT * FROM by_age
    UNION ALL
    SELECT
        area, period_type, period, search_group, age_range, 'All' AS ethnicity,
        SUM(searches) AS searches, SUM(no_further_action) AS no_further_action,
        SUM(cannabis_or_khat_warning) AS cannabis_or_khat_warning,
        SUM(penalty_notice) AS penalty_notice, SUM(community_resolution) AS community_resolution,
        SUM(caution) AS caution, SUM(arrest) AS arrest, SUM(summons_or_charge) AS summons_or_charge,
        SUM(other_outcome) AS other_outcome, SUM(unknown_outcome) AS unknown_outcome
    FROM by_age
    GROUP BY area, period_type, period, search_group, age_range
),
recorded AS (
    SELECT
        area, period_type, period,
        SUM(CASE WHEN age_range <> 'Missing' THEN searches ELSE 0 END) > 0 AS age_recorded
    FROM counts
    GROUP BY area, period_type, period
),
cells AS (
    SELECT DISTINCT area, period_type, period, search_group, age_range FROM by_ethnicity
),
groups_seen AS (
    SELECT DISTINCT ethnicity FROM by_ethnicity
),
filled AS (
    SELECT
        k.area, k.period_type, k.period, k.search_group, k.age_range, g.ethnicity,
        COALESCE(b.searches, 0) AS searches,
        COALESCE(b.no_further_action, 0) AS no_further_action,
        COALESCE(b.cannabis_or_khat_warning, 0) AS cannabis_or_khat_warning,
        COALESCE(b.penalty_notice, 0) AS penalty_notice,
        COALESCE(b.community_resolution, 0) AS community_resolution,
        COALESCE(b.caution, 0) AS caution,
        COALESCE(b.arrest, 0) AS arrest,
        COALESCE(b.summons_or_charge, 0) AS summons_or_charge,
        COALESCE(b.other_outcome, 0) AS other_outcome,
        COALESCE(b.unknown_outcome, 0) AS unknown_outcome
    FROM cells k
    CROSS JOIN groups_seen g
    LEFT JOIN by_ethnicity b
        ON b.area = k.area AND b.period_type = k.period_type AND b.period = k.period
        AND b.search_group = k.search_group AND b.age_range = k.age_range
        AND b.ethnicity = g.ethnicity
),
shared AS (
    SELECT
        *,
        cannabis_or_khat_warning + penalty_notice + community_resolution + caution AS n,
        cannabis_or_khat_warning + penalty_notice + community_resolution + caution + arrest
            + summons_or_charge AS total
    FROM filled
),
reference AS (
    SELECT area, period_type, period, search_group, age_range, n, total
    FROM shared
    WHERE ethnicity = :reference
)
SELECT
    s.area, s.period_type, s.period, s.search_group, s.age_range, s.ethnicity, s.searches,
    s.no_further_action, s.cannabis_or_khat_warning, s.penalty_notice, s.community_resolution,
    s.caution, s.arrest, s.summons_or_charge, s.other_outcome, s.unknown_outcome, s.n, s.total,
    r.n AS reference_n, r.total AS reference_total, rc.age_recorded
FROM shared s
JOIN recorded rc
    ON s.area = rc.area AND s.period_type = rc.period_type AND s.period = rc.period
LEFT JOIN reference r
    ON s.area = r.area AND s.period_type = r.period_type AND s.period = r.period
    AND s.search_group = r.search_group AND s.age_range = r.age_range
WHERE rc.age_recorded OR s.age_range = 'all'
