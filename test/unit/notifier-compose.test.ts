/**
 * The notifier's pure parts: folding a delivery's events into what is worth telling
 * (notifier/compose.ts), who wants what where and when (core/notifications/preferences.ts),
 * Russian plurals (core/render) and the signed unsubscribe links (core/notifications/unsubscribe.ts).
 */
import { describe, expect, test } from 'vitest'
import {
  chooseChannel, defaultMode, nextDigestAt, quietUntil, TOPICS, type Channel, type Mode, type Profile, type Topic,
} from '../../core/notifications/preferences.ts'
import { readUnsubscribeToken, unsubscribeToken, unsubscribeUrl } from '../../core/notifications/unsubscribe.ts'
import { plural } from '../../core/render/render.ts'
import { composeView, fold, type DeliveryEvent, type Lookups } from '../../notifier/compose.ts'

// ---------------------------------------------------------------------------------------------
// compose
// ---------------------------------------------------------------------------------------------

const ANNA = '00000000-0000-4000-8000-0000000000a1'
const BORIS = '00000000-0000-4000-8000-0000000000b2'
const MATHS = 'subject-maths', RUSSIAN = 'subject-russian'
const ORAL = 'wt-oral', TEST_WORK = 'wt-test'
const LESSON = 'lesson-1', LESSON2 = 'lesson-2'
const DAY = '2026-11-23'

const names: Lookups = {
  students: new Map([[ANNA, 'Анна'], [BORIS, 'Борис']]),
  subjects: new Map([[MATHS, 'Математика'], [RUSSIAN, 'Русский язык']]),
  workTypes: new Map([[ORAL, 'Ответ на уроке'], [TEST_WORK, 'Контрольная работа']]),
  lessons: new Map([[LESSON, { number: 1, date: DAY }], [LESSON2, { number: 2, date: DAY }]]),
  homework: new Map([['hw-1', '§12, стр. 40, № 3–5'], ['hw-2', 'Упражнение 7']]),
  periods: new Map([['period-q1', '1 четверть'], ['period-year', 'год']]),
}

let nextId = 1
/** An outbox event as the journal writes it; ids ascend in the order they are made. */
function ev(kind: string, payload: Record<string, unknown>, studentId: string | null = ANNA): DeliveryEvent {
  return { outboxId: nextId++, kind, studentId, payload }
}
const lessonBase = { lessonId: LESSON, subjectId: MATHS, date: DAY }
const markCreated = (markId: string, value: number, extra: Record<string, unknown> = {}, student = ANNA) =>
  ev('mark.created', { ...lessonBase, markId, value, passed: null, workTypeId: ORAL, late: false, ...extra }, student)
const markChanged = (markId: string, from: number, to: number) =>
  ev('mark.changed', { ...lessonBase, markId, value: to, passed: null, workTypeId: ORAL, previous: { value: from, passed: null } })
const markRemoved = (markId: string, was: number) =>
  ev('mark.removed', { ...lessonBase, markId, previous: { value: was, passed: null } })
/** an event of voidJournalOperations: the entry as it was put back, under `entry` */
const voided = (kind: string, entityId: string, entry: Record<string, unknown>) =>
  ev(kind, { voided: true, compromiseId: 'c-1', entityId, ...lessonBase, entry })

