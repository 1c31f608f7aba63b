/** Every workflow the worker registers (the bundle entry point). */
export { chipWarmupWorkflow } from './chip-warmup';
export { conversationWorkflow } from './conversation';
export { dailySummaryWorkflow, pairRotationWorkflow } from './fleet';
