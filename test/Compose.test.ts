import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { brewlytics } from "@brewlytics/cli/Cli.ts"
import { assert, describe, it } from "@effect/vitest"
import type { Command } from "effect/cli"
import { parse } from "yaml"

const root = Path.resolve(import.meta.dirname, "..")

/**
 * Commands and settings the stack uses that are being added to the CLI in
 * parallel: each entry must go from here once its code is merged (the test
 * says so when it finds one present).
 */

interface Service {
  readonly build?: { readonly target?: string }
  readonly image?: string
  readonly command?: ReadonlyArray<string>
  readonly environment?: Record<string, string | null>
  readonly depends_on?: Record<string, { readonly condition: string }>
  readonly profiles?: ReadonlyArray<string>
  readonly deploy?: { readonly replicas?: number }
  readonly healthcheck?: unknown
  readonly volumes?: ReadonlyArray<unknown>
}

const compose = spawnSync("docker-compose", ["version"], { encoding: "utf8" })
const missing = compose.error !== undefined
if (missing) {
  console.warn(
    "Compose tests skipped: the docker-compose binary is missing here (apt-get install -y docker-compose; CI installs it)."
  )
}

/** The stack as Compose itself resolves it (anchors merged, variables from .env.sample, every profile on). */
const resolved = () => {
  const out = spawnSync(
    "docker-compose",
    [
      "--project-directory",
      root,
      "--env-file",
      Path.join(root, ".env.sample"),
      "-f",
      Path.join(root, "docker-compose.yml"),
      "--profile",
      "k6",
      "--profile",
      "simulate",
      "--profile",
      "tests",
      "config"
    ],
    { encoding: "utf8" }
  )
  assert.strictEqual(out.status, 0, `docker-compose config refused the file:\n${out.stderr}`)
  return parse(out.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> }
}

/** Whether `brewlytics <words…>` names a command of the CLI (a group or a leaf), walking its command tree. */
const cliHas = (words: ReadonlyArray<string>): boolean => {
  let command: Command.Command.Any | undefined = brewlytics
  for (const word of words) {
    const children: ReadonlyArray<Command.Command.Any> = command!.subcommands.flatMap((g) => [...g.commands])
    command = children.find((c) => c.name === word)
    if (command === undefined) return false
  }
  return true
}

/** The CLI words of a service's command: up to its first flag. */
const commandWords = (command: ReadonlyArray<string>) => {
  const flag = command.findIndex((w) => w.startsWith("-"))
  return flag === -1 ? command : command.slice(0, flag)
}

const sourcesUnder = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = Path.join(dir, e.name)
    return e.isDirectory() ? sourcesUnder(path) : e.name.endsWith(".ts") ? [path] : []
  })

/**
 * The environment variables the services' code reads: names given to
 * `Config.*` (literals, and prefixes such as `PIPELINE_SCHEDULE_${name}`)
 * and `process.env.NAME`, in packages/{name}/src.
 */
const settingsRead = () => {
  const names = new Set<string>()
  const prefixes = new Set<string>()
  const packages = Path.join(root, "packages")
  for (const pkg of Fs.readdirSync(packages)) {
    const src = Path.join(packages, pkg, "src")
    if (!Fs.existsSync(src)) continue
    for (const file of sourcesUnder(src)) {
      const text = Fs.readFileSync(file, "utf8")
      for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!)
      if (!text.includes("Config.")) continue
      for (const m of text.matchAll(/Config\.\w+\(\s*"([A-Z][A-Z0-9_]+)"/g)) names.add(m[1]!)
      for (const m of text.matchAll(/Config\.\w+\([^;]*?,\s*"([A-Z][A-Z0-9_]+)"\s*\)/g)) names.add(m[1]!)
      for (const m of text.matchAll(/Config\.\w+\(\s*`([A-Z][A-Z0-9_]+_)\$\{/g)) prefixes.add(m[1]!)
    }
  }
  return { reads: (name: string) => names.has(name) || [...prefixes].some((p) => name.startsWith(p)), names }
}

describe.skipIf(missing)("docker-compose.yml", () => {
  it("is valid, brings the services up in order and keeps the data in named volumes", () => {
    const { services, volumes } = resolved()
    for (const name of ["oltp-db", "olap-db", "metabase-db", "migrate", "seed", "api", "gateway", "pipeline"]) {
      assert.property(services, name)
    }
    for (const name of ["metabase", "dashboards-sync", "k6", "simulate", "tests"]) assert.property(services, name)
    assert.strictEqual(services.api!.deploy?.replicas, 2)
    assert.deepStrictEqual(services.k6!.profiles, ["k6"])
    assert.deepStrictEqual(services.simulate!.profiles, ["simulate"])
    assert.deepStrictEqual(services.tests!.profiles, ["tests"])
    for (const db of ["oltp-db", "olap-db", "metabase-db"]) {
      assert.strictEqual(services[db]!.image, "postgres:18.1")
      assert.isDefined(services[db]!.healthcheck, `${db} has a health check`)
    }
    assert.match(services.metabase!.image!, /^metabase\/metabase:v0\.\d+\.\d+$/, "Metabase is pinned")
    assert.deepStrictEqual(Object.keys(volumes).sort(), ["metabase-data", "olap-data", "oltp-data"])
    // Every dependency waits for something: health, or a one-shot job's success.
    for (const [name, service] of Object.entries(services)) {
      for (const [on, { condition }] of Object.entries(service.depends_on ?? {})) {
        assert.include(["service_healthy", "service_completed_successfully"], condition, `${name} → ${on}`)
        const target = services[on]!
        if (condition === "service_healthy") assert.isDefined(target.healthcheck, `${on} needs a health check`)
      }
    }
    assert.strictEqual(services.api!.depends_on!.seed!.condition, "service_completed_successfully")
    assert.strictEqual(services.seed!.depends_on!.migrate!.condition, "service_completed_successfully")
    assert.strictEqual(services.migrate!.depends_on!["oltp-db"]!.condition, "service_healthy")
  })

  it("runs only commands the brewlytics CLI has", () => {
    const { services } = resolved()
    const built = Object.entries(services).filter(([, s]) => s.build?.target === "runtime")
    assert.isAtLeast(built.length, 6)
    for (const [name, service] of built) {
      const words = commandWords(service.command ?? [])
      assert.isAbove(words.length, 0, `${name} names its command`)
      assert.isTrue(cliHas(words), `${name}: \`brewlytics ${words.join(" ")}\` is not a command of the CLI`)
    }
    assert.isTrue(cliHas(["pipeline", "run"]))
    assert.isFalse(cliHas(["pipeline", "sprint"]))
  })

  it("sets only environment variables the code reads", () => {
    const { services } = resolved()
    const { reads } = settingsRead()
    for (const [name, service] of Object.entries(services)) {
      if (service.build === undefined) continue
      for (const variable of Object.keys(service.environment ?? {})) {
        assert.isTrue(reads(variable), `${name} sets ${variable}, which no code in packages/*/src reads`)
      }
    }
    // The k6 scripts read theirs through __ENV.
    const k6Reads = Fs.readFileSync(Path.join(root, "loadtest", "k6.ts"), "utf8")
    for (const variable of Object.keys(services.k6!.environment ?? {})) {
      assert.include(k6Reads, `__ENV.${variable}`, `k6 sets ${variable}, which loadtest/k6.ts does not read`)
    }
    assert.isFalse(reads("NOT_A_SETTING"))
    assert.isTrue(reads("PIPELINE_SCHEDULE_CDC_TO_STAR"))
  })
})
