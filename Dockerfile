# syntax=docker/dockerfile:1
# One image for every Node service (api, pipeline, migrate, seed, dashboards-sync, simulate): the
# `brewlytics` CLI is its entrypoint, the service's command its arguments. Node 24 runs the
# TypeScript sources directly (type stripping): there is no build step.
# The Node the project pins (package-lock: node 24.21.0).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# The workspace's manifests only, so the dependency layers are rebuilt only when they change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/domain/package.json packages/domain/
COPY packages/db/package.json packages/db/
COPY packages/api/package.json packages/api/
COPY packages/pipeline/package.json packages/pipeline/
COPY packages/warehouse/package.json packages/warehouse/
COPY packages/metabase/package.json packages/metabase/
COPY packages/cli/package.json packages/cli/
COPY packages/sdk/package.json packages/sdk/

FROM manifests AS deps
ENV npm_config_fund=false npm_config_audit=false
RUN npm ci --omit=dev

FROM manifests AS dev-deps
ENV npm_config_fund=false npm_config_audit=false
RUN npm ci

# The services: production dependencies and the sources, run as an unprivileged user.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY sql ./sql
COPY seeds ./seeds
COPY packages ./packages
USER node
ENTRYPOINT ["node", "packages/cli/src/main.ts"]
CMD ["--help"]

# The test suite (`docker compose --profile tests run --rm tests`), on the stack's PostgreSQL.
FROM ${NODE_IMAGE} AS test
WORKDIR /app
COPY --from=dev-deps /app/node_modules ./node_modules
COPY . .
CMD ["npm", "test"]
