/**
 * What the dashboards ask, each as one SQL statement. `marts` answer from the
 * warehouse models (fast at any size); `originals` are the queries the
 * original Metabase dashboards ran on the star schema, kept working and
 * checked against the marts by the tests.
 */
export interface DashboardQuery {
  readonly name: string
  readonly title: string
  readonly sql: string
}

export const originals: ReadonlyArray<DashboardQuery> = [
  {
    name: "daily_revenue",
    title: "Daily revenue",
    sql: `SELECT d.date, sum(f.total) AS revenue FROM fact_sales f JOIN dim_date d ON d.id = f.date_id GROUP BY d.date ORDER BY d.date`
  },
  {
    name: "revenue_by_product",
    title: "Revenue by product name",
    sql: `SELECT p.name, sum(f.total) AS revenue FROM fact_sales f JOIN dim_product p ON p.id = f.product_dim_id GROUP BY p.name ORDER BY revenue DESC, p.name`
  },
  {
    name: "top_customers",
    title: "Top 10 customers by revenue",
    sql: `SELECT c.name, sum(f.total) AS revenue FROM fact_sales f JOIN dim_customer c ON c.id = f.customer_dim_id GROUP BY c.id, c.name ORDER BY revenue DESC, c.name LIMIT 10`
  },
  {
    name: "quantity_sold_per_product",
    title: "Quantity sold per product",
    sql: `SELECT p.name, sum(i.quantity_sold)::int AS quantity FROM fact_inventory i JOIN dim_product p ON p.id = i.product_dim_id GROUP BY p.name ORDER BY quantity DESC, p.name`
  },
  {
    name: "payment_totals_by_method",
    title: "Payment totals by method",
    sql: `SELECT payment_method, sum(payment_amount) AS amount FROM fact_payments GROUP BY payment_method ORDER BY payment_method`
  }
]

export const marts: ReadonlyArray<DashboardQuery> = [
  {
    name: "daily_revenue",
    title: "Daily revenue",
    sql: `SELECT date, revenue FROM marts.mart_daily_sales WHERE orders > 0 ORDER BY date`
  },
  {
    name: "revenue_by_product",
    title: "Revenue by product name",
    sql: `SELECT product_name AS name, sum(revenue) AS revenue FROM marts.mart_product_performance GROUP BY product_name ORDER BY revenue DESC, name`
  },
  {
    name: "top_customers",
    title: "Top 10 customers by revenue",
    sql: `SELECT name, revenue FROM marts.mart_customer_segments ORDER BY revenue DESC, name LIMIT 10`
  },
  {
    name: "quantity_sold_per_product",
    title: "Quantity sold per product",
    sql: `SELECT product_name AS name, sum(sold)::int AS quantity FROM marts.mart_inventory_summary GROUP BY product_name ORDER BY quantity DESC, name`
  },
  {
    name: "payment_totals_by_method",
    title: "Payment totals by method",
    sql: `SELECT payment_method, sum(amount) AS amount FROM marts.mart_payment_mix GROUP BY payment_method ORDER BY payment_method`
  },
  {
    name: "sales_trend_90d",
    title: "Daily sales with 7-day average and week-over-week, last 90 days",
    sql: `SELECT date, orders, revenue, revenue_7d_avg, wow_change_pct FROM marts.mart_daily_sales WHERE date > (SELECT max(date) - 90 FROM marts.mart_daily_sales) ORDER BY date`
  },
  {
    name: "weekly_sales",
    title: "Weekly sales",
    sql: `SELECT week_start, orders, revenue, wow_change_pct FROM marts.mart_weekly_sales ORDER BY week_start`
  },
  {
    name: "peak_hours",
    title: "Orders by hour of day × day of week",
    sql: `SELECT day_name, hour, avg_orders, is_peak FROM marts.mart_sales_by_hour ORDER BY day_of_week, hour`
  },
  {
    name: "best_and_worst_sellers",
    title: "Best and worst sellers",
    sql: `SELECT product_name, size, revenue, units, revenue_share_pct, trend_pct, is_best_seller FROM marts.mart_product_performance WHERE is_best_seller OR is_worst_seller ORDER BY revenue_rank`
  },
  {
    name: "employee_performance",
    title: "Employee performance",
    sql: `SELECT name, role, orders, revenue, avg_basket_value, orders_per_shift_hour, revenue_per_shift_hour FROM marts.mart_employee_performance ORDER BY revenue DESC`
  },
  {
    name: "customer_segments",
    title: "Customers per segment",
    sql: `SELECT segment, count(*)::int AS customers, sum(revenue) AS revenue, round(avg(avg_basket_value), 2) AS avg_basket_value FROM marts.mart_customer_segments GROUP BY segment ORDER BY segment`
  },
  {
    name: "basket",
    title: "Average basket size and value, last 30 days",
    sql: `SELECT round(sum(revenue) / nullif(sum(orders), 0), 2) AS avg_basket_value, round(sum(units)::numeric / nullif(sum(orders), 0), 2) AS avg_basket_size FROM marts.mart_daily_sales WHERE date > (SELECT max(date) - 30 FROM marts.mart_daily_sales)`
  },
  {
    name: "payment_mix_30d",
    title: "Payment-method mix, last 30 days",
    sql: `SELECT payment_method, sum(payments)::int AS payments, sum(amount) AS amount FROM marts.mart_payment_mix WHERE date > (SELECT max(date) - 30 FROM marts.mart_payment_mix) GROUP BY payment_method ORDER BY payment_method`
  },
  {
    name: "stock_today",
    title: "Stock on hand and days of cover, latest day",
    sql: `SELECT product_name, last_movement, on_hand, days_of_cover FROM marts.mart_inventory_summary ORDER BY days_of_cover NULLS LAST, product_name`
  },
  {
    name: "anomalies",
    title: "Hours with unusual order counts, last 30 days",
    sql: `SELECT date, hour, orders, baseline_mean, z_score FROM marts.mart_hourly_anomalies WHERE is_anomaly AND date > (SELECT max(date) - 30 FROM marts.mart_daily_sales) ORDER BY date, hour`
  }
]
