-- Brewlytics OLAP warehouse, version 1: the calendar and time-of-day
-- dimensions every fact joins to. Later versions add the other dimensions and
-- the facts the pipeline loads.

CREATE TABLE dim_date (
  id            integer  PRIMARY KEY,            -- yyyymmdd, e.g. 20261125
  date          date     NOT NULL UNIQUE,
  day_of_week   smallint NOT NULL,               -- ISO: 1 = Monday … 7 = Sunday
  day_name      text     NOT NULL,
  day_of_month  smallint NOT NULL,
  day_of_year   smallint NOT NULL,
  week          smallint NOT NULL,               -- ISO week number
  iso_year      smallint NOT NULL,
  month         smallint NOT NULL,
  month_name    text     NOT NULL,
  quarter       smallint NOT NULL,
  year          smallint NOT NULL,
  is_weekend    boolean  NOT NULL
);

INSERT INTO dim_date
SELECT to_char(d, 'YYYYMMDD')::integer,
       d::date,
       extract(isodow FROM d)::smallint,
       trim(to_char(d, 'Day')),
       extract(day FROM d)::smallint,
       extract(doy FROM d)::smallint,
       extract(week FROM d)::smallint,
       extract(isoyear FROM d)::smallint,
       extract(month FROM d)::smallint,
       trim(to_char(d, 'Month')),
       extract(quarter FROM d)::smallint,
       extract(year FROM d)::smallint,
       extract(isodow FROM d) IN (6, 7)
FROM generate_series(date '2020-01-01', date '2040-12-31', interval '1 day') AS d;

CREATE TABLE dim_time_of_day (
  id        smallint PRIMARY KEY,                -- the hour, 0–23
  hour      smallint NOT NULL UNIQUE CHECK (hour BETWEEN 0 AND 23),
  label     text     NOT NULL,                   -- '07:00–08:00'
  daypart   text     NOT NULL CHECK (daypart IN ('night', 'early', 'morning rush', 'late morning', 'lunch', 'afternoon', 'evening'))
);

INSERT INTO dim_time_of_day
SELECT h, h, lpad(h::text, 2, '0') || ':00–' || lpad(((h + 1) % 24)::text, 2, '0') || ':00',
       CASE
         WHEN h < 6 THEN 'night'
         WHEN h < 7 THEN 'early'
         WHEN h < 10 THEN 'morning rush'
         WHEN h < 12 THEN 'late morning'
         WHEN h < 14 THEN 'lunch'
         WHEN h < 17 THEN 'afternoon'
         WHEN h < 22 THEN 'evening'
         ELSE 'night'
       END
FROM generate_series(0, 23) AS h;
