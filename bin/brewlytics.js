#!/usr/bin/env node
// Runs under the Node 24 that the project pins (npx/npm run put it first on PATH).
import "../packages/cli/src/main.ts"
