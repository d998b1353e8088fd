import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Effect, Option } from "effect"
import { DatabaseUnavailable } from "./Errors.ts"

/** Alive, as far as signals tell: a process we may not signal (EPERM) exists too. */
const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * When a process started, as the system tells it, to tell a live owner from a
 * new process that was given its pid after it died. Linux: field 22 of
 * `/proc/<pid>/stat` (counted after the command name, which may hold spaces);
 * elsewhere `ps`. `undefined` when neither says.
 */
export const processStartTime = (pid: number): string | undefined => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]
  } catch {
    try {
      return execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim() || undefined
    } catch {
      return undefined
    }
  }
}

/**
 * The process that started the embedded server, recorded beside its data
 * (`postgres.owner`) before it starts and removed once it has stopped. The
 * server runs in a process group of its own, so it outlives an owner that is
 * killed (kill -9, out of memory): the record tells such an orphan from a
 * server whose owner still runs.
 */
export interface Owner {
  readonly pid: number
  readonly started: string | undefined
}

export const ownerFile = (dataDir: string) => Path.join(dataDir, "postgres.owner")

export const readOwner = (dataDir: string): Option.Option<Owner> => {
  try {
    const owner = JSON.parse(Fs.readFileSync(ownerFile(dataDir), "utf8")) as Owner
    return typeof owner.pid === "number" ? Option.some(owner) : Option.none()
  } catch {
    return Option.none()
  }
}

/** The same process still runs: its pid is taken and, where the system tells, by a process started when it was. */
export const ownerAlive = (owner: Owner): boolean => {
  if (!processAlive(owner.pid)) return false
  if (owner.started === undefined) return true
  const started = processStartTime(owner.pid)
  return started === undefined || started === owner.started
}

export const recordOwner = (dataDir: string) =>
  Effect.try({
    try: () => {
      const owner: Owner = { pid: process.pid, started: processStartTime(process.pid) }
      Fs.writeFileSync(ownerFile(dataDir), JSON.stringify(owner))
    },
    catch: (cause) =>
      new DatabaseUnavailable({
        message: `could not write ${ownerFile(dataDir)}: check that the data folder is writable`,
        cause
      })
  })
