import * as Fs from "node:fs"
import * as Path from "node:path"
import { Category, Price, Size } from "@brewlytics/domain/Catalog.ts"
import { formatDecimal } from "@brewlytics/domain/Money.ts"
import { Role } from "@brewlytics/domain/People.ts"
import { Email, Name } from "@brewlytics/domain/Text.ts"
import { Effect, Schema } from "effect"
import { OltpSql } from "./Databases.ts"
import { repoRoot } from "./Settings.ts"
import { boolArray, textArray } from "./SqlArrays.ts"

export const SEED_DIR = Path.join(repoRoot, "seeds")

export class SeedError extends Schema.TaggedError<SeedError>()("SeedError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** RFC 4180 CSV: a header line, then records; quoted fields may hold commas, quotes and newlines. */
export const parseCsv = (text: string): Array<Record<string, string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ",") row.push(field), (field = "")
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++
      row.push(field)
      rows.push(row)
      row = []
      field = ""
    } else field += c
  }
  if (field !== "" || row.length > 0) row.push(field), rows.push(row)
  const [header = [], ...records] = rows.filter((r) => !(r.length === 1 && r[0] === ""))
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ""])))
}

const BoolText = Schema.Literals(["true", "false"])

const ProductRow = Schema.Struct({
  name: Name,
  category: Category,
  size: Size,
  price: Schema.FiniteFromString.pipe(Schema.decodeTo(Price)),
  active: BoolText
})
const EmployeeRow = Schema.Struct({ name: Name, role: Role, active: BoolText })
const CustomerRow = Schema.Struct({ name: Name, email: Email })

const readSeed = Effect.fn("Seeds.readSeed")(function* <S extends Schema.Top & { readonly DecodingServices: never }>(
  file: string,
  schema: S
) {
  const path = Path.join(SEED_DIR, file)
  const text = yield* Effect.try({
    try: () => Fs.readFileSync(path, "utf8"),
    catch: (cause) => new SeedError({ message: `Cannot read ${path}`, cause })
  })
  const decode = Schema.decodeUnknownEffect(schema)
  return yield* Effect.forEach(parseCsv(text), (record, index) =>
    decode(record).pipe(
      Effect.mapError(
        (error) => new SeedError({ message: `${path}, record ${index + 1} (line ${index + 2}): ${error.message}` })
      )
    )
  )
})

/**
 * Loads the master data from `seeds/*.csv`. Idempotent: a row whose natural
 * key (product name + size, employee name, customer email) is present is left
 * as it is, so running it twice changes nothing and writes no change events.
 * Product names and employee names are not unique in the database (the API
 * may create a second "Latte"), so the seed checks them itself, under its lock.
 */
export const seed = Effect.gen(function* () {
  const sql = yield* OltpSql
  const products = yield* readSeed("products.csv", ProductRow)
  const employees = yield* readSeed("employees.csv", EmployeeRow)
  const customers = yield* readSeed("customers.csv", CustomerRow)

  return yield* sql
    .withTransaction(
      Effect.gen(function* () {
        // Serialises concurrent seeders so neither inserts what the other just did.
        yield* sql`LOCK TABLE products, employees, customers IN SHARE ROW EXCLUSIVE MODE`
        const p = yield* sql`
      INSERT INTO products (name, category, size, price, active)
      SELECT s.name, s.category, s.size, s.price, s.active
      FROM unnest(${textArray(products.map((r) => r.name))}::text[], ${textArray(products.map((r) => r.category))}::text[],
                  ${textArray(products.map((r) => r.size))}::text[], ${textArray(products.map((r) => formatDecimal(r.price)))}::numeric[],
                  ${boolArray(products.map((r) => r.active === "true"))}::boolean[]) AS s(name, category, size, price, active)
      WHERE NOT EXISTS (SELECT 1 FROM products x WHERE x.name = s.name AND x.size = s.size)
      RETURNING id`
        const e = yield* sql`
      INSERT INTO employees (name, role, active)
      SELECT s.name, s.role, s.active
      FROM unnest(${textArray(employees.map((r) => r.name))}::text[], ${textArray(employees.map((r) => r.role))}::text[],
                  ${boolArray(employees.map((r) => r.active === "true"))}::boolean[]) AS s(name, role, active)
      WHERE NOT EXISTS (SELECT 1 FROM employees x WHERE x.name = s.name)
      RETURNING id`
        const c = yield* sql`
      INSERT INTO customers (name, email)
      SELECT * FROM unnest(${textArray(customers.map((r) => r.name))}::text[], ${textArray(
        customers.map((r) => r.email.toLowerCase())
      )}::text[])
      ON CONFLICT (email) DO NOTHING
      RETURNING id`
        return { products: p.length, employees: e.length, customers: c.length }
      })
    )
    .pipe(
      Effect.mapError((cause) => new SeedError({ message: `Seeding failed: ${cause.message}`, cause })),
      Effect.tap((n) =>
        Effect.logInfo(
          `Seeded ${n.products} products, ${n.employees} employees, ${n.customers} customers (rows already present are kept)`
        )
      )
    )
})