describe('fold: only the net change of each entry counts', () => {
  test('created then changed: one new mark with the final value', () => {
    const v = composeView([markCreated('m1', 5), markChanged('m1', 5, 4)], names)
    expect(v.count).toBe(1)
    expect(v.newMarks).toBe(1)
    expect(v.children).toHaveLength(1)
    expect(v.children[0]).toMatchObject({
      firstName: 'Анна', count: 1, changedMarks: [], removedMarks: [],
      newMarks: [{ subject: 'Математика', date: DAY, shown: '4', workType: 'ответ на уроке' }],
    })
  })

  test('the order of the events is the outbox order, whatever order they come in', () => {
    const created = markCreated('m1', 5), changed = markChanged('m1', 5, 3)
    expect(composeView([changed, created], names)).toEqual(composeView([created, changed], names))
    expect(composeView([changed, created], names).children[0]!.newMarks[0]!.shown).toBe('3')
  })

  test('created then removed: nothing to tell', () => {
    const v = composeView([markCreated('m1', 2), markRemoved('m1', 2)], names)
    expect(v).toEqual({ children: [], count: 0, newMarks: 0, absences: 0 })
  })

  test('changed and changed back: nothing to tell', () => {
    const v = composeView([markChanged('m1', 5, 4), markChanged('m1', 4, 5)], names)
    expect(v.count).toBe(0)
    expect(v.children).toEqual([])
  })

  test('changed then removed: removed, with the value it had before the window', () => {
    const v = composeView([markChanged('m1', 5, 4), markRemoved('m1', 4)], names)
    expect(v.children[0]).toMatchObject({
      count: 1, newMarks: [], changedMarks: [], removedMarks: [{ subject: 'Математика', date: DAY, shown: '5' }],
    })
  })

  test('a plain change tells both values; pass/fail reads as зачёт/незачёт', () => {
    const v = composeView([markChanged('m1', 3, 4)], names)
    expect(v.children[0]!.changedMarks).toEqual([{ subject: 'Математика', date: DAY, from: '3', to: '4' }])
    const pass = composeView([ev('mark.changed', {
      ...lessonBase, markId: 'm2', value: null, passed: true, workTypeId: ORAL, previous: { value: null, passed: false },
    })], names)
    expect(pass.children[0]!.changedMarks).toEqual([{ subject: 'Математика', date: DAY, from: 'незачёт', to: 'зачёт' }])
  })

  test('different marks are kept apart; the work type reads in lower case', () => {
    const v = composeView([markCreated('m1', 5), markCreated('m2', 3, { workTypeId: TEST_WORK, lessonId: LESSON2, subjectId: RUSSIAN })], names)
    expect(v.newMarks).toBe(2)
    expect(v.children[0]!.newMarks).toEqual([
      { subject: 'Математика', date: DAY, shown: '5', workType: 'ответ на уроке' },
      { subject: 'Русский язык', date: DAY, shown: '3', workType: 'контрольная работа' },
    ])
  })

  test('fold keeps one track per entry and child, with the value before and after', () => {
    const tracks = fold([markCreated('m1', 5), markChanged('m1', 5, 4), markChanged('m2', 2, 3)])
    expect(tracks).toHaveLength(2)
    expect(tracks[0]).toMatchObject({ entity: 'mark', existedBefore: false, before: null, now: { value: 4 } })
    expect(tracks[1]).toMatchObject({ entity: 'mark', existedBefore: true, before: { value: 2 }, now: { value: 3 } })
  })
})

describe('voided events (payload.voided, the entry under payload.entry) fold like any other', () => {
  test("a compromised account's new mark, then its voiding (removed): nothing", () => {
    const v = composeView([markCreated('m1', 2), voided('mark.removed', 'm1', { value: 2, passed: null, workTypeId: ORAL, removedAt: '2026-11-23T10:00:00Z' })], names)
    expect(v.count).toBe(0)
  })

  test("a compromised account's change, then its voiding back to the old value: nothing", () => {
    const v = composeView([markChanged('m1', 5, 2), voided('mark.changed', 'm1', { value: 5, passed: null, workTypeId: ORAL, removedAt: null })], names)
    expect(v.count).toBe(0)
  })

  test("a compromised account's removal, then the mark put back: nothing", () => {
    const v = composeView([markRemoved('m1', 4), voided('mark.created', 'm1', { value: 4, passed: null, workTypeId: ORAL, removedAt: null })], names)
    expect(v.count).toBe(0)
  })

  test('a mark put back on its own is told as new, with the value and work type of the entry', () => {
    const v = composeView([voided('mark.created', 'm1', { value: 4, passed: null, workTypeId: TEST_WORK, removedAt: null })], names)
    expect(v.children[0]!.newMarks).toEqual([{ subject: 'Математика', date: DAY, shown: '4', workType: 'контрольная работа' }])
  })

  test('a voided change after a real one folds to the entry value', () => {
    const v = composeView([markChanged('m1', 5, 2), voided('mark.changed', 'm1', { value: 3, passed: null, workTypeId: ORAL, removedAt: null })], names)
    expect(v.children[0]!.changedMarks).toEqual([{ subject: 'Математика', date: DAY, from: '5', to: '3' }])
  })
})

