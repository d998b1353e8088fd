import { startTestServer } from "@brewlytics/db/testing/TestServer.ts"
import type { TestProject } from "vitest/node"

/**
 * One PostgreSQL server for the whole run: the embedded one in a fresh temp
 * folder by default, an existing one with TEST_DATABASE_URL, or a
 * testcontainers one with BREWLYTICS_TEST_DB=testcontainers. Migrated template
 * databases are made once; each test file clones its own from them.
 */
export default async function setup(project: TestProject) {
  const server = await startTestServer()
  project.provide("pgAdminUrl", server.adminUrl)
  return server.close
}

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}
