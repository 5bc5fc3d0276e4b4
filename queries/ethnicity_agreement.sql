-- How self-defined and officer-defined ethnicity compare: searches by the person's own
-- description (broad group, `Not stated` or `Missing`) and the officer's (`Missing` when
-- empty), with the share of each self-defined group that the officer recorded each way.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code such as `E09000033`; see `area_type`.
-- column period_type: `month`, `financial_year` or `calendar_year`.
-- column period: `2022-09`, `2022/23` or `2022`.
-- column self_defined_ethnicity: Self-defined broad group, `Not stated` or `Missing`.
-- column officer_defined_ethnicity: Officer-defined ethnicity as published, or `Missing`.
-- column n: Searches.
-- column total: Searches of people of the self-defined group.
WITH base AS (
    SELECT
        CAST(force AS VARCHAR) AS force,
        CAST(month AS VARCHAR) AS month,
        place,
        COALESCE(CAST(ethnicity AS VARCHAR), 'Missing') AS self_defined_ethnicity,
        COALESCE(CAST(officer_defined_ethnicity AS VARCHAR), 'Missing')
            AS officer_defined_ethnicity,
        n
    FROM (
        SELECT force, month, place, ethnicity, officer_defined_ethnicity, SUM(n) AS n
        FROM _cube
        GROUP BY force, month, place, ethnicity, officer_defined_ethnicity
    ) AS grouped
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, b.self_defined_ethnicity,
           b.officer_defined_ethnicity, SUM(b.n) AS n
    FROM base b
    JOIN _area_periods ap ON b.force = ap.force AND b.month = ap.month AND b.place = ap.place
    GROUP BY ap.area, ap.period_type, ap.period, b.self_defined_ethnicity,
             b.officer_defined_ethnicity
),
totals AS (
    SELECT area, period_type, period, self_defined_ethnicity, SUM(n) AS total
    FROM counts
    GROUP BY area, period_type, period, self_defined_ethnicity
)
SELECT
    c.area, c.period_type, c.period, c.self_defined_ethnicity, c.officer_defined_ethnicity,
    c.n, t.total
FROM counts c
JOIN totals t
    ON t.area = c.area AND t.period_type = c.period_type AND t.period = c.period
    AND t.self_defined_ethnicity = c.self_defined_ethnicity