describe('homework', () => {
  const hwBase = { ...lessonBase, subgroupId: null }
  test('new, changed and cancelled', () => {
    const v = composeView([
      ev('homework.set', { ...hwBase, homeworkId: 'hw-1', dueOn: '2026-11-24', late: false }),
      ev('homework.changed', { ...hwBase, subjectId: RUSSIAN, lessonId: LESSON2, homeworkId: 'hw-2', dueOn: '2026-11-25' }),
      ev('homework.removed', { ...hwBase, homeworkId: 'hw-3' }),
    ], names)
    expect(v.count).toBe(3)
    expect(v.children[0]).toMatchObject({
      homework: [
        { subject: 'Математика', dueOn: '2026-11-24', text: '§12, стр. 40, № 3–5', changed: false },
        { subject: 'Русский язык', dueOn: '2026-11-25', text: 'Упражнение 7', changed: true },
      ],
      cancelledHomework: [{ subject: 'Математика', date: DAY, shown: null }],
    })
  })

  test('set then removed inside the window: nothing; set but gone by send time: cancelled', () => {
    expect(composeView([
      ev('homework.set', { ...hwBase, homeworkId: 'hw-1', dueOn: '2026-11-24' }),
      ev('homework.removed', { ...hwBase, homeworkId: 'hw-1' }),
    ], names).count).toBe(0)
    const gone = composeView([ev('homework.set', { ...hwBase, homeworkId: 'hw-removed-since', dueOn: null })], names)
    expect(gone.children[0]).toMatchObject({ homework: [], cancelledHomework: [{ subject: 'Математика', date: DAY }] })
  })
})

describe('final marks', () => {
  const fm = (kind: string, payload: Record<string, unknown>) =>
    ev(kind, { finalMarkId: 'f1', periodId: 'period-q1', subjectId: MATHS, value: null, passed: null, status: null, ...payload })

  test('a new final mark, a changed one, and the status labels', () => {
    expect(composeView([fm('final_mark.set', { value: 5, late: false })], names).children[0]!.finals)
      .toEqual([{ subject: 'Математика', period: '1 четверть', shown: '5', from: null }])
    expect(composeView([fm('final_mark.changed', { value: 4, previous: { value: 5, passed: null, status: null } })], names).children[0]!.finals)
      .toEqual([{ subject: 'Математика', period: '1 четверть', shown: '4', from: '5' }])
    const labels = (status: string) => composeView([fm('final_mark.set', { status })], names).children[0]!.finals[0]!.shown
    expect(labels('exempt')).toBe('освобождён')
    expect(labels('not_attested')).toBe('не аттестован')
    expect(labels('ungraded')).toBe('безотметочное')
    expect(composeView([fm('final_mark.set', { passed: true })], names).children[0]!.finals[0]!.shown).toBe('зачёт')
  })

  test('a status changed to a mark says what it was; a removed one names the period', () => {
    const v = composeView([fm('final_mark.changed', { value: 3, previous: { value: null, passed: null, status: 'not_attested' } })], names)
    expect(v.children[0]!.finals).toEqual([{ subject: 'Математика', period: '1 четверть', shown: '3', from: 'не аттестован' }])
    const removed = composeView([fm('final_mark.removed', { periodId: 'period-year', previous: { value: 4, passed: null, status: null } })], names)
    expect(removed.children[0]!.removedFinals).toEqual([{ subject: 'Математика', date: 'год', shown: '4' }])
  })
})

describe('absences and several children', () => {
  test('an absence names the lesson and the reason', () => {
    const v = composeView([ev('attendance.set', { lessonId: LESSON2, subjectId: RUSSIAN, date: DAY, studentId: ANNA, attendanceId: 'a1', kind: 'ill', late: false })], names)
    expect(v.absences).toBe(1)
    expect(v.children[0]!.absences).toEqual([{ subject: 'Русский язык', date: DAY, lessonNumber: 2, kindLabel: 'отсутствует по болезни' }])
  })

  test("each child gets their own part, in the order of the first event; the totals add up", () => {
    const v = composeView([
      markCreated('m1', 5, {}, BORIS),
      markCreated('m2', 4, {}, ANNA),
      markCreated('m3', 3, {}, BORIS),
      ev('attendance.set', { ...lessonBase, studentId: ANNA, attendanceId: 'a1', kind: 'absent' }, ANNA),
      markCreated('m4', 2, {}, ANNA), markRemoved('m4', 2),
    ], names)
    expect(v.children.map((c) => [c.firstName, c.count, c.newMarks.map((m) => m.shown)])).toEqual([
      ['Борис', 2, ['5', '3']],
      ['Анна', 2, ['4']],
    ])
    expect(v).toMatchObject({ count: 4, newMarks: 3, absences: 1 })
  })

  test('a child with nothing left to tell is left out', () => {
    const v = composeView([markCreated('m1', 5, {}, BORIS), markCreated('m2', 4, {}, ANNA), markRemoved('m2', 4)], names)
    expect(v.children.map((c) => c.firstName)).toEqual(['Борис'])
  })
})

