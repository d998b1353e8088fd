SELECT hour, label, daypart FROM {{source "dim_time_of_day"}}
