import * as Net from "node:net"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { baseUrl, live, send, TestApi, tableCounts } from "./TestApi.ts"

interface Trickled {
  /** The raw bytes the server answered, status line to body. */
  readonly answer: string
  /** How many bytes of `rest` had been written when the server closed the connection. */
  readonly sent: number
}

/**
 * A client over a real socket: writes `head` at once, then `rest` one byte
 * every `everyMs`, until the server closes the connection.
 */
const trickle = (head: string, rest: string, everyMs: number) =>
  Effect.gen(function* () {
    const url = new URL(yield* baseUrl)
    return yield* Effect.callback<Trickled>((resume) => {
      const socket = Net.connect(Number(url.port), "127.0.0.1")
      let answer = ""
      let sent = 0
      socket.setEncoding("utf8")
      socket.on("data", (d) => {
        answer += d
      })
      socket.on("error", () => {})
      socket.write(head)
      const timer = setInterval(() => {
        if (sent < rest.length && socket.writable) socket.write(rest[sent++]!)
      }, everyMs)
      socket.on("close", () => {
        clearInterval(timer)
        resume(Effect.succeed({ answer, sent }))
      })
      return Effect.sync(() => {
        clearInterval(timer)
        socket.destroy()
      })
    })
  })

const parse = (answer: string) => {
  const [head = "", body = ""] = answer.split("\r\n\r\n")
  const [statusLine = "", ...headerLines] = head.split("\r\n")
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(":")).toLowerCase(),
      line.slice(line.indexOf(":") + 1).trim()
    ])
  )
  return { status: Number(statusLine.split(" ")[1]), headers, json: JSON.parse(body) }
}

/** The sum of `http_requests_total` over every series with this method and status. */
const answered = (method: string, status: number) =>
  Effect.map(send("/metrics"), (metrics) =>
    [
      ...metrics.text.matchAll(
        new RegExp(`^http_requests_total\\{[^}]*method="${method}"[^}]*status="${status}"[^}]*\\} (\\d+)`, "gm")
      )
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0)
  )

const order = JSON.stringify({ customer_id: 1, items: [{ product_id: 1, quantity: 1 }] })

layer(TestApi({ headersTimeout: Duration.seconds(2), bodyTimeout: Duration.seconds(1) }), live)(
  "slow clients get a JSON 408 and the connection is closed",
  (it) => {
    it.effect("a body trickling in slower than API_BODY_TIMEOUT → 408 body_timeout, counted, nothing written", () =>
      Effect.gen(function* () {
        const before = yield* tableCounts
        const counted = yield* answered("POST", 408)
        const { answer, sent } = yield* trickle(
          `POST /orders/new HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${order.length}\r\n\r\n`,
          order,
          250
        )
        assert.isBelow(sent, order.length, "the server waited for the whole body")
        const res = parse(answer)
        assert.strictEqual(res.status, 408, answer)
        assert.include(res.headers["content-type"], "application/json")
        assert.strictEqual(res.headers.connection, "close")
        assert.strictEqual(res.json.code, "body_timeout")
        assert.include(res.json.message, "1s")
        // Answered by the API itself (which knows the method), not by Node's backstop timeout.
        assert.strictEqual(yield* answered("POST", 408), counted + 1)
        assert.deepStrictEqual(yield* tableCounts, before)
      })
    )

    it.effect("headers trickling in slower than API_HEADERS_TIMEOUT → 408 headers_timeout, counted", () =>
      Effect.gen(function* () {
        const counted = yield* answered("unknown", 408)
        const rest = `X-Slow: ${"a".repeat(200)}\r\n\r\n`
        const { answer, sent } = yield* trickle("GET /health HTTP/1.1\r\nHost: localhost\r\n", rest, 100)
        assert.isBelow(sent, rest.length, "the server waited for all the headers")
        const res = parse(answer)
        assert.strictEqual(res.status, 408, answer)
        assert.include(res.headers["content-type"], "application/json")
        assert.strictEqual(res.headers.connection, "close")
        assert.strictEqual(res.json.code, "headers_timeout")
        assert.include(res.json.message, "2s")
        assert.strictEqual(yield* answered("unknown", 408), counted + 1)
      })
    )

    it.effect("a client that sends promptly is unaffected", () =>
      Effect.gen(function* () {
        const { answer } = yield* trickle(
          `POST /orders/new HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${order.length}\r\n\r\n${order}`,
          "",
          10
        )
        assert.strictEqual(parse(answer).status, 200, answer)
      })
    )

    it.effect(
      "what Node refuses before a request exists gets the same JSON: 431 for huge headers, 400 for non-HTTP",
      () =>
        Effect.gen(function* () {
          const before = yield* answered("unknown", 431)
          const huge = yield* trickle(
            `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
            "",
            10
          )
          const tooLarge = parse(huge.answer)
          assert.strictEqual(tooLarge.status, 431, huge.answer)
          assert.strictEqual(tooLarge.json.code, "headers_too_large")
          assert.strictEqual(yield* answered("unknown", 431), before + 1)
          const garbage = yield* trickle("HELLO THERE\r\n\r\n", "", 10)
          const unreadable = parse(garbage.answer)
          assert.strictEqual(unreadable.status, 400, garbage.answer)
          assert.strictEqual(unreadable.json.code, "unreadable_request")
        })
    )

    it.effect(
      "an idle keep-alive connection is not a slow client: a request after a pause past the headers limit is answered",
      () =>
        Effect.gen(function* () {
          const url = new URL(yield* baseUrl)
          const answers = yield* Effect.callback<ReadonlyArray<string>>((resume) => {
            const socket = Net.connect(Number(url.port), "127.0.0.1")
            const seen: Array<string> = []
            const request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
            socket.setEncoding("utf8")
            socket.on("error", () => {})
            socket.on("data", (d: string) => {
              seen.push(d)
              // Idle for longer than API_HEADERS_TIMEOUT (2 s here) between two requests.
              if (seen.length === 1) setTimeout(() => socket.write(request), 3_000)
              else socket.end()
            })
            socket.on("close", () => resume(Effect.succeed(seen)))
            socket.write(request)
            return Effect.sync(() => socket.destroy())
          })
          assert.strictEqual(answers.length, 2, JSON.stringify(answers))
          for (const answer of answers) assert.strictEqual(parse(answer).status, 200, answer)
        })
    )
  }
)