// ---------------------------------------------------------------------------------------------
// preferences
// ---------------------------------------------------------------------------------------------

function profile(over: Partial<Profile> & { prefs?: Array<[Topic, Channel, Mode]> } = {}): Profile {
  const { prefs, ...rest } = over
  return {
    personId: '00000000-0000-4000-8000-000000000001', schoolId: 's', kind: 'guardian', firstName: 'Мария',
    timezone: 'Europe/Moscow', schoolName: 'Школа', enabled: true, quiet: { from: '21:00', to: '08:00' }, digestAt: '19:00',
    channelOrder: ['telegram', 'email', 'sms'], modes: new Map((prefs ?? []).map(([t, c, m]) => [`${t}:${c}`, m])),
    addresses: { telegram: '1000', email: 'mother@example.ru', sms: '+79160000000' },
    ...rest,
  }
}

describe('default modes', () => {
  test('Telegram and email: instant, homework in the digest; SMS only for absence', () => {
    for (const topic of TOPICS) {
      const expected = topic === 'homework' ? 'digest' : 'instant'
      expect(defaultMode(topic, 'telegram')).toBe(expected)
      expect(defaultMode(topic, 'email')).toBe(expected)
      expect(defaultMode(topic, 'sms')).toBe(topic === 'absence' ? 'instant' : 'off')
    }
  })
})

describe('chooseChannel', () => {
  test('the first channel in the order that has an address', () => {
    expect(chooseChannel(profile(), 'marks')).toEqual({ channel: 'telegram', mode: 'instant' })
    expect(chooseChannel(profile(), 'homework')).toEqual({ channel: 'telegram', mode: 'digest' })
    expect(chooseChannel(profile({ channelOrder: ['email', 'telegram'] }), 'marks')).toEqual({ channel: 'email', mode: 'instant' })
    expect(chooseChannel(profile({ addresses: { email: 'a@b.ru' } }), 'marks')).toEqual({ channel: 'email', mode: 'instant' })
  })

  test('a channel set off is passed over; all off: nothing', () => {
    expect(chooseChannel(profile({ prefs: [['marks', 'telegram', 'off']] }), 'marks')).toEqual({ channel: 'email', mode: 'instant' })
    expect(chooseChannel(profile({ prefs: [['marks', 'telegram', 'off'], ['marks', 'email', 'off']] }), 'marks')).toBeNull()
    expect(chooseChannel(profile({ prefs: [['marks', 'email', 'digest']], channelOrder: ['email'] }), 'marks'))
      .toEqual({ channel: 'email', mode: 'digest' })
  })

  test('SMS only where it is on: absence by default, marks when asked', () => {
    const smsOnly = profile({ addresses: { sms: '+79160000000' } })
    expect(chooseChannel(smsOnly, 'marks')).toBeNull()
    expect(chooseChannel(smsOnly, 'absence')).toEqual({ channel: 'sms', mode: 'instant' })
    expect(chooseChannel(profile({ addresses: { sms: '+7916' }, prefs: [['marks', 'sms', 'instant']] }), 'marks'))
      .toEqual({ channel: 'sms', mode: 'instant' })
  })

  test('channels already tried (a fallback) are skipped', () => {
    expect(chooseChannel(profile(), 'absence', new Set(['telegram']))).toEqual({ channel: 'email', mode: 'instant' })
    expect(chooseChannel(profile(), 'absence', new Set(['telegram', 'email']))).toEqual({ channel: 'sms', mode: 'instant' })
    expect(chooseChannel(profile(), 'marks', new Set(['telegram', 'email']))).toBeNull()
  })

  test('a person with notifications disabled (a student by default) gets nothing', () => {
    expect(chooseChannel(profile({ kind: 'student', enabled: false }), 'marks')).toBeNull()
    expect(chooseChannel(profile({ kind: 'student', enabled: false }), 'absence')).toBeNull()
    expect(chooseChannel(profile({ kind: 'student', enabled: true }), 'marks')).toEqual({ channel: 'telegram', mode: 'instant' })
  })
})

const at = (iso: string) => new Date(iso)
const iso = (d: Date | null) => d?.toISOString() ?? null

