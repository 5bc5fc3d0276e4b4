-- Who was searched: searches by self-defined ethnic group, sex and age range together, each as
-- a share of all the area's searches in the period, with `All` / `all` rows for every margin.
-- Counted by financial and calendar year (a month of one district or age band holds too few
-- searches to read). Sex and age range are as published; an empty field is `Missing`, a row
-- of its own, so its share is reported. An area and period with no age range on any search
-- (a force that leaves the field empty, as South Wales did in 2020/21) has no rows by age
-- range, only `all`, and `age_recorded` false: never a row of zeros.
-- A combination with no searches has no row: its share is 0.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code; see `area_type`.
-- column period_type: `financial_year` or `calendar_year`.
-- column period: `2022/23` or `2022`.
-- column ethnicity: Self-defined broad group, `All`, `Not stated` or `Missing`.
-- column sex: `Male`, `Female`, `Other` (as published), `Missing` (empty) or `all`.
-- column age_range: `under 10`, `10-17`, `18-24`, `25-34`, `over 34`, `Missing` or `all`.
-- column n: Searches of people of this group, sex and age range.
-- column total: All searches in the area and period.
-- column age_recorded: Whether any search of the area and period has an age range; without
--   one there are no rows by age range.
WITH slim AS (
    SELECT force, month, place, ethnicity, sex, age_range, SUM(n) AS n
    FROM _age_cube
    GROUP BY force, month, place, ethnicity, sex, age_range
),
counts AS (
    SELECT ap.area, ap.period_type, ap.period, c.ethnicity, c.sex, c.age_range, SUM(c.n) AS n
    FROM slim c
    JOIN _area_periods ap ON c.force = ap.force AND c.month = ap.month AND c.place = ap.place
    WHERE ap.period_type <> 'month'
    GROUP BY ap.area, ap.period_type, ap.period, c.ethnicity, c.sex, c.age_range
),
by_ethnicity AS (
    SELECT area, period_type, period, ethnicity, sex, age_range, n FROM counts
    UNION ALL
    SELECT area, period_type, period, 'All' AS ethnicity, sex, age_range, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, sex, age_range
),
by_sex AS (
    SELECT area, period_type, period, ethnicity, sex, age_range, n FROM by_ethnicity
    UNION ALL
    SELECT area, period_type, period, ethnicity, 'all' AS sex, age_range, SUM(n) AS n
    FROM by_ethnicity
    GROUP BY area, period_type, period, ethnicity, age_range
),
by_age AS (
    SELECT area, period_type, period, ethnicity, sex, age_range, n FROM by_sex
    UNION ALL
    SELECT area, period_type, period, ethnicity, sex, 'all' AS age_range, SUM(n) AS n
    FROM by_sex
    GROUP BY area, period_type, period, ethnicity, sex
),
totals AS (
    SELECT
        area, period_type, period, SUM(n) AS total,
        SUM(CASE WHEN age_range <> 'Missing' THEN n ELSE 0 END) > 0 AS age_recorded
    FROM counts
    GROUP BY area, period_type, period
)
SELECT
    b.area, b.period_type, b.period, b.ethnicity, b.sex, b.age_range, b.n, t.total,
    t.age_recorded
FROM by_age b
JOIN totals t ON b.area = t.area AND b.period_type = t.period_type AND b.period = t.period
WHERE t.age_recorded OR b.age_range = 'all'
