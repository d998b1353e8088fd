import { Api } from "@brewlytics/domain/api/Api.ts"
import { assert, describe as group, layer, it as test } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import type { HttpClient, HttpServer } from "effect/http"
import { OpenApi } from "effect/http-api"
import * as fc from "fast-check"
import { errorResponse } from "../src/Envelope.ts"
import { type JsonSchema, Schemas } from "./JsonSchemaSubset.ts"
import { live, type RawResponse, send, TestApi } from "./TestApi.ts"

/**
 * Holds the server to its own OpenAPI document: requests are generated from
 * the document's schemas, and every answer must be a status the document
 * lists for that operation, with a body its schema for that status accepts.
 */

interface Operation {
  readonly path: string
  readonly method: string
  readonly spec: JsonSchema
}

interface Request {
  readonly method: string
  readonly url: string
  readonly body?: string
  readonly headers: Record<string, string>
}

const METHODS = ["get", "post", "put", "patch", "delete", "options"] as const

const operationsOf = (document: JsonSchema): Array<Operation> =>
  Object.entries(document.paths as Record<string, Record<string, JsonSchema>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (METHODS as ReadonlyArray<string>).includes(method))
      .map(([method, spec]) => ({ path, method: method.toUpperCase(), spec }))
  )

const bodySchema = (operation: Operation): JsonSchema | undefined =>
  operation.spec.requestBody?.content?.["application/json"]?.schema

const parameters = (operation: Operation, where: string): Array<JsonSchema> =>
  (operation.spec.parameters ?? []).filter((p: JsonSchema) => p.in === where)

/** A request whose path, query and headers the document accepts, with the given body. */
const requestFor = (schemas: Schemas, operation: Operation, body: fc.Arbitrary<unknown> | undefined) => {
  const path = fc.record(
    Object.fromEntries(parameters(operation, "path").map((p) => [p.name, schemas.valid(p.schema).map(String)]))
  )
  const optional = (where: string) =>
    fc.record(
      Object.fromEntries(parameters(operation, where).map((p) => [p.name, schemas.valid(p.schema).map(String)])),
      { requiredKeys: [] }
    )
  return fc
    .record({ path, query: optional("query"), headers: optional("header"), body: body ?? fc.constant(undefined) })
    .map(
      ({ path, query, headers, body }): Request => ({
        method: operation.method,
        url:
          operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent((path as Record<string, string>)[name]!)
          ) + (Object.keys(query).length === 0 ? "" : `?${new URLSearchParams(query as Record<string, string>)}`),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headers: headers as Record<string, string>
      })
    )
}

const describe = (request: Request, res: RawResponse) =>
  `${request.method} ${request.url} ${JSON.stringify(request.headers)} ${request.body ?? ""} → ${res.status} ${res.text.slice(0, 300)}`

/** The answer is one the document lists for the operation, and its body fits that status's schema. */
const assertDocumented = (schemas: Schemas, operation: Operation, request: Request, res: RawResponse) => {
  const response = operation.spec.responses[String(res.status)]
  assert.isDefined(response, `status not listed for ${operation.method} ${operation.path}: ${describe(request, res)}`)
  const schema = response.content?.["application/json"]?.schema
  assert.isDefined(schema, `no JSON schema for ${res.status}: ${describe(request, res)}`)
  assert.deepStrictEqual(
    schemas.errors(schema, res.json),
    [],
    `body does not fit the document: ${describe(request, res)}`
  )
}

type Env = HttpServer.HttpServer | HttpClient.HttpClient

const property = <A>(arbitrary: fc.Arbitrary<A>, check: (a: A) => Effect.Effect<void, never, Env>, numRuns: number) =>
  Effect.gen(function* () {
    const context = yield* Effect.context<Env>()
    yield* Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(arbitrary, (a) => check(a).pipe(Effect.provideContext(context), Effect.runPromise)),
        { numRuns }
      )
    )
  })

const sendRequest = (request: Request) =>
  send(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body })
  })

