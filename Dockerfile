# syntax=docker/dockerfile:1
# Notebook bot image: one image, any role (ROLES=web | worker | scheduler | all three).
#   docker build -t notebook-bot .
#   docker run --env-file .env -e REDIS_URL=redis://redis:6379 -p 3000:3000 notebook-bot
# The container runs `node dist/main.js`: the command behind `npm start` (whose prestart only
# compiles TypeScript, which this image already did in the build stage).

# ---- build: all dependencies, compile TypeScript to dist/ ---------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-lua.mjs ./scripts/
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled code only --------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# doctor validates the manifest against Slack's schema; the example policy documents POLICY_FILE.
COPY manifest.yml policy.example.yml ./
COPY schemas ./schemas

# The node image's unprivileged user; the app files stay root-owned and read-only to it.
USER node
EXPOSE 3000
# /healthz answers 200 while the process is up (Bolt's server in HTTP mode, the ops server otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
