/** Every workflow the worker registers (the bundle entry point); clients start them by the names in api.ts's WORKFLOW_TYPES. */
export { ChipWarmupWorkflow } from './chip-warmup';
export { ConversationWorkflow } from './conversation';
export { DailySummaryWorkflow, PairRotationWorkflow } from './fleet';
export { EventDeliveryWorkflow } from './event-delivery';
