import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { splitStatements } from "../src/SqlScript.ts"

describe("splitStatements", () => {
  it("splits on semicolons but not inside strings, identifiers, comments or dollar quotes", () => {
    const script = `
      -- a comment; with a semicolon
      CREATE TABLE "odd;name" (v text DEFAULT 'a;b' /* block; */);
      CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;
      DO $$ BEGIN PERFORM 1; END $$;
      SELECT E'it\\'s; fine', 'it''s; fine';
      /* nested /* comment; */ still; */ SELECT 2
    `
    const statements = splitStatements(script)
    assert.strictEqual(statements.length, 5)
    assert.match(statements[0]!, /^-- a comment; with a semicolon\s+CREATE TABLE "odd;name"/)
    assert.match(statements[1]!, /RETURN 1; END \$body\$ LANGUAGE plpgsql$/)
    assert.match(statements[4]!, /SELECT 2$/)
  })

  it("drops empty and comment-only statements", () => {
    assert.deepStrictEqual(splitStatements(";; -- nothing\n ; /* x */"), [])
  })

  it("never loses or reorders the text of simple statements", () => {
    const literal = fc
      .string({ unit: fc.constantFrom("a", ";", " ", "'", "$", "-", "\n") })
      .map((s) => `'${s.replace(/'/g, "''")}'`)
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 10 }), (literals) => {
        const statements = literals.map((l) => `SELECT ${l}`)
        return JSON.stringify(splitStatements(statements.join(";\n"))) === JSON.stringify(statements)
      })
    )
  })
})