describe('quietUntil', () => {
  const moscow = { timezone: 'Europe/Moscow', quiet: { from: '21:00', to: '08:00' } } // UTC+3
  const vladivostok = { timezone: 'Asia/Vladivostok', quiet: { from: '21:00', to: '08:00' } } // UTC+10

  test('Moscow, 21:00–08:00 across midnight: the evening and the night end at 08:00 the next school day', () => {
    expect(iso(quietUntil(moscow, at('2026-11-23T19:30:00Z')))).toBe('2026-11-24T05:00:00.000Z') // 22:30
    expect(iso(quietUntil(moscow, at('2026-11-23T18:00:00Z')))).toBe('2026-11-24T05:00:00.000Z') // 21:00 sharp
    expect(iso(quietUntil(moscow, at('2026-11-23T21:30:00Z')))).toBe('2026-11-24T05:00:00.000Z') // 00:30 on the 24th
    expect(iso(quietUntil(moscow, at('2026-11-24T04:59:00Z')))).toBe('2026-11-24T05:00:00.000Z') // 07:59
    expect(quietUntil(moscow, at('2026-11-24T05:00:00Z'))).toBeNull() // 08:00 sharp
    expect(quietUntil(moscow, at('2026-11-23T17:59:00Z'))).toBeNull() // 20:59
    expect(quietUntil(moscow, at('2026-11-23T09:00:00Z'))).toBeNull() // noon
  })

  test('Vladivostok: the local date is a day ahead of UTC in the night', () => {
    expect(iso(quietUntil(vladivostok, at('2026-11-23T12:30:00Z')))).toBe('2026-11-23T22:00:00.000Z') // 22:30 on the 23rd
    expect(iso(quietUntil(vladivostok, at('2026-11-23T14:30:00Z')))).toBe('2026-11-23T22:00:00.000Z') // 00:30 on the 24th
    expect(iso(quietUntil(vladivostok, at('2026-11-23T20:00:00Z')))).toBe('2026-11-23T22:00:00.000Z') // 06:00 on the 24th
    expect(quietUntil(vladivostok, at('2026-11-23T22:00:00Z'))).toBeNull() // 08:00 on the 24th
    expect(quietUntil(vladivostok, at('2026-11-23T09:30:00Z'))).toBeNull() // 19:30 on the 23rd (Moscow would be 12:30)
  })

  test('quiet hours within a day (13:00–15:00) do not wrap', () => {
    const nap = { timezone: 'Europe/Moscow', quiet: { from: '13:00', to: '15:00' } }
    expect(iso(quietUntil(nap, at('2026-11-23T11:00:00Z')))).toBe('2026-11-23T12:00:00.000Z') // 14:00 → 15:00
    expect(iso(quietUntil(nap, at('2026-11-23T10:00:00Z')))).toBe('2026-11-23T12:00:00.000Z') // 13:00 sharp
    expect(quietUntil(nap, at('2026-11-23T09:59:00Z'))).toBeNull() // 12:59
    expect(quietUntil(nap, at('2026-11-23T12:00:00Z'))).toBeNull() // 15:00
    expect(quietUntil(nap, at('2026-11-23T19:00:00Z'))).toBeNull() // 22:00
    expect(quietUntil(nap, at('2026-11-23T23:00:00Z'))).toBeNull() // 02:00
  })

  test('no quiet hours, or an empty span: never quiet', () => {
    expect(quietUntil({ timezone: 'Europe/Moscow', quiet: null }, at('2026-11-23T20:00:00Z'))).toBeNull()
    expect(quietUntil({ timezone: 'Europe/Moscow', quiet: { from: '22:00', to: '22:00' } }, at('2026-11-23T19:00:00Z'))).toBeNull()
  })
})

describe('nextDigestAt', () => {
  const moscow = { timezone: 'Europe/Moscow', digestAt: '19:00' }
  test("before the digest time: today's; at or after it: tomorrow's", () => {
    expect(nextDigestAt(moscow, at('2026-11-23T09:00:00Z'))).toEqual({ date: '2026-11-23', at: at('2026-11-23T16:00:00Z') }) // 12:00
    expect(nextDigestAt(moscow, at('2026-11-23T15:59:59Z'))).toEqual({ date: '2026-11-23', at: at('2026-11-23T16:00:00Z') })
    expect(nextDigestAt(moscow, at('2026-11-23T16:00:00Z'))).toEqual({ date: '2026-11-24', at: at('2026-11-24T16:00:00Z') }) // 19:00 sharp
    expect(nextDigestAt(moscow, at('2026-11-23T20:00:00Z'))).toEqual({ date: '2026-11-24', at: at('2026-11-24T16:00:00Z') }) // 23:00
    expect(nextDigestAt(moscow, at('2026-11-30T20:00:00Z'))).toEqual({ date: '2026-12-01', at: at('2026-12-01T16:00:00Z') }) // across a month
  })

  test('in Vladivostok the day turns while it is still the afternoon in UTC', () => {
    const vlad = { timezone: 'Asia/Vladivostok', digestAt: '20:30' }
    expect(nextDigestAt(vlad, at('2026-11-23T09:00:00Z'))).toEqual({ date: '2026-11-23', at: at('2026-11-23T10:30:00Z') }) // 19:00
    expect(nextDigestAt(vlad, at('2026-11-23T11:00:00Z'))).toEqual({ date: '2026-11-24', at: at('2026-11-24T10:30:00Z') }) // 21:00
    expect(nextDigestAt(vlad, at('2026-11-23T15:00:00Z'))).toEqual({ date: '2026-11-24', at: at('2026-11-24T10:30:00Z') }) // 01:00 on the 24th
  })
})

