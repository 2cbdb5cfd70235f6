# syntax=docker/dockerfile:1
# The Bulwark image: `bulwark serve` (the default) or `bulwark worker`, as a non-root user.
# Two stages: the build stage has the compilers and dev dependencies (TypeScript, vite, the
# native build of better-sqlite3) and builds dist/ and the shipped model (models/); the
# runtime stage gets only the production dependencies, dist/, models/, data/ and rules/.
# deploy/compose.yaml and deploy/k8s/ run this image; test/deploy/dockerfile.test.ts checks it.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM node:20-bookworm AS build
WORKDIR /src
# better-sqlite3 compiles (or fetches its prebuilt binary) in `npm install`; the full
# bookworm image has python3, make and g++ for node-gyp. .npmrc skips onnxruntime-node's
# install script (it would fetch CUDA files; its CPU build ships inside the package).
COPY package.json package-lock.json .npmrc ./
# `npm ci` can refuse a lock file made where some optional non-Linux builds were missing
# from the registry; `npm install` follows the lock file and tolerates that (as .ci/run does).
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
COPY scripts ./scripts
COPY data ./data
COPY rules ./rules
# tsc, then the shipped model (models/builtin.bwm, trained deterministically from data/),
# then the dashboard (dist/web).
RUN npm run build \
  && test -f models/builtin.bwm \
  && test -f dist/web/index.html \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    BULWARK_HOME=/var/lib/bulwark \
    BULWARK_HOST=0.0.0.0 \
    BULWARK_PORT=8000
# A fixed numeric uid, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
RUN groupadd --system --gid 10001 bulwark \
  && useradd --system --uid 10001 --gid bulwark --home-dir /var/lib/bulwark --shell /usr/sbin/nologin bulwark \
  && mkdir -p /var/lib/bulwark \
  && chown bulwark:bulwark /var/lib/bulwark
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/web ./dist/web
COPY --from=build /src/models ./models
COPY --from=build /src/data ./data
COPY --from=build /src/rules ./rules
RUN chmod 0755 /app/dist/src/cli/main.js && ln -s /app/dist/src/cli/main.js /usr/local/bin/bulwark
USER 10001:10001
# The embedded defaults (SQLite, local object store) live here when no DATABASE_URL or S3
# endpoint is set; with PostgreSQL and MinIO nothing is kept in the container.
VOLUME ["/var/lib/bulwark"]
EXPOSE 8000
# node:*-slim has no curl: node's own fetch asks /health (liveness; /ready is for the proxy).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.BULWARK_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["bulwark"]
CMD ["serve", "--host", "0.0.0.0"]
