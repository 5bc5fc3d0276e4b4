-- Does what the officer wrote add to the chance of a find? For searches with grounds text (from
-- force or FOI extracts; empty without --mapping), the find rate by grounds category and
-- self-defined ethnic group, against the reference group's: the question HMICFRS asked of the
-- smell of cannabis. Categories are those of queries/grounds.toml (a search counts under each
-- category its text mentions), plus `smell_only`, `smell_with_other_grounds`, `no_smell` and
-- `any_grounds` (every search with grounds text). Two measures, as in `find_rates`:
-- `outcome_linked`, the outcome was linked to the object of search, counted only in
-- force-months that record that field (there a search with no further action and the field
-- empty counts as not linked); and `outcome_other_than_nfa`, any outcome other than no further
-- action, over searches whose outcome was recorded. Compare categories within a group before
-- comparing groups: a lower find rate can point to weaker grounds, but groups can differ for
-- other reasons too.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2023-04`, `2023/24` or `2023`.
-- column search_group: What the search was for (object of search), or `all`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column category: Grounds category, or `smell_only`, `smell_with_other_grounds`, `no_smell`,
-- `any_grounds`.
-- column measure: `outcome_linked` or `outcome_other_than_nfa`.
-- column n: Searches that found something, by the measure.
-- column total: Searches the measure counts.
-- column excluded: Searches left out (field not recorded, or outcome empty).
-- column reference_n: n for the reference group.
-- column reference_total: total for the reference group.
WITH scored AS (
    SELECT
        g.force, g.month, g.place, g.search_group, g.ethnicity, g.category,
        SUM(g.n) AS all_n,
        SUM(CASE WHEN g.linked_recorded AND g.outcome_linked = TRUE THEN g.n ELSE 0 END)
            AS linked_n,
        SUM(CASE
            WHEN g.linked_recorded
                AND (g.outcome_linked IS NOT NULL OR g.outcome_class = 'no_further_action')
                THEN g.n
            ELSE 0
        END) AS linked_total,
        SUM(CASE WHEN g.outcome_class NOT IN ('no_further_action', 'unknown') THEN g.n ELSE 0 END)
            AS action_n,
        SUM(CASE WHEN g.outcome_class <> 'unknown' THEN g.n ELSE 0 END) AS action_total
    FROM _grounds_cube g
    GROUP BY g.force, g.month, g.place, g.search_group, g.ethnicity, g.category
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, s.search_group, s.ethnicity, s.category,
           SUM(s.all_n) AS all_n, SUM(s.linked_n) AS linked_n,
           SUM(s.linked_total) AS linked_total, SUM(s.action_n) AS action_n,
           SUM(s.action_total) AS action_total
    FROM scored s
    JOIN _area_periods ap ON s.force = ap.force AND s.month = ap.month AND s.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, s.search_group, s.ethnicity, s.category
),
all_groups AS (
    SELECT area, period_type, period, search_group, ethnicity, category, all_n, linked_n,
           linked_total, action_n, action_total
    FROM counts
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, ethnicity, category,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM counts
    GROUP BY area, period_type, period, ethnicity, category
),
full_counts AS (
    SELECT area, period_type, period, search_group, ethnicity, category, all_n, linked_n,
           linked_total, action_n, action_total
    FROM all_groups
    UNION ALL
    SELECT area, period_type, period, search_group, 'All' AS ethnicity, category,
           SUM(all_n) AS all_n, SUM(linked_n) AS linked_n, SUM(linked_total) AS linked_total,
           SUM(action_n) AS action_n, SUM(action_total) AS action_total
    FROM all_groups
    GROUP BY area, period_type, period, search_group, category
),
measures AS (
    SELECT area, period_type, period, search_group, ethnicity, category,
           'outcome_linked' AS measure,
           linked_n AS n, linked_total AS total, all_n - linked_total AS excluded
    FROM full_counts
    UNION ALL
    SELECT area, period_type, period, search_group, ethnicity, category,
           'outcome_other_than_nfa' AS measure,
           action_n AS n, action_total AS total, all_n - action_total AS excluded
    FROM full_counts
),
reference AS (
    SELECT area, period_type, period, search_group, category, measure, n, total
    FROM measures
    WHERE ethnicity = :reference
)
SELECT
    m.area, m.period_type, m.period, m.search_group, m.ethnicity, m.category, m.measure,
    m.n, m.total, m.excluded,
    r.n AS reference_n, r.total AS reference_total
FROM measures m
LEFT JOIN reference r
    ON r.area = m.area AND r.period_type = m.period_type AND r.period = m.period
    AND r.search_group = m.search_group AND r.category = m.category
    AND r.measure = m.measure
