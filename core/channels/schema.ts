/**
 * Zod schemas of class channels over HTTP: request bodies and the views the API answers with.
 * Telegram ids (chats, users, messages) are bigints: they travel as decimal strings.
 */
import { z } from 'zod'

const instant = z.union([z.date(), z.iso.datetime({ offset: true })])

/**
 * A Telegram id in a response: the database hands bigints over as numbers (core/db/connect.ts),
 * JSON carries them as strings so no client rounds them.
 */
export const telegramId = z.coerce.string().regex(/^-?\d{1,20}$/)
/** A Telegram user id in a request (a query string). */
export const telegramUserIdParam = z.string().regex(/^\d{1,20}$/, 'a Telegram user id')

// --- settings ---------------------------------------------------------------------------

/** The bounds are the migration's checks (migrations/0010-create-channels.sql). */
const settingsFields = {
  studentsAllowed: z.boolean(),
  slowModeSeconds: z.number().int().min(0).max(86_400),
  warnLimit: z.number().int().min(1).max(20),
  warnMuteMinutes: z.number().int().min(1).max(525_600),
  floodMessages: z.number().int().min(2).max(100),
  floodSeconds: z.number().int().min(1).max(3_600),
  floodMuteMinutes: z.number().int().min(1).max(10_080),
}

export const channelSettings = z.object(settingsFields)

/** Some of the settings, at least one. */
export const settingsPatch = z.strictObject(settingsFields).partial()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'name at least one setting to change' })

// --- channels ---------------------------------------------------------------------------

export const channelView = z.object({
  id: z.uuid(), schoolId: z.uuid(), classId: z.uuid(), className: z.string(), timezone: z.string(),
  chatId: telegramId, title: z.string(), isForum: z.boolean(), inviteLink: z.string().nullable(),
  boundAt: instant, settings: channelSettings,
})

export const listedChannelView = channelView.extend({
  /** null while the group is bound */
  unboundAt: instant.nullable(),
})

export const bindCodeView = z.object({
  /** one-time, valid until expiresAt */
  code: z.string(), expiresAt: instant, classId: z.uuid(), className: z.string(),
  /** what to do with the code */
  instructions: z.string(),
})

// --- the record -------------------------------------------------------------------------

export const actionKind = z.enum([
  'delete', 'warn', 'mute', 'unmute', 'ban', 'unban', 'remove', 'hold', 'flag', 'approve',
  'join_approved', 'join_declined', 'report', 'appeal', 'appeal_rejected', 'slow_mode', 'bound', 'unbound',
])

export const actionsQuery = z.strictObject({
  /** one member's history */
  userId: telegramUserIdParam.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** older than this (the last createdAt of the previous page) */
  before: z.iso.datetime({ offset: true }).optional(),
})

export const moderationRecordView = z.object({
  id: z.uuid(), action: actionKind,
  /** 'obscenity', 'insult', 'watched:<word>', 'personal_data:<kind>', 'flood', 'moderator'… */
  rule: z.string(),
  reason: z.string().nullable(),
  targetUserId: telegramId.nullable(), targetName: z.string(),
  actorAccountId: z.uuid().nullable(),
  /** the moderator's name; null for the bot's own actions */
  actorName: z.string().nullable(),
  messageId: telegramId.nullable(),
  /** the message as it was */
  messageText: z.string().nullable(),
  until: instant.nullable(),
  createdAt: instant,
})

// --- the review queue -------------------------------------------------------------------

export const decision = z.enum(['approve', 'delete', 'warn', 'lift', 'reject'])
export const decisionBody = z.strictObject({ decision })

export const queueQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) })

export const queueItemView = z.object({
  id: z.uuid(), channelId: z.uuid(), className: z.string(),
  kind: z.enum(['held', 'flagged', 'report', 'appeal']),
  authorUserId: telegramId, authorName: z.string(),
  messageId: telegramId.nullable(), threadId: telegramId.nullable(),
  messageText: z.string(), rule: z.string().nullable(), createdAt: instant,
  /** for an appeal: what restricts the member now */
  restriction: z.enum(['muted', 'banned']).nullable(),
})

export const queueView = z.object({
  items: z.array(queueItemView),
  /** open items in all, beyond the page too */
  total: z.number().int(),
})

// --- watched words ----------------------------------------------------------------------

export const watchedAction = z.enum(['delete_warn', 'hold', 'flag'])

export const watchedWordBody = z.strictObject({
  /** stored normalised (letters that look alike are one letter), 2–100 characters after that */
  word: z.string().trim().min(2).max(100),
  action: watchedAction,
})

export const watchedWordView = z.object({ id: z.uuid(), word: z.string(), action: watchedAction, createdAt: instant })
