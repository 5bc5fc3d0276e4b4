-- The outcome test: the share of searches that found what they were looking for, by
-- self-defined ethnic group and what the search was for, against the reference group's. Two
-- measures. `outcome_linked`: the outcome was linked to the object of search, counted only in
-- force-months that record that field (the Met leaves it empty throughout); there, a search
-- with no further action and the field empty counts as not linked (some forces leave it empty
-- exactly when nothing was found), and any other empty field is left out. `outcome_other_than_nfa`:
-- any outcome other than no further action, counted over searches whose outcome was recorded
-- (an empty outcome is not "nothing found"). `excluded` says how many searches each measure
-- left out. A lower find rate for one group can point to weaker grounds for searching it, but
-- groups can differ for other reasons (infra-marginality): read it beside the rate ratios.
-- Find rates are also given by the power searched under (`power`, for all search groups
-- together).
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column search_group: What the search was for (object of search), or `all`.
-- column power: The power searched under (as in the searches table), `suspicion_required`,
--   `no_suspicion_required` (section 60 and s47A together), or `all`. A power's rows have
--   search_group `all` and exist for an area and period only if the area searched under it
--   then (financial and calendar years only); `unknown` (legislation empty) is in neither
--   combined group.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column measure: `outcome_linked` or `outcome_other_than_nfa`.
-- column n: Searches that found something, by the measure.
-- column total: Searches the measure counts.
-- column excluded: Searches left out (field not recorded, or outcome empty).
-- column reference_n: n for the reference group; null where the reference group had no search
--   in the area and period (under the power, on a power's rows).
-- column reference_total: total for the reference group (null likewise).
-- column no_suspicion_power: True for the rows of powers that need no suspicion
--   (`cjpo_s60`, `terrorism_s47a`, `no_suspicion_required`), searches made inside an
--   authorisation limited to a place and a time rather than on grounds about the person.
WITH base AS (
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
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        outcome_linked,
        linked_recorded,
        n
    FROM (
        SELECT force, month, place, search_group, power, suspicion_required, ethnicity,
               outcome_class, outcome_linked, linked_recorded, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, search_group, power, suspicion_required, ethnicity,
                 outcome_class, outcome_linked, linked_recorded
    ) AS grouped
),
scored AS (
    -- Collapse to one row per force, month, place, search group, power and ethnicity before
    -- the rows are repeated for each area and period. Whether a force-month records the field
    -- comes with each count (`linked_recorded`).
    SELECT
        b.force, b.month, b.place, b.search_group, b.power, b.suspicion, b.ethnicity,
        SUM(b.n) AS all_n,
        SUM(CASE WHEN b.linked_recorded AND b.outcome_linked = TRUE THEN b.n ELSE 0 END)
            AS linked_n,
        SUM(CASE
            WHEN b.linked_recorded
                AND (b.outcome_linked IS NOT NULL OR b.outcome_class = 'no_further_action')
                THEN b.n
            ELSE 0
        END) AS linked_total,
        SUM(CASE WHEN b.outcome_class NOT IN ('no_further_action', 'unknown') THEN b.n ELSE 0 END)
            AS action_n,
        SUM(CASE WHEN b.outcome_class <> 'unknown' THEN b.n ELSE 0 END) AS action_total
    FROM base b
    GROUP BY b.force, b.month, b.place, b.search_group, b.power, b.suspicion, b.ethnicity
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, s.search_group, s.power, s.suspicion,
           s.ethnicity,
           SUM(s.all_n) AS all_n, SUM(s.linked_n) AS linked_n,
           SUM(s.linked_total) AS linked_total, SUM(s.action_n) AS action_n,
           SUM(s.action_total) AS action_total
    FROM scored s
    JOIN _area_periods ap ON s.force = ap.force AND s.month = ap.month AND s.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, s.search_group, s.power, s.suspicion,
             s.ethnicity
),
-- Every search group over all powers, then each power and the two combined groups for all
-- search groups together.
all_groups AS (
    SELECT area, period_type, period, search_group, 'all' AS power, ethnicity,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM counts
    GROUP BY area, period_type, period, search_group, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, 'all' AS power, ethnicity,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM counts
    GROUP BY area, period_type, period, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, power, ethnicity,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM counts
    WHERE period_type <> 'month'
    GROUP BY area, period_type, period, power, ethnicity
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, suspicion AS power, ethnicity,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM counts
    WHERE suspicion IS NOT NULL AND period_type <> 'month'
    GROUP BY area, period_type, period, suspicion, ethnicity
),
full_counts AS (
    SELECT area, period_type, period, search_group, power, ethnicity, all_n, linked_n,
           linked_total, action_n, action_total
    FROM all_groups
    UNION ALL
    SELECT area, period_type, period, search_group, power, 'All' AS ethnicity,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM all_groups
    GROUP BY area, period_type, period, search_group, power
),
measures AS (
    SELECT area, period_type, period, search_group, power, ethnicity,
           'outcome_linked' AS measure,
           linked_n AS n, linked_total AS total, all_n - linked_total AS excluded
    FROM full_counts
    UNION ALL
    SELECT area, period_type, period, search_group, power, ethnicity,
           'outcome_other_than_nfa' AS measure,
           action_n AS n, action_total AS total, all_n - action_total AS excluded
    FROM full_counts
),
reference AS (
    SELECT area, period_type, period, search_group, power, measure, n, total
    FROM measures
    WHERE ethnicity = :reference
)
SELECT
    m.area, m.period_type, m.period, m.search_group, m.power, m.ethnicity, m.measure,
    m.n, m.total, m.excluded,
    r.n AS reference_n, r.total AS reference_total,
    m.power IN ('cjpo_s60', 'terrorism_s47a', 'no_suspicion_required') AS no_suspicion_power
FROM measures m
LEFT JOIN reference r
    ON r.area = m.area AND r.period_type = m.period_type AND r.period = m.period
    AND r.search_group = m.search_group AND r.power = m.power AND r.measure = m.measure
