-- What searches were for, by self-defined ethnic group: the number and share of each group's
-- searches for each object of search (`search_group`: drugs, weapons, stolen goods, ...), set
-- against the reference group's. This is the object of the search, what the officer said they
-- were looking for, NOT the grounds for suspicion: data.police.uk publishes no grounds (see the
-- `grounds` table for extracts that carry them). The `drugs` share is the "most searches are
-- for drugs" figure; a search group is drugs when the object of search is controlled drugs or
-- psychoactive substances, or, when the object is empty or generic, the power was section 23
-- of the Misuse of Drugs Act (see the README for the whole rule).
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column search_group: What the search was for (object of search), e.g. `drugs`.
-- column n: Searches of the group for this object.
-- column total: All searches of the group.
-- column reference_n: Searches of the reference group for this object.
-- column reference_total: All searches of the reference group.
WITH base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        CAST(search_group AS VARCHAR) AS search_group,
        n
    FROM (
        SELECT force, month, place, ethnicity, search_group, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, ethnicity, search_group
    ) AS grouped
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.ethnicity, b.search_group, SUM(b.n) AS n
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.ethnicity, b.search_group
),
everyone AS (
    SELECT area, period_type, period, ethnicity, search_group, n FROM counts
    UNION ALL
    SELECT area, period_type, period, 'All' AS ethnicity, search_group, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, search_group
),
totals AS (
    SELECT area, period_type, period, ethnicity, SUM(n) AS total
    FROM everyone
    GROUP BY area, period_type, period, ethnicity
),
groups AS (
    SELECT DISTINCT search_group FROM everyone
),
filled AS (
    SELECT t.area, t.period_type, t.period, t.ethnicity, g.search_group,
           COALESCE(e.n, 0) AS n, t.total
    FROM totals t
    CROSS JOIN groups g
    LEFT JOIN everyone e
        ON e.area = t.area AND e.period_type = t.period_type AND e.period = t.period
        AND e.ethnicity = t.ethnicity AND e.search_group = g.search_group
),
reference AS (
    SELECT area, period_type, period, search_group, n, total
    FROM filled
    WHERE ethnicity = :reference
)
SELECT
    f.area, f.period_type, f.period, f.ethnicity, f.search_group, f.n, f.total,
    r.n AS reference_n, r.total AS reference_total
FROM filled f
LEFT JOIN reference r
    ON r.area = f.area AND r.period_type = f.period_type AND r.period = f.period
    AND r.search_group = f.search_group
