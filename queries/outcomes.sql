-- What happened after searches, by self-defined ethnic group: the number and share of each
-- group's searches ending in each outcome class, with `out_of_court` adding up the disposals
-- that divert from court (cannabis or khat warning, penalty notice, community resolution,
-- caution) so diversion can be compared across groups, and each share set against the
-- reference group's. Shares are of all the group's searches; `unknown` (outcome left empty) is
-- a row of its own, so the classes other than out_of_court add up to the whole. The same is
-- given by the power searched under (`power`).
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column power: The power searched under (as in the searches table), `suspicion_required`,
--   `no_suspicion_required` (section 60 and s47A together), or `all` (every search). A power's
--   rows exist for an area and period only if the area searched under it then (financial and
--   calendar years only); `unknown` (legislation empty) is in neither combined group.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column outcome_class: Outcome class (see the searches table), or `out_of_court`.
-- column n: Searches of the group with this outcome.
-- column total: All searches of the group.
-- column reference_n: Searches of the reference group with this outcome; null where the
--   reference group had no search in the area and period (under the power, on a power's rows).
-- column reference_total: All searches of the reference group (null likewise).
-- column no_suspicion_power: True for the rows of powers that need no suspicion
--   (`cjpo_s60`, `terrorism_s47a`, `no_suspicion_required`), searches made inside an
--   authorisation limited to a place and a time.
WITH base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        CAST(power AS VARCHAR) AS power,
        CASE
            WHEN suspicion_required THEN 'suspicion_required'
            WHEN NOT suspicion_required THEN 'no_suspicion_required'
        END AS suspicion,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS ethnicity,
        CAST(outcome_class AS VARCHAR) AS outcome_class,
        n
    FROM (
        SELECT force, month, place, power, suspicion_required, ethnicity, outcome_class,
               SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, power, suspicion_required, ethnicity, outcome_class
    ) AS grouped
),
by_power AS (
    SELECT ap.area, ap.period_type, ap.period, b.power, b.suspicion, b.ethnicity,
           b.outcome_class, SUM(b.n) AS n
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.power, b.suspicion, b.ethnicity,
             b.outcome_class
),
-- Every search, each power, and the two combined groups.
counts AS (
    SELECT area, period_type, period, 'all' AS power, ethnicity, outcome_class, SUM(n) AS n
    FROM by_power
    GROUP BY area, period_type, period, ethnicity, outcome_class
    UNION ALL
    SELECT area, period_type, period, power, ethnicity, outcome_class, SUM(n) AS n
    FROM by_power
    WHERE period_type <> 'month'
    GROUP BY area, period_type, period, power, ethnicity, outcome_class
    UNION ALL
    SELECT area, period_type, period, suspicion AS power, ethnicity, outcome_class,
           SUM(n) AS n
    FROM by_power
    WHERE suspicion IS NOT NULL AND period_type <> 'month'
    GROUP BY area, period_type, period, suspicion, ethnicity, outcome_class
),
everyone AS (
    SELECT area, period_type, period, power, ethnicity, outcome_class, n FROM counts
    UNION ALL
    SELECT area, period_type, period, power, 'All' AS ethnicity, outcome_class, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, power, outcome_class
),
with_out_of_court AS (
    SELECT area, period_type, period, power, ethnicity, outcome_class, n FROM everyone
    UNION ALL
    SELECT area, period_type, period, power, ethnicity, 'out_of_court' AS outcome_class,
           SUM(n) AS n
    FROM everyone
    WHERE outcome_class IN
        ('cannabis_or_khat_warning', 'penalty_notice', 'community_resolution', 'caution')
    GROUP BY area, period_type, period, power, ethnicity
),
totals AS (
    SELECT area, period_type, period, power, ethnicity, SUM(n) AS total
    FROM everyone
    GROUP BY area, period_type, period, power, ethnicity
),
classes AS (
    SELECT DISTINCT outcome_class FROM everyone
    UNION ALL
    SELECT DISTINCT 'out_of_court' AS outcome_class FROM everyone
),
filled AS (
    SELECT t.area, t.period_type, t.period, t.power, t.ethnicity, c.outcome_class,
           COALESCE(w.n, 0) AS n, t.total
    FROM totals t
    CROSS JOIN classes c
    LEFT JOIN with_out_of_court w
        ON w.area = t.area AND w.period_type = t.period_type AND w.period = t.period
        AND w.power = t.power AND w.ethnicity = t.ethnicity
        AND w.outcome_class = c.outcome_class
),
reference AS (
    SELECT area, period_type, period, power, outcome_class, n, total
    FROM filled
    WHERE ethnicity = :reference
)
SELECT
    f.area, f.period_type, f.period, f.power, f.ethnicity, f.outcome_class, f.n, f.total,
    r.n AS reference_n, r.total AS reference_total,
    f.power IN ('cjpo_s60', 'terrorism_s47a', 'no_suspicion_required') AS no_suspicion_power
FROM filled f
LEFT JOIN reference r
    ON r.area = f.area AND r.period_type = f.period_type AND r.period = f.period
    AND r.power = f.power AND r.outcome_class = f.outcome_class
