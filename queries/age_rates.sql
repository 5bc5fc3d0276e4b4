-- Searches per 1,000 residents by self-defined ethnic group, sex and age band, with each
-- rate set against the reference group's of the same sex and band, and age–sex standardised
-- rates beside the crude ones. Needs a population table by ethnic group × sex × age
-- (`--population-age`); without one the table is empty. The bands are the finest both the
-- police age ranges and the table's bands can be summed into exactly (`age_bands` says how;
-- with the Census 2021 13 bands: under 25, 25-34, over 34). Counted by financial and
-- calendar year. Exposure is residents times months covered over 12; for a row by age band
-- (by sex), only the months in which the force gave an age range (a sex) on some search, so a
-- force that leaves the field empty adds neither searches nor residents there, and an area
-- with no such month has no rows by band (by sex), only `all`.
-- Standardised rates (rows with age_band `all`) are direct standardisations to England and
-- Wales (all groups) by sex × age band (by age band within one sex): the rate the group would
-- have if its age and sex structure were England and Wales's. They count only searches with a
-- sex of Male or Female and an age range (`stratified_searches`); a stratum without residents
-- leaves them null.
-- column area: Force id, `england-and-wales`, or (with --boundaries) a local authority
--   district code; see `area_type`.
-- column period_type: `financial_year` or `calendar_year`.
-- column period: `2022/23` or `2022`.
-- column ethnicity: Self-defined broad group, or `All` (every search, against every resident).
-- column reference_ethnicity: The reference group of the ratios.
-- column sex: `Male`, `Female` or `all` (which also counts searches of sex `Other` or empty).
-- column age_band: A band shared by the police ranges and the population table (such as
--   `under 25`), or `all` (which also counts searches with no age range).
-- column age_bands: How the band was made from police ranges and population bands.
-- column census: Where the residents come from (the --population-age file).
-- column searches: Number of searches.
-- column population: Residents of the group, sex and band in the area's forces that covered
--   at least one month of the period.
-- column force_months_covered: Force-months with data in the period.
-- column exposure_months: The force-months the exposure counts: every covered month for
--   `all`/`all`; for a row by sex, those in which the force gave a sex on some search; by band,
--   an age range; by sex and band, both (a covered month with no searches counts).
-- column exposure: Person-years: residents x exposure_months / 12.
-- column standard_weight: Rows by sex and band (the strata): England and Wales's share of
--   residents in the stratum (all groups), the weight of direct standardisation by sex and age.
-- column standard_weight_within_sex: The same share within the sex, for standardising by age
--   within one sex.
WITH periods AS (
    SELECT area, force, place, month, period_type, period, covered
    FROM _area_periods
    WHERE period_type <> 'month'
),
-- Whether each force-month gave ages and sexes; a covered month with no searches gives both.
force_month_recording AS (
    SELECT
        force, month,
        MAX(CASE WHEN age_recorded THEN 1 ELSE 0 END) AS age_recorded,
        MAX(CASE WHEN sex_recorded THEN 1 ELSE 0 END) AS sex_recorded
    FROM _age_cube
    WHERE place = '*'
    GROUP BY force, month
),
force_months AS (
    SELECT DISTINCT force, month, period_type, period, covered FROM periods WHERE place = '*'
),
force_period_recording AS (
    SELECT
        f.force, f.period_type, f.period,
        SUM(f.covered * COALESCE(a.age_recorded, 1)) AS age_months,
        SUM(f.covered * COALESCE(a.sex_recorded, 1)) AS sex_months,
        SUM(f.covered * COALESCE(a.age_recorded * a.sex_recorded, 1)) AS both_months
    FROM force_months f
    LEFT JOIN force_month_recording a ON f.force = a.force AND f.month = a.month
    GROUP BY f.force, f.period_type, f.period
),
area_months AS (
    SELECT
        p.area, p.force, p.place, p.period_type, p.period, SUM(p.covered) AS months,
        MAX(fr.age_months) AS age_months, MAX(fr.sex_months) AS sex_months,
        MAX(fr.both_months) AS both_months
    FROM periods p
    JOIN force_period_recording fr
        ON p.force = fr.force AND p.period_type = fr.period_type AND p.period = fr.period
    GROUP BY p.area, p.force, p.place, p.period_type, p.period
),
strata_exposure AS (
    SELECT
        m.area, m.period_type, m.period, pa.census, pa.ethnicity, pa.sex, pa.age_band,
        SUM(CASE WHEN m.months > 0 THEN pa.population ELSE 0 END) AS population,
        SUM(pa.population * m.months) AS population_months,
        SUM(pa.population * m.age_months) AS population_age_months,
        SUM(pa.population * m.sex_months) AS population_sex_months,
        SUM(pa.population * m.both_months) AS population_both_months,
        SUM(m.months) AS force_months_covered,
        SUM(m.age_months) AS age_months,
        SUM(m.sex_months) AS sex_months,
        SUM(m.both_months) AS both_months
    FROM area_months m
    JOIN population_age pa ON pa.force = m.force AND pa.area = m.area AND pa.place = m.place
    GROUP BY m.area, m.period_type, m.period, pa.census, pa.ethnicity, pa.sex, pa.age_band
),
with_everyone AS (
    SELECT * FROM strata_exposure
    UNION ALL
    SELECT
        area, period_type, period, census, 'All' AS ethnicity, sex, age_band,
        SUM(population) AS population, SUM(population_months) AS population_months,
        SUM(population_age_months) AS population_age_months,
        SUM(population_sex_months) AS population_sex_months,
        SUM(population_both_months) AS population_both_months,
        MAX(force_months_covered) AS force_months_covered, MAX(age_months) AS age_months,
        MAX(sex_months) AS sex_months, MAX(both_months) AS both_months
    FROM strata_exposure
    GROUP BY area, period_type, period, census, sex, age_band
),
counts AS (
    SELECT area, period_type, period, ethnicity, sex, age_band, SUM(n) AS n
    FROM (
        SELECT
            ap.area, ap.period_type, ap.period, c.ethnicity, c.sex,
            COALESCE(b.age_band, 'none') AS age_band, c.n
        FROM (
            SELECT force, month, place, ethnicity, sex, age_range, SUM(n) AS n
            FROM _age_cube
            GROUP BY force, month, place, ethnicity, sex, age_range
        ) AS c
        JOIN _area_periods ap
            ON c.force = ap.force AND c.month = ap.month AND c.place = ap.place
        LEFT JOIN age_bands b ON b.age_range = c.age_range
        WHERE ap.period_type <> 'month'
    ) AS banded
    GROUP BY area, period_type, period, ethnicity, sex, age_band
),
counts_everyone AS (
    SELECT area, period_type, period, ethnicity, sex, age_band, n FROM counts
    UNION ALL
    SELECT area, period_type, period, 'All' AS ethnicity, sex, age_band, SUM(n) AS n
    FROM counts
    GROUP BY area, period_type, period, sex, age_band
),
-- Stratum rows (sex x band), each sex over all bands, each band over both sexes, and all.
strata AS (
    SELECT
        e.area, e.period_type, e.period, e.census, e.ethnicity, e.sex, e.age_band,
        COALESCE(c.n, 0) AS searches, e.population, e.force_months_covered,
        e.both_months AS exposure_months,
        CAST(e.population_both_months AS DOUBLE) / 12.0 AS exposure
    FROM with_everyone e
    LEFT JOIN counts_everyone c
        ON c.area = e.area AND c.period_type = e.period_type AND c.period = e.period
        AND c.ethnicity = e.ethnicity AND c.sex = e.sex AND c.age_band = e.age_band
),
sex_all_bands AS (
    SELECT
        e.area, e.period_type, e.period, e.census, e.ethnicity, e.sex, 'all' AS age_band,
        SUM(e.population) AS population, MAX(e.force_months_covered) AS force_months_covered,
        MAX(e.sex_months) AS exposure_months,
        CAST(SUM(e.population_sex_months) AS DOUBLE) / 12.0 AS exposure
    FROM with_everyone e
    GROUP BY e.area, e.period_type, e.period, e.census, e.ethnicity, e.sex
),
sex_counts AS (
    SELECT area, period_type, period, ethnicity, sex, SUM(n) AS n
    FROM counts_everyone
    GROUP BY area, period_type, period, ethnicity, sex
),
band_both_sexes AS (
    SELECT
        e.area, e.period_type, e.period, e.census, e.ethnicity, 'all' AS sex, e.age_band,
        SUM(e.population) AS population, MAX(e.force_months_covered) AS force_months_covered,
        MAX(e.age_months) AS exposure_months,
        CAST(SUM(e.population_age_months) AS DOUBLE) / 12.0 AS exposure
    FROM with_everyone e
    GROUP BY e.area, e.period_type, e.period, e.census, e.ethnicity, e.age_band
),
band_counts AS (
    SELECT area, period_type, period, ethnicity, age_band, SUM(n) AS n
    FROM counts_everyone
    GROUP BY area, period_type, period, ethnicity, age_band
),
everything AS (
    SELECT
        e.area, e.period_type, e.period, e.census, e.ethnicity, 'all' AS sex, 'all' AS age_band,
        SUM(e.population) AS population, MAX(e.force_months_covered) AS force_months_covered,
        MAX(e.force_months_covered) AS exposure_months,
        CAST(SUM(e.population_months) AS DOUBLE) / 12.0 AS exposure
    FROM with_everyone e
    GROUP BY e.area, e.period_type, e.period, e.census, e.ethnicity
),
all_counts AS (
    SELECT area, period_type, period, ethnicity, SUM(n) AS n
    FROM counts_everyone
    GROUP BY area, period_type, period, ethnicity
),
rated AS (
    SELECT area, period_type, period, census, ethnicity, sex, age_band, searches, population,
           force_months_covered, exposure_months, exposure
    FROM strata
    UNION ALL
    SELECT s.area, s.period_type, s.period, s.census, s.ethnicity, s.sex, s.age_band,
           COALESCE(c.n, 0) AS searches, s.population, s.force_months_covered, s.exposure_months,
           s.exposure
    FROM sex_all_bands s
    LEFT JOIN sex_counts c
        ON c.area = s.area AND c.period_type = s.period_type AND c.period = s.period
        AND c.ethnicity = s.ethnicity AND c.sex = s.sex
    UNION ALL
    SELECT s.area, s.period_type, s.period, s.census, s.ethnicity, s.sex, s.age_band,
           COALESCE(c.n, 0) AS searches, s.population, s.force_months_covered, s.exposure_months,
           s.exposure
    FROM band_both_sexes s
    LEFT JOIN band_counts c
        ON c.area = s.area AND c.period_type = s.period_type AND c.period = s.period
        AND c.ethnicity = s.ethnicity AND c.age_band = s.age_band
    UNION ALL
    SELECT s.area, s.period_type, s.period, s.census, s.ethnicity, s.sex, s.age_band,
           COALESCE(c.n, 0) AS searches, s.population, s.force_months_covered, s.exposure_months,
           s.exposure
    FROM everything s
    LEFT JOIN all_counts c
        ON c.area = s.area AND c.period_type = s.period_type AND c.period = s.period
        AND c.ethnicity = s.ethnicity
),
reference AS (
    SELECT area, period_type, period, sex, age_band, searches, exposure
    FROM rated
    WHERE ethnicity = :reference
),
mapping AS (
    SELECT DISTINCT age_band, mapping FROM age_bands
)
SELECT
    f.area, f.period_type, f.period, f.ethnicity, :reference AS reference_ethnicity, f.sex,
    f.age_band,
    COALESCE(m.mapping, 'all ages, including searches with no age range') AS age_bands,
    f.census, f.searches, f.population, f.force_months_covered, f.exposure_months,
    CASE WHEN f.exposure > 0 THEN f.exposure END AS exposure,
    r.searches AS reference_searches,
    CASE WHEN r.exposure > 0 THEN r.exposure END AS reference_exposure,
    w.weight_all AS standard_weight,
    w.weight_within_sex AS standard_weight_within_sex
FROM rated f
LEFT JOIN reference r
    ON r.area = f.area AND r.period_type = f.period_type AND r.period = f.period
    AND r.sex = f.sex AND r.age_band = f.age_band
LEFT JOIN mapping m ON m.age_band = f.age_band
LEFT JOIN age_standard w ON w.sex = f.sex AND w.age_band = f.age_band
WHERE f.force_months_covered > 0
    AND ((f.sex = 'all' AND f.age_band = 'all') OR f.exposure_months > 0)
