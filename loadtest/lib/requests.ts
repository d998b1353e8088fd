/**
 * The original clients' request sequences, as plans both k6 (synchronous
 * `http.*`) and Node (asynchronous) walk: a plan is a generator that yields
 * the next request and is resumed with its answer. Dependency-free.
 */
import {
  generateCustomer,
  generateOrder,
  generateProduct,
  type NewCustomer,
  type NewOrder,
  type NewProduct,
  type Random
} from "./data.ts"

/** What a request counts as in the figures. */
export type RequestKind = "customers/new" | "products/new" | "orders/new" | "employees/active"

export const requestKinds: ReadonlyArray<RequestKind> = [
  "customers/new",
  "products/new",
  "orders/new",
  "employees/active"
]

export interface Request {
  readonly kind: RequestKind
  readonly method: "GET" | "POST"
  readonly path: string
  /** JSON, for a POST. */
  readonly body?: string
}

/** What a plan needs back from a request: its status and, for a create, the new row's `id`. */
export interface Answer {
  readonly status: number
  readonly id: number | undefined
}

/** A request sequence: resumed with each answer, it returns what it gathered. */
export type Plan<A> = Generator<Request, A, Answer>

export const createCustomer = (customer: NewCustomer): Request => ({
  kind: "customers/new",
  method: "POST",
  path: "/customers/new",
  body: JSON.stringify(customer)
})

export const createProduct = (product: NewProduct): Request => ({
  kind: "products/new",
  method: "POST",
  path: "/products/new",
  body: JSON.stringify(product)
})

export const placeOrder = (order: NewOrder): Request => ({
  kind: "orders/new",
  method: "POST",
  path: "/orders/new",
  body: JSON.stringify(order)
})

export const activeEmployees: Request = { kind: "employees/active", method: "GET", path: "/employees/active" }

/** The ids orders draw from: filled by setup, grown by the iterations' occasional sign-ups. */
export interface Pools {
  readonly customerIds: Array<number>
  readonly productIds: Array<number>
}

/**
 * The k6 script's `setup()`: loops until it has `want` new customers, then
 * `want` new products, never sending an e-mail or a product name twice
 * within the run (a refused one may be drawn again). Against an API that
 * refused repeats across runs this never ended once the 100 e-mails or the
 * 30 names were used; `maxRequests` bounds it for tests.
 */
export function* setupPlan(random: Random, want = 10, maxRequests = Number.POSITIVE_INFINITY): Plan<Pools> {
  const customerIds: Array<number> = []
  const productIds: Array<number> = []
  let sent = 0
  const exhausted = () =>
    new Error(
      `setup sent ${sent} requests without getting ${want} new customers and ${want} new products (it has ${customerIds.length} and ${productIds.length}): the API refuses the repeats the original clients send`
    )
  const usedEmails = new Set<string>()
  while (customerIds.length < want) {
    const customer = generateCustomer(random)
    if (usedEmails.has(customer.email)) continue
    if (sent++ >= maxRequests) throw exhausted()
    const answer = yield createCustomer(customer)
    if (answer.status === 200 && answer.id !== undefined) {
      customerIds.push(answer.id)
      usedEmails.add(customer.email)
    }
  }
  const usedNames = new Set<string>()
  while (productIds.length < want) {
    const product = generateProduct(random)
    if (usedNames.has(product.name)) continue
    if (sent++ >= maxRequests) throw exhausted()
    const answer = yield createProduct(product)
    if (answer.status === 200 && answer.id !== undefined) {
      productIds.push(answer.id)
      usedNames.add(product.name)
    }
  }
  return { customerIds, productIds }
}

/** How often an iteration signs up a customer or adds a product before its order (the k6 script: 5% each). */
export interface Mix {
  readonly newCustomer: number
  readonly newProduct: number
}

export const originalMix: Mix = { newCustomer: 0.05, newProduct: 0.05 }

/**
 * One iteration of the k6 script's default function: sometimes a new
 * customer, sometimes a new product (each id joins the pools on a 200), then
 * an order of 1–3 lines over the pools. Returns whether the order was placed.
 */
export function* iterationPlan(random: Random, pools: Pools, mix: Mix = originalMix): Plan<boolean> {
  if (random() < mix.newCustomer) {
    const answer = yield createCustomer(generateCustomer(random))
    if (answer.status === 200 && answer.id !== undefined) pools.customerIds.push(answer.id)
  }
  if (random() < mix.newProduct) {
    const answer = yield createProduct(generateProduct(random))
    if (answer.status === 200 && answer.id !== undefined) pools.productIds.push(answer.id)
  }
  const answer = yield placeOrder(generateOrder(random, pools.customerIds, pools.productIds))
  return answer.status === 200
}

/** Walks a plan with a synchronous sender (k6's `http.*`). */
export const walk = <A>(plan: Plan<A>, send: (request: Request) => Answer): A => {
  let step = plan.next()
  while (!step.done) step = plan.next(send(step.value))
  return step.value
}
