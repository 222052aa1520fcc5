/**
 * /queue: the moderators' review queue, one item at a time, oldest first — what the filter held
 * or flagged, members' reports, appeals. Buttons `mq:<decision>:<itemId>` decide it; the same
 * message then says what was done and shows the next item. An item someone else has decided
 * already is said to be so, and the next one shown.
 */
import { AppError } from '../../../../core/http/errors.ts'
import { DECISIONS, openQueue, resolveQueueItem, type Decision, type QueueItem, type QueueKind } from '../../../../core/channels/index.ts'
import type { Button, Reply, Turn } from '../../types.ts'
import { dayTime, modProblem, requireModerator, ruleWords, zoneOf } from './common.ts'

/** The longest message text shown (the whole item must fit in one Telegram message, to be edited). */
const MAX_SHOWN = 3000

const KIND_LABEL: Record<QueueKind, string> = {
  held: 'сообщение задержано фильтром',
  flagged: 'сообщение отмечено фильтром',
  report: 'жалоба участника на сообщение',
  appeal: 'обращение об ограничении',
}

function decisionLabel(kind: QueueKind, d: Decision): string {
  switch (d) {
    case 'approve': return kind === 'held' ? 'Опубликовать' : 'Оставить'
    case 'delete': return 'Удалить'
    case 'warn': return kind === 'held' ? 'Предупредить' : 'Удалить и предупредить'
    case 'lift': return 'Снять ограничение'
    case 'reject': return 'Отклонить'
  }
}

function itemView(turn: Turn, item: QueueItem, more: number): object {
  const text = item.messageText.length > MAX_SHOWN ? `${item.messageText.slice(0, MAX_SHOWN)}…` : item.messageText
  return {
    className: item.className, kindLabel: KIND_LABEL[item.kind], appeal: item.kind === 'appeal',
    author: item.authorName || 'участник без имени',
    rule: item.kind === 'appeal' || item.kind === 'report' ? '' : ruleWords(item.rule),
    restriction: item.restriction === 'banned' ? 'исключён из группы' : item.restriction === 'muted' ? 'не может писать в группе' : '',
    at: dayTime(item.createdAt, zoneOf(turn)), text, more,
  }
}

/** The oldest open item with its buttons, or «Очередь пуста»; `done` says what the last press did. */
async function queueReply(turn: Turn, done: object | null, edit: boolean): Promise<Reply> {
  const { items, total } = await openQueue(turn.sql, turn.ctx().actor, { limit: 1 })
  const item = items[0]
  if (!item) return { template: 'mod-queue', view: { done, empty: true }, edit }
  const decisions = DECISIONS[item.kind]
  const buttons: Button[][] = []
  for (let i = 0; i < decisions.length; i += 2) {
    buttons.push(decisions.slice(i, i + 2).map((d) => ({ label: decisionLabel(item.kind, d), data: `mq:${d}:${item.id}` })))
  }
  return { template: 'mod-queue', view: { done, ...itemView(turn, item, total - 1) }, buttons, edit }
}

export async function queueCommand(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  return [await queueReply(turn, null, false)]
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `mq:<decision>:<itemId>` */
export async function queueButton(turn: Turn): Promise<Reply[]> {
  requireModerator(turn)
  const [, decision = '', itemId = ''] = turn.input.button!.split(':')
  const known = Object.values(DECISIONS).some((list) => list.includes(decision as Decision))
  if (!known || !UUID.test(itemId)) throw modProblem('expired')
  let done: object
  try {
    const item = await resolveQueueItem(turn.sql, turn.ctx(), itemId, decision as Decision)
    turn.effectsQueued()
    done = {
      [decision]: true, held: item.kind === 'held', name: item.authorName || 'участник', className: item.className,
      banned: item.restriction === 'banned',
    }
  } catch (err) {
    // someone was quicker (or this very button was pressed twice)
    if (err instanceof AppError && err.code === 'conflict') done = { stale: true }
    // a decision that does not fit the item: a forged button
    else if (err instanceof AppError && err.code === 'bad_request') throw modProblem('expired')
    else throw err
  }
  return [await queueReply(turn, done, true)]
}
