/**
 * /modlog: the record of a channel the speaker moderates, newest first, 15 actions a page —
 * when, what, to whom, why, by whom («автоматически» for the bot's own) and the message.
 * Several channels: a button each (`modl:<channelId>`); «Ещё» pages back with
 * `modl:<channelId>:<epoch ms>` (an ISO time would not fit in Telegram's 64 bytes).
 */
import { ACTION_LABELS, channelById, channelLog, channelsModeratedBy, type ModerationRecord } from '../../../../core/channels/index.ts'
import type { Reply, Turn } from '../../types.ts'
import { dayTime, excerpt, modProblem, requireModerator, ruleWords, zoneOf } from './common.ts'

const PAGE = 15

/** Rules that only repeat what the action or its author already says. */
const SILENT_RULES = new Set(['moderator', 'report', 'appeal'])

function who(r: ModerationRecord): string {
  // reports and appeals come from members of the group, not from a moderator or the bot
  if (r.action === 'report' || r.action === 'appeal') return 'участник группы'
  if (r.actorName) return r.actorName
  return r.actorAccountId ? 'модератор' : 'автоматически'
}

function line(r: ModerationRecord, zone: string) {
  return {
    at: dayTime(r.createdAt, zone),
    action: ACTION_LABELS[r.action] ?? r.action,
    until: r.until ? dayTime(r.until, zone) : '',
    member: r.targetName || (r.targetUserId ? 'участник' : ''),
    rule: SILENT_RULES.has(r.rule) ? '' : ruleWords(r.rule),
    actor: who(r),
    reason: r.action === 'slow_mode' ? '' : excerpt(r.reason),
    detail: r.action === 'slow_mode' ? excerpt(r.reason) : '',
    text: excerpt(r.messageText),
  }
}

export async function modlogCommand(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  const channels = await channelsModeratedBy(turn.sql, turn.ctx().actor)
  if (!channels.length) throw modProblem('noChannels')
  if (channels.length === 1) return logReply(turn, channels[0]!.id, undefined, false)
  return [{
    template: 'mod-log-pick', view: {},
    buttons: channels.map((ch) => [{ label: (ch.title ? `${ch.className} — ${ch.title}` : ch.className).slice(0, 60), data: `modl:${ch.id}` }]),
  }]
}

/** `modl:<channelId>` (the newest page, replacing the list) or `modl:<channelId>:<ms>` (older, a new message). */
export async function modlogButton(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  const [, channelId = '', ms] = turn.input.button!.split(':')
  const before = ms === undefined ? undefined : new Date(Number(ms))
  if (!/^[0-9a-f-]{36}$/i.test(channelId) || (before && Number.isNaN(before.getTime()))) throw modProblem('expired')
  return logReply(turn, channelId, before, before === undefined)
}

async function logReply(turn: Turn, channelId: string, before: Date | undefined, edit: boolean): Promise<Reply[]> {
  // channelLog checks the policy (an unbound channel's record stays readable to its moderators)
  const records = await channelLog(turn.sql, turn.ctx().actor, channelId, { limit: PAGE, before })
  const channel = (await channelById(turn.sql, channelId))!
  const { shown, next } = page(records)
  const zone = zoneOf(turn)
  return [{
    template: 'mod-log',
    view: {
      className: channel.className, title: channel.title, older: before !== undefined,
      lines: shown.map((r) => line(r, zone)), empty: shown.length === 0,
    },
    buttons: next === null ? undefined : [[{ label: 'Ещё', data: `modl:${channelId}:${next}` }]],
    edit,
  }]
}

/**
 * A full page ends at a millisecond that may hold more actions than were fetched (one decision
 * records several in one transaction, at one time): those are left to the next page, which asks
 * for everything before the millisecond after it — so no action is skipped or shown twice.
 */
function page(records: readonly ModerationRecord[]): { shown: readonly ModerationRecord[]; next: number | null } {
  if (records.length < PAGE) return { shown: records, next: null }
  const lastMs = records.at(-1)!.createdAt.getTime()
  const whole = records.filter((r) => r.createdAt.getTime() > lastMs)
  // a page of one millisecond only (never in practice): shown as is, the rest of it is lost to paging
  if (!whole.length) return { shown: records, next: lastMs }
  return { shown: whole, next: lastMs + 1 }
}
