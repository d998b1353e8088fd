SELECT date_id, payment_method,
       count(*)::int AS payments,
       sum(amount) AS amount,
       coalesce(sum(amount) FILTER (WHERE payment_status = 'paid'), 0) AS paid_amount
FROM {{ref "stg_payments"}}
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
GROUP BY date_id, payment_method
