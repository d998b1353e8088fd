import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { cli, keepAliveClient, makePlace, timeout, waitReady } from "./System.ts"

describe("brewlytics start with API_TOKEN and API_HOST set", () => {
  it.live(
    "both services listen on 127.0.0.1, /metrics and the runner's /status need the token, `pipeline status` still works",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace({ API_TOKEN: "till-s3cret", API_HOST: "127.0.0.1" })
        const system = yield* cli(place, ["start"])
        yield* waitReady(place, system)
        const client = yield* HttpClient.HttpClient
        const get = (url: string, headers: Record<string, string> = {}) =>
          client.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers)))
        const runnerStatus = `http://127.0.0.1:${place.runnerPort}/status`
        // The runner starts on its own thread after the API: wait for its endpoint.
        yield* get(runnerStatus).pipe(
          Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 150 }),
          timeout("30 seconds", "the runner's endpoint")
        )

        assert.include(system.output(), `The API answers on http://127.0.0.1:${place.apiPort}`)
        assert.include(
          system.output(),
          `The pipeline runner's status endpoint answers on http://127.0.0.1:${place.runnerPort}/status`
        )
        assert.notInclude(system.output(), "Listening on")
        for (const url of [`${place.apiUrl}/metrics`, runnerStatus]) {
          assert.strictEqual((yield* get(url)).status, 401, url)
          assert.strictEqual((yield* get(url, { authorization: "Bearer wrong" })).status, 401, url)
          assert.strictEqual((yield* get(url, { authorization: "Bearer till-s3cret" })).status, 200, url)
        }

        const status = yield* cli(place, ["pipeline", "status"])
        const ended = yield* status.exited.pipe(timeout("60 seconds", "brewlytics pipeline status"))
        assert.strictEqual(ended.code, 0, status.output())
        assert.include(status.output(), "cdc_to_star")

        system.child.kill("SIGINT")
        yield* system.exited.pipe(timeout("60 seconds", "stopping"))
      }).pipe(Effect.scoped, Effect.provide(keepAliveClient)),
    { timeout: 300_000 }
  )
})
