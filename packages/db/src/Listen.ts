/**
 * Why a server of ours could not listen, and which settings move it: one
 * wording for the API (`API_PORT`) and the pipeline runner's status endpoint
 * (`RUNNER_PORT`). `cause` is what `HttpServer`'s `ServeError` carries (Node's
 * `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`).
 */
export const cannotListen = (options: {
  /** The server, as the sentence's subject: "The API". */
  readonly server: string
  /** The address it tried, or undefined for every interface. */
  readonly host: string | undefined
  readonly port: number
  readonly portSetting: string
  readonly hostSetting: string
  readonly cause: unknown
}) =>
  `${options.server} cannot listen on ${options.host ?? "every interface,"} port ${options.port}: ${
    options.cause instanceof Error ? options.cause.message : String(options.cause)
  }. Stop what uses the port, or set ${options.portSetting} (and ${options.hostSetting} to an address of this machine).`
