import { type JsonSchema, Schema, SchemaAST, SchemaTransformation } from "effect"
import { HttpApi, type HttpApiGroup, type OpenApi } from "effect/http-api"

/** Plain decimal digits: no sign, fraction, exponent or spaces (`7`, not `+7`, `7.0` or `7e0`). */
const DecimalText = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,16}$/u, { message: "must be a whole number written with digits only, such as 42" })
)

/**
 * A whole number in a path or query string, as plain decimal digits, then
 * checked against `schema` (an id's range, a page size's bounds). Number
 * syntax the document does not promise (`1e3`, `+5`, `1.0`) is refused.
 */
export const FromDecimal = <S extends Schema.Codec<number, number>>(schema: S) =>
  DecimalText.pipe(Schema.decodeTo(schema, SchemaTransformation.numberFromString))

const withoutUndefined = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (!SchemaAST.isUnion(ast)) return ast
  const types = ast.types.filter((member) => !SchemaAST.isUndefined(member))
  return types.length === 1 && ast.checks === undefined
    ? types[0]!
    : new SchemaAST.Union(types, ast.options, ast.annotations, ast.checks)
}

/** The JSON Schema of each property's decoded value, by property name. */
const valueSchemas = (schema: Schema.Top | undefined): Map<string, JsonSchema.JsonSchema> => {
  const out = new Map<string, JsonSchema.JsonSchema>()
  if (schema === undefined) return out
  const type = SchemaAST.toType(schema.ast)
  if (!SchemaAST.isObjects(type)) return out
  for (const property of type.propertySignatures) {
    const document = Schema.toJsonSchemaDocument(Schema.make(withoutUndefined(property.type)))
    if (Object.keys(document.definitions).length === 0) out.set(String(property.name), document.schema)
  }
  return out
}

/**
 * OpenAPI describes a path, query or header parameter by its value, which
 * clients serialize as text (`style: simple` / `form`): an id is an integer
 * from 1 to 2^53 − 1, a page size an integer from 1 to 200. Effect describes
 * the text its codec reads instead (any string that parses as a number), so
 * this replaces each parameter's schema by its decoded value's.
 */
export const describeParametersByValue =
  <Id extends string, Groups extends HttpApiGroup.Constraint>(api: HttpApi.HttpApi<Id, Groups>) =>
  (document: Record<string, unknown>): Record<string, unknown> => {
    const byOperation = new Map<string, Map<string, JsonSchema.JsonSchema>>()
    HttpApi.reflect(api, {
      onGroup: () => {},
      onEndpoint: ({ group, endpoint }) => {
        const operationId = group.topLevel ? endpoint.identifier : `${group.identifier}.${endpoint.identifier}`
        const values = [endpoint.params, endpoint.query, endpoint.headers].flatMap((schema) => [
          ...valueSchemas(schema)
        ])
        byOperation.set(operationId, new Map(values))
      }
    })
    const spec = document as unknown as OpenApi.OpenAPISpec
    for (const item of Object.values(spec.paths)) {
      for (const operation of Object.values(item) as Array<Partial<OpenApi.OpenAPISpecOperation>>) {
        const values = operation.operationId === undefined ? undefined : byOperation.get(operation.operationId)
        for (const parameter of values === undefined ? [] : (operation.parameters ?? [])) {
          const value = values?.get(parameter.name)
          if (value !== undefined) parameter.schema = value
        }
      }
    }
    return document
  }
