/**
 * The bots' surface: the grammY runtime (polling or webhook) and the telegraf adapter. Both run
 * the same conversation layer (bots/conversation) and speak the Bot API with their own client.
 */
export { createGrammyBot, startPolling, startSweeper, ALLOWED_UPDATES, type GrammyBotOptions, type PollingHandle } from './telegram/grammy.ts'
export { startChannelSweeper, sweepChannels, SWEEP_EVERY_MS } from './moderation/sweep.ts'
export { webhookRoutes, setWebhook, WEBHOOK_PATH, type WebhookOptions } from './telegram/webhook.ts'
export { zvonokMiddleware, type ZvonokMiddlewareOptions } from './telegram/telegraf.ts'
export type { HandledUpdate, RuntimeDeps } from './telegram/process.ts'
export { toIncoming } from './telegram/update.ts'
export { planReplies, executePlan } from './telegram/send.ts'