// ---------------------------------------------------------------------------------------------
// plural, unsubscribe links
// ---------------------------------------------------------------------------------------------

describe('plural', () => {
  const marks = (n: number) => `${n} ${plural(n, 'отметка', 'отметки', 'отметок')}`
  test('one, few and many, with the teens', () => {
    expect([0, 1, 2, 4, 5, 10, 11, 12, 14, 15, 21, 22, 25, 101, 111, 112, 122, 1001].map(marks)).toEqual([
      '0 отметок', '1 отметка', '2 отметки', '4 отметки', '5 отметок', '10 отметок', '11 отметок', '12 отметок', '14 отметок',
      '15 отметок', '21 отметка', '22 отметки', '25 отметок', '101 отметка', '111 отметок', '112 отметок', '122 отметки', '1001 отметка',
    ])
  })
})

describe('unsubscribe tokens', () => {
  const secret = 'test-secret-test-secret-test-secret-0123456789'
  const target = { personId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', topic: 'marks', channel: 'email' } as const

  test('round trip', () => {
    const token = unsubscribeToken(secret, target)
    expect(token).toMatch(/^[\w-]+\.[\w-]{32}$/)
    expect(readUnsubscribeToken(secret, token)).toEqual(target)
    for (const topic of TOPICS) {
      const t = { ...target, topic, channel: 'telegram' as const }
      expect(readUnsubscribeToken(secret, unsubscribeToken(secret, t))).toEqual(t)
    }
    expect(unsubscribeUrl('https://zvonok.example', secret, target)).toBe(`https://zvonok.example/v1/notifications/unsubscribe?t=${token}`)
  })

  test('a tampered token is refused', () => {
    const token = unsubscribeToken(secret, target)
    const [body, sig] = token.split('.') as [string, string]
    // another topic (or person) under the old signature
    const other = Buffer.from(`${target.personId}.homework.email`).toString('base64url')
    expect(readUnsubscribeToken(secret, `${other}.${sig}`)).toBeNull()
    const otherPerson = Buffer.from(`3f2504e0-4f89-41d3-9a0c-0305e82c3302.marks.email`).toString('base64url')
    expect(readUnsubscribeToken(secret, `${otherPerson}.${sig}`)).toBeNull()
    // one character of the signature changed, the signature cut short, parts missing
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')
    expect(readUnsubscribeToken(secret, `${body}.${flipped}`)).toBeNull()
    expect(readUnsubscribeToken(secret, `${body}.${sig.slice(0, 20)}`)).toBeNull()
    expect(readUnsubscribeToken(secret, body)).toBeNull()
    expect(readUnsubscribeToken(secret, '')).toBeNull()
    expect(readUnsubscribeToken(secret, `.${sig}`)).toBeNull()
  })

  test('a token signed with another secret is refused', () => {
    expect(readUnsubscribeToken(secret, unsubscribeToken('another-secret-another-secret-0123456789', target))).toBeNull()
  })

  test('a correctly signed token naming something that does not exist is refused', () => {
    const sign = (personId: string, topic: string, channel: string) =>
      unsubscribeToken(secret, { personId, topic: topic as 'marks', channel: channel as 'email' })
    expect(readUnsubscribeToken(secret, sign('not-a-uuid', 'marks', 'email'))).toBeNull()
    expect(readUnsubscribeToken(secret, sign(target.personId, 'gossip', 'email'))).toBeNull()
    expect(readUnsubscribeToken(secret, sign(target.personId, 'marks', 'pigeon'))).toBeNull()
  })
})
