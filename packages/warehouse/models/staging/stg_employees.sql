SELECT id AS employee_dim_id, employee_id, name, role, active
FROM {{source "dim_employee"}}
