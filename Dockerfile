# syntax=docker/dockerfile:1
# Sluice runs its TypeScript sources on Node 24 directly (type stripping): no build step, and the
# image carries production dependencies only.
FROM node:24-bookworm-slim AS deps
# The install rebuilds LevelDB with hardware CRC32C (packages/wal/scripts/build-leveldb.ts), which
# needs a compiler here; the final image carries only its result.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages packages
COPY apps apps
COPY test/package.json test/package.json
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf packages/*/test apps/*/test

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY examples examples
RUN mkdir -p /var/lib/sluice && chown node:node /var/lib/sluice
USER node
EXPOSE 12345 7946
VOLUME /var/lib/sluice
ENTRYPOINT ["node", "apps/sluice/src/cli.ts"]
CMD ["run", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/var/lib/sluice", "examples/gateway.alloy"]
