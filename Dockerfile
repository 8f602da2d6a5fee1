# Steward for production: Postgres (DATABASE_URL), Redis (REDIS_URL) and the
# Slack/Discord tokens come from the environment; see .env.example.
# Node 24 is the current LTS; the code also runs on Node 20.19+.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
# npm ci runs the postinstall step that generates the Prisma client into src/generated.
RUN npm ci --no-audit --no-fund
COPY . .
# Compile src/ into dist/ (npm ci ran before the sources were copied), so starts run JavaScript, not tsx.
RUN npm run typecheck && npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
# /health and /metrics
ENV STEWARD_HTTP_PORT=8080
EXPOSE 8080 3001
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run at start (idempotent, guarded by an advisory lock).
CMD ["node", "bin/steward.mjs", "serve"]
