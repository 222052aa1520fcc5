/** Class channels: binding, membership, filtering, moderators' acts, the review queue and the record. */
export {
  BIND_CODE_TTL_MINUTES, bindChannel, channelById, channelByChat, channelLog, channelsModeratedBy, issueBindCode, listChannels,
  recordAction, requireModeratedChannel, saveInviteLink, unbindChannel, updateChannelSettings,
} from './channels.ts'
export type { ActionActor, BindCode, Channel, ChannelSettings, ModerationActionKind, ModerationRecord } from './channels.ts'
export { MAX_EFFECT_ATTEMPTS, runPendingEffects } from './effects.ts'
export type { Effect, EffectKind, EffectParams } from './effects.ts'
export { admitOrRemove, decideJoinRequest, noteMember, noteMemberGone, reconcileMembers, standingOf } from './members.ts'
export type { GroupUser, JoinDecision, Standing } from './members.ts'
export { ACTION_LABELS, checkPost, durationLabel, moderate, parseDuration, reportPost, ruleLabel, setSlowMode } from './moderation.ts'
export type { GroupPost, ModeratorAct, ModeratorCommand, PostOutcome, Target } from './moderation.ts'
export { appeal, DECISIONS, openQueue, queueItemById, resolveQueueItem } from './queue.ts'
export type { Decision, QueueItem, QueueKind } from './queue.ts'
export { addWatchedWord, listWatchedWords, removeWatchedWord } from './watched.ts'
export type { WatchedWordView } from './watched.ts'
