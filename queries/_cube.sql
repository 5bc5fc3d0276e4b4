-- Helper (not written as a table): searches counted by force, month and every breakdown the
-- tables use, so each table starts from about a million counts instead of every search.
-- Tables that need other columns of searches can still read searches itself.
SELECT
    force, month, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
    outcome_linked, strip_search, COUNT(*) AS n
FROM searches
GROUP BY
    force, month, search_group, ethnicity, officer_defined_ethnicity, outcome_class,
    outcome_linked, strip_search
