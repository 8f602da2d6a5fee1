# Steward for production: Postgres (DATABASE_URL), Redis (REDIS_URL) and the
# Slack/Discord tokens come from the environment; see .env.example.
# Node 24 is an LTS line; the code also runs on Node 20.19+.
# scripts/check-image.mjs (run by .ci/run) checks this file and runs its CMD
# and HEALTHCHECK outside Docker, since no Docker engine runs in CI here.
FROM node:24-slim AS build
WORKDIR /app
# Everything first: npm ci's postinstall generates the Prisma client (and builds whatever the
# sources need built), which reads the sources, not only package.json.
COPY . .
# npm ci also compiles src/ into dist/ (postinstall), so the image starts JavaScript, not tsx.
RUN npm ci --no-audit --no-fund
# Then only what runs stays: production packages without the Prisma CLI that npm keeps as an optional
# peer, the font files the pictures register, PostgreSQL's query compiler (scripts/slim-image.mjs).
RUN npm run typecheck && npm prune --omit=dev --no-audit --no-fund && node scripts/slim-image.mjs

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# The process runs as the image's unprivileged `node` user; it may write only its data folder
# (the embedded database, used when DATABASE_URL is not set).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# /healthz, /readyz, /metrics, the dashboard and Linked Roles; 3001 is Slack's HTTP receiver.
ENV STEWARD_HTTP_PORT=8080
EXPOSE 8080 3001
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.STEWARD_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `serve` applies pending migrations before it starts (idempotent, one process at a time under an
# advisory lock), so a new image migrates the database it is pointed at.
CMD ["node", "bin/steward.mjs", "serve"]
