# The Warmer worker (and, with another command, the simulator), built in two stages: the first
# compiles TypeScript to dist/ and bundles the workflows (`npm run build`); the second keeps only
# the runtime dependencies, dist/ and the migrations, and runs `node dist/worker.js` as PID 1.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first: this layer is rebuilt only when the lockfile changes.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The worker applies supabase/migrations at start (PostgreSQL); dist/ holds the prebuilt workflow bundle.
COPY --chown=node:node supabase/migrations ./supabase/migrations
COPY --chown=node:node --from=build /app/dist ./dist

EXPOSE 8082
CMD ["node", "dist/worker.js"]
