-- Stated grounds for searches, by self-defined ethnic group, where a force or FOI extract
-- carries them (data.police.uk publishes no grounds, so without --mapping this table is
-- empty). For each category of the grounds classifier (rules in queries/grounds.toml), the
-- number and share of the group's searches whose grounds text mentions it; a text can mention
-- several, so the shares do not add up to one. `smell_only` counts searches whose only ground
-- is the smell of cannabis (the College of Policing position is that smell alone will not
-- normally justify a search) and `smell_with_other_grounds` those where smell came with
-- something else. Shares are of the group's searches that have grounds text, and each is set
-- against the reference group's share: `share_ratio` is how many times the reference group's
-- share it is. The shares describe what officers wrote, not whether the grounds were good.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2023-04`, `2023/24` or `2023`.
-- column search_group: What the search was for (object of search), or `all`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column category: Grounds category, `smell_only` or `smell_with_other_grounds`.
-- column n: Searches of the group whose grounds mention the category.
-- column total: Searches of the group with grounds text.
-- column reference_n: n for the reference group.
-- column reference_total: total for the reference group.
WITH counts AS (
    SELECT ap.area, ap.period_type, ap.period, g.search_group, g.ethnicity, g.category,
           SUM(g.n) AS n
    FROM _grounds_cube g
    JOIN _area_periods ap ON g.force = ap.force AND g.month = ap.month AND g.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, g.search_group, g.ethnicity, g.category
),
all_groups AS (
    SELECT area, period_type, period, search_group, ethnicity, category, n FROM counts
    UNION ALL
    SELECT area, period_type, period, 'all' AS search_group, ethnicity, category, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, ethnicity, category
),
everyone AS (
    SELECT area, period_type, period, search_group, ethnicity, category, n FROM all_groups
    UNION ALL
    SELECT area, period_type, period, search_group, 'All' AS ethnicity, category, SUM(n) AS n
    FROM all_groups
    GROUP BY area, period_type, period, search_group, category
),
totals AS (
    SELECT area, period_type, period, search_group, ethnicity, n AS total
    FROM everyone
    WHERE category = 'any_grounds'
),
categories AS (
    SELECT category FROM grounds_categories
    UNION ALL
    SELECT DISTINCT 'smell_only' AS category FROM grounds_categories
    UNION ALL
    SELECT DISTINCT 'smell_with_other_grounds' AS category FROM grounds_categories
),
filled AS (
    SELECT t.area, t.period_type, t.period, t.search_group, t.ethnicity, c.category,
           COALESCE(e.n, 0) AS n, t.total
    FROM totals t
    CROSS JOIN categories c
    LEFT JOIN everyone e
        ON e.area = t.area AND e.period_type = t.period_type AND e.period = t.period
        AND e.search_group = t.search_group AND e.ethnicity = t.ethnicity
        AND e.category = c.category
),
reference AS (
    SELECT area, period_type, period, search_group, category, n, total
    FROM filled
    WHERE ethnicity = :reference
)
SELECT
    f.area, f.period_type, f.period, f.search_group, f.ethnicity, f.category, f.n, f.total,
    r.n AS reference_n, r.total AS reference_total
FROM filled f
LEFT JOIN reference r
    ON r.area = f.area AND r.period_type = f.period_type AND r.period = f.period
    AND r.search_group = f.search_group AND r.category = f.category
