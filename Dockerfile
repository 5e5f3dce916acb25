# radgate container image: multi-stage, production dependencies only, non-root, config and data as volumes.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production RADGATE_CONFIG=/etc/radgate RADGATE_DATA_DIR=/var/lib/radgate
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
COPY config /etc/radgate
RUN mkdir -p /var/lib/radgate && chown node:node /var/lib/radgate
USER node
VOLUME ["/etc/radgate", "/var/lib/radgate"]
EXPOSE 1812/udp 1813/udp 8080/tcp
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "bin/radgate.js", "check-config"]
ENTRYPOINT ["node", "bin/radgate.js"]
CMD ["start"]
