SELECT d.date, p.date_id, p.payment_method, p.payments, p.amount, p.paid_amount,
       round(100 * p.amount / nullif(sum(p.amount) OVER (PARTITION BY p.date_id), 0), 2) AS share_of_day_pct
FROM {{ref "int_daily_payments"}} p
JOIN {{ref "stg_dates"}} d USING (date_id)
