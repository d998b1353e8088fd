import * as fc from "fast-check"

/**
 * The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the API's
 * document uses: a validator, a generator of valid values and a generator of
 * invalid ones, so a test can hold the server to its own document. A keyword
 * outside the subset throws, so the document cannot outgrow these silently.
 */
export type JsonSchema = Record<string, any>

const KNOWN = new Set([
  "$ref",
  "type",
  "enum",
  "anyOf",
  "allOf",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "format",
  "title",
  "description"
])

export class Schemas {
  private readonly document: JsonSchema
  constructor(document: JsonSchema) {
    this.document = document
  }

  resolve(schema: JsonSchema): JsonSchema {
    for (const key of Object.keys(schema)) {
      if (!KNOWN.has(key)) throw new Error(`JSON Schema keyword outside the tested subset: ${key}`)
    }
    if (typeof schema.$ref !== "string") return schema
    const name = schema.$ref.replace("#/components/schemas/", "")
    const target = this.document.components?.schemas?.[name]
    if (target === undefined) throw new Error(`unresolved $ref ${schema.$ref}`)
    return this.resolve(target)
  }

  /** What is wrong with `value` under `schema`; empty when it is valid. */
  errors(schema: JsonSchema, value: unknown, at = "$"): Array<string> {
    const s = this.resolve(schema)
    const out: Array<string> = []
    const fail = (what: string) => out.push(`${at}: ${what} (${JSON.stringify(value)?.slice(0, 80)})`)
    if (s.anyOf !== undefined) {
      if (!s.anyOf.some((member: JsonSchema) => this.errors(member, value, at).length === 0))
        fail("matches no anyOf member")
    }
    for (const member of s.allOf ?? []) out.push(...this.errors(member, value, at))
    if (s.enum !== undefined && !s.enum.some((e: unknown) => e === value)) fail(`not one of ${s.enum.join(", ")}`)
    switch (s.type) {
      case undefined:
        break
      case "null":
        if (value !== null) fail("not null")
        break
      case "boolean":
        if (typeof value !== "boolean") fail("not a boolean")
        break
      case "integer":
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) fail("not a number")
        else if (s.type === "integer" && !Number.isInteger(value)) fail("not an integer")
        break
      case "string":
        if (typeof value !== "string") fail("not a string")
        break
      case "array":
        if (!Array.isArray(value)) fail("not an array")
        break
      case "object":
        if (typeof value !== "object" || value === null || Array.isArray(value)) fail("not an object")
        break
      default:
        throw new Error(`JSON Schema type outside the tested subset: ${s.type}`)
    }
    if (out.length > 0) return out
    if (typeof value === "number") {
      if (s.minimum !== undefined && value < s.minimum) fail(`below ${s.minimum}`)
      if (s.maximum !== undefined && value > s.maximum) fail(`above ${s.maximum}`)
      if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) fail(`not above ${s.exclusiveMinimum}`)
      if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) fail(`not below ${s.exclusiveMaximum}`)
      if (s.multipleOf !== undefined && !isMultiple(value, s.multipleOf)) fail(`not a multiple of ${s.multipleOf}`)
    }
    if (typeof value === "string") {
      const length = [...value].length
      if (s.minLength !== undefined && length < s.minLength) fail(`shorter than ${s.minLength}`)
      if (s.maxLength !== undefined && length > s.maxLength) fail(`longer than ${s.maxLength}`)
      if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) fail(`does not match ${s.pattern}`)
    }
    if (Array.isArray(value)) {
      if (s.minItems !== undefined && value.length < s.minItems) fail(`fewer than ${s.minItems} items`)
      if (s.maxItems !== undefined && value.length > s.maxItems) fail(`more than ${s.maxItems} items`)
      if (s.items !== undefined) {
        for (const [i, item] of value.entries()) out.push(...this.errors(s.items, item, `${at}[${i}]`))
      }
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>
      for (const key of s.required ?? []) if (!Object.hasOwn(record, key)) fail(`lacks ${key}`)
      for (const [key, v] of Object.entries(record)) {
        const property = s.properties?.[key]
        if (property !== undefined) out.push(...this.errors(property, v, `${at}.${key}`))
        else if (s.additionalProperties === false) fail(`has unknown key ${key}`)
      }
    }
    return out
  }

  /** Values the schema accepts. Integers lean towards their low end, where a seeded database has rows. */
  valid(schema: JsonSchema): fc.Arbitrary<unknown> {
    const s = this.resolve(schema)
    if (s.anyOf !== undefined) return fc.oneof(...s.anyOf.map((member: JsonSchema) => this.valid(member)))
    if (s.enum !== undefined) return fc.constantFrom(...s.enum)
    switch (s.type) {
      case "null":
        return fc.constant(null)
      case "boolean":
        return fc.boolean()
      case "integer": {
        const [min, max] = integerBounds(s)
        return fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min, max: Math.min(max, min + 40) }) },
          { weight: 1, arbitrary: fc.integer({ min, max }) },
          fc.constantFrom(min, max)
        )
      }
      case "number": {
        if (s.multipleOf !== 0.01) throw new Error("only numbers with multipleOf 0.01 (money) are generated")
        const [min, max] = integerBounds({
          minimum: s.minimum === undefined ? undefined : Math.round(s.minimum * 100),
          exclusiveMinimum: s.exclusiveMinimum === undefined ? undefined : Math.round(s.exclusiveMinimum * 100),
          maximum: s.maximum === undefined ? undefined : Math.round(s.maximum * 100)
        })
        return fc
          .oneof(
            fc.integer({ min, max: Math.min(max, min + 2_000) }),
            fc.integer({ min, max }),
            fc.constantFrom(min, max)
          )
          .map((cents) => cents / 100)
      }
      case "string": {
        const patterns: Array<string> = [s.pattern, ...(s.allOf ?? []).map((m: JsonSchema) => m.pattern)].filter(
          (p) => p !== undefined
        )
        const source =
          patterns.length === 0
            ? fc.string({ unit: "grapheme", maxLength: Math.min(s.maxLength ?? 40, 40) })
            : fc.oneof(...patterns.map((p) => fc.stringMatching(new RegExp(p, "u"))))
        return source.filter((text) => !LONE_SURROGATE.test(text) && this.errors(s, text).length === 0)
      }
      case "array":
        return fc.array(this.valid(s.items), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) })
      case "object": {
        const properties = s.properties ?? {}
        const model: Record<string, fc.Arbitrary<unknown>> = {}
        for (const [key, property] of Object.entries(properties)) model[key] = this.valid(property as JsonSchema)
        return fc.record(model, { requiredKeys: s.required ?? [] })
      }
      default:
        throw new Error(`cannot generate JSON Schema type ${s.type}`)
    }
  }

  /**
   * Values the schema refuses: a wrong type, a bound crossed by one, a
   * broken pattern, an unknown or a missing key, one bad item. Each
   * candidate is kept only if `errors` finds it invalid.
   */
  invalid(schema: JsonSchema): fc.Arbitrary<unknown> {
    const s = this.resolve(schema)
    const candidates: Array<fc.Arbitrary<unknown>> = [
      fc.constantFrom<unknown>(null, true, "1", 1.5, -1, 0, [], {}, "", "x".repeat(300), "\u0001", " padded ")
    ]
    if (typeof s.maximum === "number") candidates.push(fc.constant(s.maximum + (s.type === "integer" ? 1 : 0.01)))
    if (typeof s.minimum === "number") candidates.push(fc.constant(s.minimum - 1))
    if (s.multipleOf !== undefined) candidates.push(fc.integer({ min: 1, max: 10_000 }).map((n) => n / 1000 + 0.0001))
    if (typeof s.maxLength === "number") candidates.push(fc.constant("a".repeat(s.maxLength + 1)))
    if (s.type === "string" && s.pattern !== undefined) {
      candidates.push(fc.constantFrom("no-at-sign", "a\u0007b", "tab\there", "\u00a0lead", "two  @x.y"))
    }
    if (s.type === "array" && s.items !== undefined) {
      candidates.push(
        fc.tuple(this.valid(s), this.invalid(s.items)).map(([items, bad]) => [...(items as Array<unknown>), bad])
      )
      if (typeof s.maxItems === "number") {
        candidates.push(this.valid(s.items).map((item) => Array.from({ length: s.maxItems + 1 }, () => item)))
      }
    }
    if (s.type === "object") {
      const valid = this.valid(s) as fc.Arbitrary<Record<string, unknown>>
      candidates.push(valid.map((v) => ({ ...v, unknown_key: 1 })))
      for (const key of s.required ?? []) {
        candidates.push(valid.map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k !== key))))
      }
      for (const [key, property] of Object.entries(s.properties ?? {})) {
        candidates.push(fc.tuple(valid, this.invalid(property as JsonSchema)).map(([v, bad]) => ({ ...v, [key]: bad })))
      }
    }
    return fc.oneof(...candidates).filter((value) => this.errors(s, value).length > 0)
  }
}

// Not Unicode text (PostgreSQL cannot store it); JSON Schema's strings are Unicode text.
const LONE_SURROGATE = /\p{Cs}/u

const integerBounds = (s: JsonSchema): [number, number] => [
  s.minimum ?? (s.exclusiveMinimum === undefined ? Number.MIN_SAFE_INTEGER : s.exclusiveMinimum + 1),
  s.maximum ?? (s.exclusiveMaximum === undefined ? Number.MAX_SAFE_INTEGER : s.exclusiveMaximum - 1)
]

/** `multipleOf` over JSON's decimal numbers: judged on the decimal text, not by float division. */
const isMultiple = (value: number, divisor: number) => {
  if (/e/i.test(String(value))) return Number.isInteger(value / divisor)
  const decimals = (String(divisor).split(".")[1] ?? "").length
  // The float product only says whether the divisor's digits fit; its error grows with the value
  // (71578677.71 × 100 is 7157867770.999999), so compare within a relative tolerance.
  const scaled = value * 10 ** decimals
  const whole = Math.abs(scaled - Math.round(scaled)) <= Math.max(1, Math.abs(scaled)) * 1e-12
  return whole && String(value).replace(/^-?\d+\.?/, "").length <= decimals
}
