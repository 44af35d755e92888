# syntax=docker/dockerfile:1
# The shop API, built exactly as tests/scale/production-build.scale.ts builds
# it (npm ci, npm run build, npm prune), run as a non-root user. No container
# engine runs in this project's CI: the steps and deploy/ are tested, the image
# itself is not.

ARG NODE_IMAGE=node:20.19-bookworm-slim

# --- build: every dependency, the compiled server, then only production dependencies
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
# --omit=optional too: npm keeps a devDependency that a production dependency
# lists as an optional peer (@prisma/client -> prisma, typescript) otherwise.
RUN npm prune --omit=dev --omit=optional --no-audit --no-fund

# --- runtime: node, the pruned node_modules, dist/ and the migrations
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=2: glibc's malloc keeps fewer per-thread arenas for V8's
# compiler and GC threads, which hold freed memory resident (README, memory).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HOST=0.0.0.0 \
    PORT=8000 \
    UPLOAD_DIR=/app/uploads
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
# The upload folder belongs to the unprivileged user; mount a shared volume here.
RUN mkdir -p /app/uploads && chown node:node /app/uploads
USER node
EXPOSE 8000
# node, not curl: slim images have no curl. /ready is 503 while the database is
# unreachable and while the server drains after SIGTERM.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains for SHUTDOWN_DRAIN_SECONDS (5 s), then waits up to 10 s for
# requests in flight: give the container a stop timeout above 15 s.
STOPSIGNAL SIGTERM
# --heap-growing-percent=15: V8 lets the old generation grow 1.15x past what the
# last full GC kept instead of up to 4x, so garbage promoted under load is
# collected sooner: peak RSS under the bench's load 318-345 MB without it,
# 170-173 MB with it, for 2-6% of CPU. --max-semi-space-size=8: the young
# generation's halves stop at 8 MB instead of 16; once finished requests no
# longer outlived young GCs (15bfaa8), a list under load peaked at 204 MB with
# 16 and 157 MB with 8, at the same throughput (README "Benchmarks", memory).
# package.json's start uses both.
CMD ["node", "--heap-growing-percent=15", "--max-semi-space-size=8", "dist/server.js"]
