# The Warmer worker (and, with another command, the simulator). TypeScript runs through tsx,
# a runtime dependency, so the image needs no build step.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first: this layer is rebuilt only when the lockfile changes.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --chown=node:node . .

CMD ["npx", "tsx", "src/worker.ts"]
