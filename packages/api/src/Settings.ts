import { apiToken } from "@brewlytics/db/AccessToken.ts"
import { Config, Context, Duration, Effect, Layer, Option, type Redacted } from "effect"

/** The API's own settings, read once through `Config` when the server starts. */
export class ApiSettings extends Context.Service<
  ApiSettings,
  {
    readonly port: number
    /** The address to listen on (`API_HOST`); none: every interface. */
    readonly host: Option.Option<string>
    /** Set: write routes and `/metrics` need `Authorization: Bearer <token>`. Unset: the API is open. */
    readonly token: Option.Option<Redacted.Redacted>
    /** Larger bodies get 413 before a byte of them is parsed. */
    readonly maxBodyBytes: number
    /** Headers that take longer to arrive get a JSON 408 and the connection is closed. */
    readonly headersTimeout: Duration.Duration
    /** A body that takes longer to arrive (after its headers) gets a JSON 408 and the connection is closed. */
    readonly bodyTimeout: Duration.Duration
    /** A request that takes longer gets 503 and its database statement is cancelled. */
    readonly requestTimeout: Duration.Duration
    /** How long SIGTERM waits for in-flight requests before closing the pools. */
    readonly shutdownTimeout: Duration.Duration
  }
>()("@brewlytics/api/ApiSettings") {
  static readonly layer = Layer.effect(
    ApiSettings,
    Effect.gen(function* () {
      return yield* Config.all({
        port: Config.Port("API_PORT").pipe(Config.withDefault(8000)),
        host: Config.option(Config.String("API_HOST")),
        token: apiToken,
        maxBodyBytes: Config.Int("API_MAX_BODY_BYTES").pipe(Config.withDefault(64 * 1024)),
        headersTimeout: Config.Duration("API_HEADERS_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
        bodyTimeout: Config.Duration("API_BODY_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
        requestTimeout: Config.Duration("API_REQUEST_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
        shutdownTimeout: Config.Duration("API_SHUTDOWN_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20)))
      })
    })
  )

  /** The defaults, open (no token), on any free port, with `overrides`: how the benches run the API in process. */
  static readonly inProcess = (overrides: Partial<ApiSettings["Service"]> = {}) =>
    Layer.succeed(ApiSettings, {
      port: 0,
      host: Option.none(),
      token: Option.none(),
      maxBodyBytes: 64 * 1024,
      headersTimeout: Duration.seconds(10),
      bodyTimeout: Duration.seconds(5),
      requestTimeout: Duration.seconds(5),
      shutdownTimeout: Duration.seconds(5),
      ...overrides
    })
}
