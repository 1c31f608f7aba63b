/** Every workflow the worker registers (the bundle entry point); each export's name is its workflow type, stored in every history. */
export { ChipWarmupWorkflow } from './chip-warmup';
export { ConversationWorkflow } from './conversation';
export { DailySummaryWorkflow, PairRotationWorkflow } from './fleet';
export { EventDeliveryWorkflow } from './event-delivery';
export { OnboardingWorkflow } from './onboarding';
export { GroupConversationWorkflow } from './group-conversation';
