# radgate container image: multi-stage, production dependencies only, non-root, config and data as volumes.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY patches ./patches
COPY src ./src
COPY bench ./bench
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production RADGATE_CONFIG=/etc/radgate RADGATE_DATA_DIR=/var/lib/radgate
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# --ignore-scripts skips postinstall, so the dependency patches (patches/README.md) are applied here; radgate
# refuses to start on an unpatched driver.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && node patches/apply.mjs && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
COPY config /etc/radgate
# The data directory is private to radgate's user (radgate tightens it at start otherwise, with a warning).
RUN install -d -m 0700 -o node -g node /var/lib/radgate
USER node
VOLUME ["/etc/radgate", "/var/lib/radgate"]
EXPOSE 1812/udp 1813/udp 8080/tcp 8081/tcp
# /healthz on the operations listener (127.0.0.1:9812 inside the container by default).
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:9812/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/radgate.js"]
CMD ["start"]
