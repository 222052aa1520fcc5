/**
 * The conversation layer's one entry: `handle(deps, input)` → the replies, rendered. It loads
 * who speaks and the chat's pending step, routes the input to a feature, saves the step, and
 * turns refusals into short Russian replies. An unlinked chat reaches only linking and /appeal.
 */
import { reviveDeadLinks } from '../../core/chat/index.ts'
import { AppError } from '../../core/http/errors.ts'
import { render } from '../../core/render/render.ts'
import { BotError, replyForAppError } from './errors.ts'
import { APPEAL, FEATURES, LINKING } from './features/index.ts'
import { loadSpeaker } from './identity.ts'
import { saveChat, touchChat } from './state.ts'
import type { BotDeps, ConversationState, Feature, Handler, Incoming, Outgoing, Reply, Turn } from './types.ts'

const DEFAULT_STATE_TTL_MINUTES = 30

export interface HandleResult {
  readonly replies: Outgoing[]
  /** set when the input failed unexpectedly (the person was told; the runtime logs it) */
  readonly error?: unknown
  /** a class channel's Telegram calls wait in channel_effects (a moderator's decision, an appeal) */
  readonly effects?: boolean
}

export async function handle(deps: BotDeps, input: Incoming): Promise<HandleResult> {
  const now = deps.now?.() ?? new Date()
  const sql = deps.sql
  const [chat, first] = await Promise.all([touchChat(sql, input.chatId, now), loadSpeaker(sql, input.chatId)])
  // a chat whose links died (the bot was blocked) is back: it wrote to us
  const speaker = first.persons.length === 0 && (await reviveDeadLinks(sql, input.chatId)) > 0
    ? await loadSpeaker(sql, input.chatId)
    : first
  const live = chat.state && (!chat.stateExpiresAt || chat.stateExpiresAt > now) ? chat.state : null
  let nextState: { state: ConversationState | null; expiresAt: Date | null } | undefined
  let selected: string | undefined
  let effects = false
  const turn: Turn = {
    deps, sql, input, speaker, now,
    state: live,
    get child() {
      const id = selected ?? chat.studentId
      return speaker.children.find((c) => c.id === id) ?? speaker.children[0] ?? null
    },
    setState(state, ttlMinutes = DEFAULT_STATE_TTL_MINUTES) {
      nextState = { state, expiresAt: state ? new Date(now.getTime() + ttlMinutes * 60_000) : null }
    },
    selectChild(studentId) {
      if (!speaker.children.some((c) => c.id === studentId)) throw new BotError({ template: 'problem', view: { notFound: true } })
      selected = studentId
    },
    effectsQueued() {
      effects = true
    },
    ctx() {
      if (!speaker.actor) throw new BotError({ template: 'problem', view: { noAccount: true } })
      return { actor: speaker.actor, requestId: `telegram:${input.chatId}:${input.messageId ?? now.getTime()}` }
    },
  }

  let replies: Reply[]
  let error: unknown
  try {
    replies = await route(turn, chat.state !== null && live === null)
  } catch (err) {
    if (err instanceof BotError) replies = [err.reply]
    else if (err instanceof AppError && replyForAppError(err)) replies = [replyForAppError(err)!]
    else {
      replies = [{ template: 'problem', view: { internal: true } }]
      error = err
    }
  }
  if (nextState || selected !== undefined) {
    await saveChat(sql, input.chatId, {
      ...(nextState ? { state: nextState.state, expiresAt: nextState.expiresAt } : {}),
      ...(selected !== undefined ? { studentId: selected } : {}),
    })
  }
  return { replies: replies.map(toOutgoing), error, effects }
}

async function route(turn: Turn, stateExpired: boolean): Promise<Reply[]> {
  const { input, speaker } = turn
  const linked = speaker.persons.length > 0
  // a command abandons whatever step was open (an appeal's step too, when /start links the chat)
  if (input.command && turn.state) turn.setState(null)
  // linking and the appeal are open to everyone; anything else needs a linked chat
  const open = (await dispatch(LINKING, turn)) ?? (await dispatch(APPEAL, turn))
  if (open) return open
  if (!linked) return LINKING.text ? (await LINKING.text(turn)) ?? [] : []

  if (input.command) {
    for (const f of FEATURES) {
      const h = f.commands?.[input.command.name]
      if (h) return h(turn)
    }
    return [{ template: 'problem', view: { unknownCommand: true } }]
  }
  if (input.button) {
    const prefix = input.button.split(':', 1)[0]!
    for (const f of FEATURES) {
      const h = f.buttons?.[prefix]
      if (h) return h(turn)
    }
    return [{ template: 'problem', view: { expired: true } }]
  }
  if (turn.state) {
    for (const f of FEATURES) {
      const h = f.states?.[turn.state.kind]
      if (h) return h(turn)
    }
  }
  for (const f of FEATURES) {
    const r = await f.text?.(turn)
    if (r) return r
  }
  return [{ template: 'problem', view: stateExpired ? { expired: true } : { notUnderstood: true } }]
}

/** An open feature's own commands/buttons/contact/steps, answered before any link exists. */
async function dispatch(f: Feature, turn: Turn): Promise<Reply[] | null> {
  const { input } = turn
  let h: Handler | undefined
  if (input.command) h = f.commands?.[input.command.name]
  else if (input.button) h = f.buttons?.[input.button.split(':', 1)[0]!]
  else if (input.contact) h = f.commands?.['contact']
  else if (turn.state) h = f.states?.[turn.state.kind]
  return h ? h(turn) : null
}

export function toOutgoing(r: Reply): Outgoing {
  const html = render(`bot/${r.template}.html`, r.view).replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()
  return { html, buttons: r.buttons, askContact: r.askContact, edit: r.edit, files: r.files }
}
