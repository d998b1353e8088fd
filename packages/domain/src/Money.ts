import { Effect, Schema, type SchemaAST, SchemaGetter, SchemaIssue } from "effect"

/**
 * Money is held as a whole number of cents everywhere in code, so sums are
 * exact integer arithmetic. It leaves the process in two shapes only:
 * - JSON: a number in currency units with at most two decimals (`3.5`, `12.25`),
 *   as the seed's API took and returned it;
 * - PostgreSQL: `NUMERIC(12,2)`, read back as its exact decimal text (`"3.50"`).
 */
export const MAX_CENTS = 99_999_999_99 // 99,999,999.99: well inside NUMERIC(12,2)

export const Cents = Schema.Int.check(
  Schema.isGreaterThanOrEqualTo(0, { message: "an amount of money cannot be negative" }),
  Schema.isLessThanOrEqualTo(MAX_CENTS, { message: "an amount of money is at most 99999999.99" })
).pipe(Schema.brand("Cents"))
export type Cents = typeof Cents.Type

/** A strictly positive amount, e.g. a product's price. */
export const PositiveCents = Cents.check(Schema.isGreaterThan(0, { message: "must be greater than 0" }))

const DECIMAL = /^(-?)(\d{1,10})(?:\.(\d{1,2}))?$/

/** Parses exact decimal text such as `"3.5"` or `"12.25"` into cents; `undefined` when it is not such text. */
export const parseDecimal = (text: string): number | undefined => {
  const match = DECIMAL.exec(text.trim())
  if (match === null) return undefined
  const [, sign, units, fraction = ""] = match
  const cents = Number(units) * 100 + Number(fraction.padEnd(2, "0"))
  return sign === "-" ? -cents : cents
}

/** Formats cents as exact decimal text with two places: `350` → `"3.50"`. */
export const formatDecimal = (cents: number): string => {
  const sign = cents < 0 ? "-" : ""
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`
}

/** Currency units as a JSON number → cents. A number with more than two decimals is refused, never rounded. */
export const centsFromUnits = (units: number): number | undefined =>
  Number.isFinite(units) ? parseDecimal(Math.abs(units) < 1e-7 ? "0" : String(units)) : undefined

/** Cents → currency units as a JSON number (`350` → `3.5`): exact, since it is parsed from its decimal text. */
export const unitsFromCents = (cents: number): number => Number(formatDecimal(cents))

const failWith = (message: string) => Effect.fail(new SchemaIssue.InvalidValue({ message }))

/** The largest amount in currency units: 99,999,999.99. */
export const MAX_UNITS = MAX_CENTS / 100

/**
 * At most two decimals, judged on the number's decimal text (`0.07` passes,
 * though `0.07 % 0.01` is not 0 in binary floating point); JSON Schema says
 * `multipleOf: 0.01`, which is the same rule over JSON's decimal numbers.
 */
const isWholeCents = Schema.makeFilter<number>(
  (units) => centsFromUnits(units) !== undefined || `expected an amount with at most two decimals, got ${units}`,
  { expected: "an amount with at most two decimals", toJsonSchema: () => ({ multipleOf: 0.01 }) }
)

const fromUnits = <S extends Schema.Codec<number, number>>(lowest: SchemaAST.Check<number>, cents: S) =>
  Schema.Finite.check(
    lowest,
    Schema.isLessThanOrEqualTo(MAX_UNITS, { message: "an amount of money is at most 99999999.99" }),
    isWholeCents
  ).pipe(
    Schema.decodeTo(cents, {
      decode: SchemaGetter.transformEffect((units: number) => {
        const value = centsFromUnits(units)
        return value === undefined
          ? failWith(`expected an amount with at most two decimals, got ${units}`)
          : Effect.succeed(value)
      }),
      encode: SchemaGetter.transform((value: number) => unitsFromCents(value))
    })
  )

/** JSON number in currency units (0 to 99,999,999.99, at most two decimals) ↔ cents. */
export const MoneyFromUnits = fromUnits(
  Schema.isGreaterThanOrEqualTo(0, { message: "an amount of money cannot be negative" }),
  Cents
)

/** Like `MoneyFromUnits`, strictly positive: a price. */
export const PositiveMoneyFromUnits = fromUnits(
  Schema.isGreaterThan(0, { message: "must be greater than 0" }),
  PositiveCents
)

/** PostgreSQL NUMERIC text ↔ cents. */
export const MoneyFromNumeric = Schema.String.pipe(
  Schema.decodeTo(Cents, {
    decode: SchemaGetter.transformEffect((text: string) => {
      const cents = parseDecimal(text)
      return cents === undefined
        ? failWith(`expected NUMERIC text with at most two decimals, got ${JSON.stringify(text)}`)
        : Effect.succeed(cents)
    }),
    encode: SchemaGetter.transform((cents: number) => formatDecimal(cents))
  })
)
