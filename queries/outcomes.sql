-- What happened after searches, by self-defined ethnic group: the number and share of each
-- group's searches ending in each outcome class, with `out_of_court` adding up the disposals
-- that divert from court (cannabis or khat warning, penalty notice, community resolution,
-- caution) so diversion can be compared across groups, and each share set against the
-- reference group's. Shares are of all the group's searches; `unknown` (outcome left empty) is
-- a row of its own, so the classes other than out_of_court add up to the whole.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column outcome_class: Outcome class (see the searches table), or `out_of_court`.
-- column n: Searches of the group with this outcome.
-- column total: All searches of the group.
-- column reference_n: Searches of the reference group with this outcome.
-- column reference_total: All searches of the reference group.
WITH base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        n
    FROM (
        SELECT force, month, place, ethnicity, outcome_class, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, ethnicity, outcome_class
    ) AS grouped
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.ethnicity, b.outcome_class, SUM(b.n) AS n
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.ethnicity, b.outcome_class
),
everyone AS (
    SELECT area, period_type, period, ethnicity, outcome_class, n FROM counts
    UNION ALL
    SELECT area, period_type, period, 'All' AS ethnicity, outcome_class, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, outcome_class
),
with_out_of_court AS (
    SELECT area, period_type, period, ethnicity, outcome_class, n FROM everyone
    UNION ALL
    SELECT area, period_type, period, ethnicity, 'out_of_court' AS outcome_class, SUM(n) AS n
    FROM everyone
    WHERE outcome_class IN
        ('cannabis_or_khat_warning', 'penalty_notice', 'community_resolution', 'caution')
    GROUP BY area, period_type, period, ethnicity
),
totals AS (
    SELECT area, period_type, period, ethnicity, SUM(n) AS total
    FROM everyone
    GROUP BY area, period_type, period, ethnicity
),
classes AS (
    SELECT DISTINCT outcome_class FROM everyone
    UNION ALL
    SELECT DISTINCT 'out_of_court' AS outcome_class FROM everyone
),
filled AS (
    SELECT t.area, t.period_type, t.period, t.ethnicity, c.outcome_class,
           COALESCE(w.n, 0) AS n, t.total
    FROM totals t
    CROSS JOIN classes c
    LEFT JOIN with_out_of_court w
        ON w.area = t.area AND w.period_type = t.period_type AND w.period = t.period
        AND w.ethnicity = t.ethnicity AND w.outcome_class = c.outcome_class
),
reference AS (
    SELECT area, period_type, period, outcome_class, n, total
    FROM filled
    WHERE ethnicity = :reference
)
SELECT
    f.area, f.period_type, f.period, f.ethnicity, f.outcome_class, f.n, f.total,
    r.n AS reference_n, r.total AS reference_total
FROM filled f
LEFT JOIN reference r
    ON r.area = f.area AND r.period_type = f.period_type AND r.period = f.period
    AND r.outcome_class = f.outcome_class
