# Portrait's service image: Node 20, the TypeScript sources run by tsx (`npm start`), PostgreSQL from DATABASE_URL.
# docker-compose.yml builds and runs it next to PostgreSQL 16; on its own: docker build -t portrait .
FROM node:20-slim

WORKDIR /app
# A CJK font for the PNG charts of /charts (Chinese segment names and labels; README, The dashboard: Fonts)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
# `prisma generate` (run after install) never runs Prisma's schema engine: PRISMA_SCHEMA_ENGINE_BINARY keeps Prisma
# from downloading it (scripts/generate.mjs does the same).
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    PRISMA_SCHEMA_ENGINE_BINARY=/dev/null \
    PRISMA_HIDE_UPDATE_MESSAGE=1

# Dependencies first, so this layer is rebuilt only when they change. Dev dependencies are needed: `npm start` runs
# the sources with tsx, and the postinstall step generates the Prisma client and the resolver types from these files.
COPY package.json package-lock.json prisma.config.ts codegen.ts schema.graphql ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci

COPY . .

ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0
EXPOSE 4000
USER node
# Ready when the database answers and every migration is applied (migrations are applied at start-up).
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) goes straight to the service (no npm or shell in between): it finishes in-flight requests,
# puts a running job back on the queue, then exits 0.
# --max-semi-space-size=32 (as `npm start`): V8's young generation at 32 MB per semi-space instead of 16, so an
# ingest batch's short-lived objects (the parsed request, the coerced and validated events, the column literals) die
# young instead of being copied out; ~13% less service CPU per event in paired bench runs (README Benchmarks), for up
# to ~50 MB more memory.
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "src/main.ts"]
