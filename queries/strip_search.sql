-- Strip searches: the share of each self-defined group's searches that involved removal of
-- more than outer clothing, against the reference group's. Counted only in force-months that
-- record the field (the Met leaves it empty throughout); there, searches with the field empty
-- are left out too. `excluded` says how many searches were left out.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column n: Searches with removal of more than outer clothing.
-- column total: Searches where the field was recorded, in force-months that record it.
-- column excluded: Searches left out (field not recorded).
-- column reference_n: n for the reference group.
-- column reference_total: total for the reference group.
WITH base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        strip_search,
        strip_recorded,
        n
    FROM (
        SELECT force, month, place, ethnicity, strip_search, strip_recorded, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, ethnicity, strip_search, strip_recorded
    ) AS grouped
),
scored AS (
    SELECT
        b.force, b.month, b.place, b.ethnicity, SUM(b.n) AS all_n,
        SUM(CASE WHEN b.strip_recorded AND b.strip_search = TRUE THEN b.n ELSE 0 END) AS n,
        SUM(CASE WHEN b.strip_recorded AND b.strip_search IS NOT NULL THEN b.n ELSE 0 END)
            AS total
    FROM base b
    GROUP BY b.force, b.month, b.place, b.ethnicity
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, s.ethnicity,
           SUM(s.all_n) AS all_n, SUM(s.n) AS n, SUM(s.total) AS total
    FROM scored s
    JOIN _area_periods ap ON s.force = ap.force AND s.month = ap.month AND s.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, s.ethnicity
),
full_counts AS (
    SELECT area, period_type, period, ethnicity, all_n, n, total FROM counts
    UNION ALL
    SELECT area, period_type, period, 'All' AS ethnicity, SUM(all_n) AS all_n, SUM(n) AS n,
           SUM(total) AS total
    FROM counts
    GROUP BY area, period_type, period
),
reference AS (
    SELECT area, period_type, period, n, total
    FROM full_counts
    WHERE ethnicity = :reference
)
SELECT
    c.area, c.period_type, c.period, c.ethnicity, c.n, c.total, c.all_n - c.total AS excluded,
    r.n AS reference_n, r.total AS reference_total
FROM full_counts c
LEFT JOIN reference r
    ON r.area = c.area AND r.period_type = c.period_type AND r.period = c.period
