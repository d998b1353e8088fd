import { startTestServer } from "@brewlytics/db/testing/TestServer.ts"
import { Effect, Exit, Scope } from "effect"
import type { TestProject } from "vitest/node"

/**
 * One PostgreSQL server for the whole run: the embedded one in a fresh temp
 * folder by default, an existing one with TEST_DATABASE_URL, or a
 * testcontainers one with BREWLYTICS_TEST_DB=testcontainers. Migrated template
 * databases are made once; each test file clones its own from them.
 */
export default async function setup(project: TestProject) {
  const scope = Effect.runSync(Scope.make())
  project.provide("pgAdminUrl", await Effect.runPromise(Scope.provide(startTestServer(), scope)))
  return () => Effect.runPromise(Scope.close(scope, Exit.void))
}

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}