layer(TestApi(), live)("the OpenAPI document describes what the server does", (it) => {
  const documentEffect = send("/openapi.json").pipe(Effect.map((res) => res.json as JsonSchema))

  it.effect("the document states the constraints the server enforces", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      const param = (path: string, method: string, name: string) =>
        document.paths[path][method].parameters.find((p: JsonSchema) => p.name === name).schema
      const id = { type: "integer", exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }
      assert.deepStrictEqual(param("/customers/{id}", "get", "id"), id)
      assert.deepStrictEqual(param("/orders/{id}/items/{item_id}", "patch", "item_id"), id)
      assert.deepStrictEqual(param("/orders", "get", "customer_id"), id)
      assert.deepStrictEqual(param("/products", "get", "limit"), { type: "integer", minimum: 1, maximum: 200 })
      const key = param("/orders/new", "post", "idempotency-key")
      assert.strictEqual(key.minLength, 1)
      assert.strictEqual(key.maxLength, 255)
      const schemas = new Schemas(document)
      const newProduct = document.paths["/products/new"].post.requestBody.content["application/json"].schema
      assert.deepStrictEqual(
        { ...newProduct.properties.price },
        { type: "number", exclusiveMinimum: 0, maximum: 99999999.99, multipleOf: 0.01 }
      )
      const newCustomer = document.paths["/customers/new"].post.requestBody.content["application/json"].schema
      assert.isNotEmpty(schemas.errors(newCustomer.properties.email, "not-an-email"))
      assert.isEmpty(schemas.errors(newCustomer.properties.email, "ana@example.com"))
      assert.isNotEmpty(schemas.errors(newCustomer.properties.name, "Ann\u0007"))
      assert.isEmpty(schemas.errors(newCustomer.properties.name, "Ann Lee"))
      assert.isFalse(newCustomer.additionalProperties)
    })
  )

  it.effect("every operation lists 400 and 503; those with a body 408, 413 and 415; the guarded ones 401", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      for (const operation of operationsOf(document)) {
        const listed = Object.keys(operation.spec.responses)
        const name = `${operation.method} ${operation.path}: ${listed}`
        for (const status of ["400", "503"]) assert.include(listed, status, name)
        for (const status of ["408", "413", "415"]) {
          assert.strictEqual(listed.includes(status), bodySchema(operation) !== undefined, `${status} ${name}`)
        }
        assert.strictEqual(listed.includes("401"), operation.spec.security.length > 0, `401 ${name}`)
        if (operation.path.includes("{")) assert.include(listed, "404", name)
      }
    })
  )

  it.effect("requests the document accepts get a listed status, never 400, and a body that fits", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      const schemas = new Schemas(document)
      for (const operation of operationsOf(document)) {
        const body = bodySchema(operation)
        yield* property(
          requestFor(schemas, operation, body === undefined ? undefined : schemas.valid(body)),
          (request) =>
            Effect.gen(function* () {
              const res = yield* sendRequest(request)
              assert.notStrictEqual(res.status, 400, `a valid request was refused: ${describe(request, res)}`)
              assertDocumented(schemas, operation, request, res)
            }),
          25
        )
      }
    })
  )

  it.effect("bodies the document refuses (wrong type, out of range, unknown or missing key) get its 400", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      const schemas = new Schemas(document)
      for (const operation of operationsOf(document)) {
        const body = bodySchema(operation)
        if (body === undefined) continue
        yield* property(
          requestFor(schemas, operation, schemas.invalid(body)),
          (request) =>
            Effect.gen(function* () {
              const res = yield* sendRequest(request)
              assert.strictEqual(res.status, 400, `an invalid body was not refused: ${describe(request, res)}`)
              assertDocumented(schemas, operation, request, res)
            }),
          25
        )
      }
    })
  )

  it.effect("path and query values the document refuses get its 400", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      const schemas = new Schemas(document)
      const text = fc.constantFrom("0", "-1", "1e0", "+1", "1.0", "01x", "9007199254740992", "abc", "%20")
      for (const operation of operationsOf(document)) {
        const numeric = (operation.spec.parameters as Array<JsonSchema>).filter(
          (p) => p.in !== "header" && p.schema.type === "integer"
        )
        if (numeric.length === 0) continue
        const body = bodySchema(operation)
        const request = fc
          .tuple(
            requestFor(schemas, operation, body === undefined ? undefined : schemas.valid(body)),
            fc.constantFrom(...numeric),
            text
          )
          .map(([request, parameter, bad]): Request => {
            if (parameter.in === "path") {
              const segments = operation.path.split("/")
              const index = segments.indexOf(`{${parameter.name}}`)
              const url = request.url.split("?")
              const actual = url[0]!.split("/")
              actual[index] = bad
              return { ...request, url: [actual.join("/"), ...url.slice(1)].join("?") }
            }
            const [path, query = ""] = request.url.split("?")
            const params = new URLSearchParams(query)
            params.set(parameter.name, bad)
            return { ...request, url: `${path}?${params.toString().replace(/%2520/g, "%20")}` }
          })
        yield* property(
          request,
          (request) =>
            Effect.gen(function* () {
              const res = yield* sendRequest(request)
              assert.strictEqual(res.status, 400, `an invalid parameter was not refused: ${describe(request, res)}`)
              assertDocumented(schemas, operation, request, res)
            }),
          10
        )
      }
    })
  )

  it.effect("a method a path does not take: 405, Allow listing the document's methods, the documented body", () =>
    Effect.gen(function* () {
      const document = yield* documentEffect
      const schemas = new Schemas(document)
      const paths = Object.entries(document.paths as Record<string, JsonSchema>).map(([path, item]) => ({
        path,
        pattern: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`),
        methods: Object.keys(item).map((m) => m.toUpperCase())
      }))
      // A URL can match several of the document's paths (`/orders/new` and `/orders/{id}`): it takes all their methods.
      const methodsOf = (url: string) => [
        ...new Set(paths.filter((p) => p.pattern.test(url)).flatMap((p) => p.methods))
      ]
      for (const { path } of paths) {
        const url = path.replace(/\{\w+\}/g, "1")
        const listed = methodsOf(url)
        const allow = listed.includes("GET") ? [...listed, "HEAD"] : listed
        for (const method of METHODS.map((m) => m.toUpperCase()).filter((m) => !listed.includes(m))) {
          const res = yield* send(url, { method, ...(method === "GET" ? {} : { body: "{}" }) })
          const what = `${method} ${url} → ${res.status} ${res.text}`
          assert.strictEqual(res.status, 405, what)
          assert.sameMembers(
            (res.headers.allow ?? "").split(",").map((m) => m.trim()),
            allow,
            what
          )
          assert.deepStrictEqual(
            schemas.errors({ $ref: "#/components/schemas/MethodNotAllowedEncoded" }, res.json),
            [],
            what
          )
        }
      }
      const unknown = yield* send("/no/such/route", { method: "DELETE" })
      assert.strictEqual(unknown.status, 404, "an unknown path stays a 404")
    })
  )
})

layer(TestApi({ token: Option.some(Redacted.make("contract-token")) }), live)("with API_TOKEN set", (it) => {
  it.effect(
    "the guarded operations answer a missing or wrong token with their documented 401; the others never do",
    () =>
      Effect.gen(function* () {
        const document = (yield* send("/openapi.json")).json as JsonSchema
        const schemas = new Schemas(document)
        for (const operation of operationsOf(document)) {
          const body = bodySchema(operation)
          const guarded = operation.spec.security.length > 0
          yield* property(
            fc.tuple(
              requestFor(schemas, operation, body === undefined ? undefined : schemas.valid(body)),
              fc.constantFrom<Record<string, string>>({}, { authorization: "Bearer wrong" }, { authorization: "" })
            ),
            ([request, auth]) =>
              Effect.gen(function* () {
                const sent = { ...request, headers: { ...request.headers, ...auth } }
                const res = yield* sendRequest(sent)
                if (guarded) assert.strictEqual(res.status, 401, describe(sent, res))
                else assert.notStrictEqual(res.status, 401, describe(sent, res))
                assertDocumented(schemas, operation, sent, res)
              }),
            5
          )
        }
      })
  )
})

group("error answers", () => {
  test("the envelope answers each documented error status with the _tag its schema names", () => {
    const document = OpenApi.fromApi(Api) as unknown as JsonSchema
    const tags = new Map<number, string>()
    for (const operation of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.spec.responses as Record<string, JsonSchema>)) {
        const ref: string | undefined = response.content?.["application/json"]?.schema?.$ref
        if (Number(status) >= 400 && ref !== undefined) {
          const name = ref.replace("#/components/schemas/", "")
          tags.set(Number(status), document.components.schemas[name].properties._tag.enum[0])
        }
      }
    }
    tags.set(405, document.components.schemas.MethodNotAllowedEncoded.properties._tag.enum[0])
    assert.sameMembers([...tags.keys()], [400, 401, 404, 405, 408, 409, 413, 415, 422, 503])
    for (const [status, tag] of tags) {
      const body = errorResponse(status, "code", "message").body
      assert.strictEqual(body._tag, "Uint8Array")
      const json = JSON.parse(new TextDecoder().decode((body as { body: Uint8Array }).body))
      assert.strictEqual(json._tag, tag, `status ${status}`)
    }
  })
})
