/** Every workflow the worker registers (the bundle entry point); names as the design card gives them. */
export { ChipWarmupWorkflow } from './chip-warmup';
export { ConversationWorkflow } from './conversation';
export { DailySummaryWorkflow, PairRotationWorkflow } from './fleet';
