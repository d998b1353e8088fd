SELECT id AS date_id, date, day_of_week, day_name, week, iso_year, month, quarter, year, is_weekend
FROM {{source "dim_date"}}
