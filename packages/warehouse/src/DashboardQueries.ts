/**
 * The original Metabase dashboards' five questions: `originals` as they ran
 * on the star schema, `marts` the same five answered from the warehouse
 * models. The tests check both give the same numbers; the benchmark compares
 * their speed. Today's dashboards are the specs in `packages/metabase`.
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
  }
]
