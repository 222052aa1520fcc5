/**
 * /settings: the notifier's preferences of a linked person — which channels they have, per
 * topic the mode on Telegram (instant → digest → off, cycled by its button), quiet hours on/off,
 * the digest time, all notifications on/off. Every press saves through setPreferences with the
 * chat's actor and re-renders the same message. Buttons: `prefs:<person index>[:<action>]`,
 * the index into the linked persons that have an account (a chat with several chooses first).
 */
import { getPreferences, setPreferences, TOPICS, type Mode, type Topic } from '../../../core/notifications/index.ts'
import { problem } from '../errors.ts'
import { classTeacherOf } from '../identity.ts'
import type { Button, Feature, LinkedPerson, Reply, Turn } from '../types.ts'

const FAMILY_TOPICS: readonly Topic[] = ['marks', 'absence', 'homework', 'final_marks', 'messages', 'announcements']
const STAFF_TOPICS: readonly Topic[] = ['messages', 'announcements']
const CLASS_TEACHER_TOPICS: readonly Topic[] = ['absence_digest', 'attendance_summary']

const TOPIC_LABEL: Record<Topic, string> = {
  marks: 'Отметки', absence: 'Пропуски', homework: 'Домашнее задание', final_marks: 'Итоговые отметки',
  messages: 'Сообщения', announcements: 'Объявления', absence_digest: 'Сводка отсутствующих', attendance_summary: 'Недельная сводка',
}
const MODE_LABEL: Record<Mode, string> = { instant: 'сразу', digest: 'в сводке', off: 'выкл.' }
const NEXT_MODE: Record<Mode, Mode> = { instant: 'digest', digest: 'off', off: 'instant' }
const DIGEST_TIMES = ['18:00', '19:00', '20:00', '21:00'] as const
const DEFAULT_QUIET = { from: '21:00', to: '08:00' }

type PreferencesChange = Parameters<typeof setPreferences>[2]

/** The linked persons whose settings this chat may change: those with a live account. */
function eligible(turn: Turn): LinkedPerson[] {
  const ids = turn.speaker.actor?.personIds ?? []
  return turn.speaker.persons.filter((p) => ids.includes(p.id))
}

function topicsOf(turn: Turn, p: LinkedPerson): readonly Topic[] {
  if (p.kind !== 'staff') return FAMILY_TOPICS
  return classTeacherOf(turn.speaker).length ? [...STAFF_TOPICS, ...CLASS_TEACHER_TOPICS] : STAFF_TOPICS
}

async function render(turn: Turn, index: number, edit: boolean): Promise<Reply> {
  const persons = eligible(turn)
  const person = persons[index]
  if (!person) throw problem('expired')
  const actor = turn.ctx().actor
  const prefs = await getPreferences(turn.sql, actor, person.id)
  const mode = (topic: Topic) => prefs.preferences.find((x) => x.topic === topic && x.channel === 'telegram')?.mode ?? 'off'
  const topics = topicsOf(turn, person)
  const data = (action: string) => `prefs:${index}:${action}`
  const buttons: Button[][] = []
  if (prefs.enabled) {
    for (let i = 0; i < topics.length; i += 2) {
      buttons.push(topics.slice(i, i + 2).map((t) => ({
        label: `${TOPIC_LABEL[t]}: ${MODE_LABEL[mode(t)]}`, data: data(`t:${TOPICS.indexOf(t)}`),
      })))
    }
    buttons.push([
      { label: `Тихие часы: ${prefs.quietHours ? 'вкл.' : 'выкл.'}`, data: data('q') },
      { label: `Сводка в ${prefs.digestAt}`, data: data('d') },
    ])
  }
  buttons.push([{ label: prefs.enabled ? 'Выключить все уведомления' : 'Включить уведомления', data: data('e') }])
  if (persons.length > 1) buttons.push([{ label: '« Выбрать другого', data: 'prefs' }])
  return {
    template: 'settings',
    view: {
      name: persons.length > 1 ? `${person.lastName} ${person.firstName}` : '',
      enabled: prefs.enabled,
      channels: prefs.channels,
      quiet: prefs.quietHours ? `${prefs.quietHours.from}–${prefs.quietHours.to}` : '',
      digestAt: prefs.digestAt,
      topics: topics.map((t) => ({ label: TOPIC_LABEL[t], mode: MODE_LABEL[mode(t)] })),
    },
    buttons,
    edit,
  }
}

function choose(turn: Turn, edit: boolean): Reply {
  const persons = eligible(turn)
  return {
    template: 'settings-choose',
    view: { count: persons.length },
    buttons: persons.map((p, i) => [{ label: `${p.lastName} ${p.firstName}`, data: `prefs:${i}` }]),
    edit,
  }
}

async function settingsCommand(turn: Turn): Promise<Reply[]> {
  const persons = eligible(turn)
  if (!persons.length) return [{ template: 'settings-choose', view: { noAccount: true } }]
  return [persons.length === 1 ? await render(turn, 0, false) : choose(turn, false)]
}

/** `prefs` (choose), `prefs:<i>` (show), `prefs:<i>:t:<topic>|q|d|e` (change, then show). */
async function settingsButton(turn: Turn): Promise<Reply[]> {
  const [, i, action, arg] = turn.input.button!.split(':')
  if (i === undefined) return [choose(turn, true)]
  if (!/^\d+$/.test(i)) throw problem('expired')
  const index = Number(i)
  const person = eligible(turn)[index]
  if (!person) throw problem('expired')
  if (action) {
    const actor = turn.ctx().actor
    const current = await getPreferences(turn.sql, actor, person.id)
    const change: PreferencesChange = { personId: person.id }
    if (action === 't') {
      const topic = TOPICS[Number(arg)]
      if (!topic || !topicsOf(turn, person).includes(topic)) throw problem('expired')
      const now = current.preferences.find((x) => x.topic === topic && x.channel === 'telegram')?.mode ?? 'off'
      change.preferences = [{ topic, channel: 'telegram', mode: NEXT_MODE[now] }]
    } else if (action === 'q') change.quietHours = current.quietHours ? null : DEFAULT_QUIET
    else if (action === 'd') {
      const at = DIGEST_TIMES.indexOf(current.digestAt as (typeof DIGEST_TIMES)[number])
      change.digestAt = DIGEST_TIMES[(at + 1) % DIGEST_TIMES.length]!
    } else if (action === 'e') change.enabled = !current.enabled
    else throw problem('expired')
    await setPreferences(turn.sql, actor, change)
  }
  return [await render(turn, index, true)]
}

export const settings: Feature = {
  name: 'settings',
  commands: { settings: settingsCommand },
  buttons: { prefs: settingsButton },
}
