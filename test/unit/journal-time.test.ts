import { describe, expect, test } from 'vitest'
import { forecast, MIN_MARKS_FOR_FORECAST } from '../../core/journal/diary.ts'
import {
  addDays, attendanceDueAt, endOfDay, finalMarkDueAt, HOMEWORK_GRACE_MS, homeworkDueAt, localDate, markDueAt, weekday, zonedInstant,
} from '../../core/journal/time.ts'

const iso = (d: Date) => d.toISOString()

describe('calendar dates', () => {
  test('addDays crosses months, years and a leap day', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2026-11-23', 0)).toBe('2026-11-23')
  })

  test('weekday is ISO: Monday 1 … Sunday 7', () => {
    expect(weekday('2026-11-23')).toBe(1)
    expect(weekday('2026-11-27')).toBe(5)
    expect(weekday('2026-11-22')).toBe(7)
    expect(weekday('2026-09-01')).toBe(2)
  })

  test('localDate is the date on the wall clock of the zone', () => {
    const instant = new Date('2026-11-22T21:30:00Z')
    expect(localDate(instant, 'Europe/Kaliningrad')).toBe('2026-11-22') // 23:30
    expect(localDate(instant, 'Europe/Moscow')).toBe('2026-11-23') // 00:30
    expect(localDate(new Date('2026-11-22T14:00:00Z'), 'Asia/Vladivostok')).toBe('2026-11-23') // 00:00
    expect(localDate(new Date('2026-11-22T13:59:59Z'), 'Asia/Vladivostok')).toBe('2026-11-22') // 23:59:59
  })
})

describe('zonedInstant', () => {
  test('Russian zones without daylight saving', () => {
    expect(iso(zonedInstant('2026-11-23', '08:30', 'Europe/Moscow'))).toBe('2026-11-23T05:30:00.000Z')
    expect(iso(zonedInstant('2026-11-23', '08:30', 'Europe/Kaliningrad'))).toBe('2026-11-23T06:30:00.000Z')
    // UTC+10: the morning lesson is the previous UTC day
    expect(iso(zonedInstant('2026-11-23', '08:30', 'Asia/Vladivostok'))).toBe('2026-11-22T22:30:00.000Z')
    expect(iso(zonedInstant('2026-07-01', '00:00', 'Asia/Vladivostok'))).toBe('2026-06-30T14:00:00.000Z')
    expect(iso(zonedInstant('2026-11-23', '14:05:30', 'Europe/Moscow'))).toBe('2026-11-23T11:05:30.000Z')
  })

  test('uses the offset in force on that date (Moscow was UTC+4 in 2012)', () => {
    expect(iso(zonedInstant('2012-06-01', '12:00', 'Europe/Moscow'))).toBe('2012-06-01T08:00:00.000Z')
  })

  test('Europe/Berlin on the spring-forward day (2026-03-29, 02:00 CET → 03:00 CEST)', () => {
    expect(iso(zonedInstant('2026-03-29', '01:30', 'Europe/Berlin'))).toBe('2026-03-29T00:30:00.000Z') // CET, +1
    expect(iso(zonedInstant('2026-03-29', '03:30', 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z') // CEST, +2
    expect(iso(zonedInstant('2026-03-29', '12:00', 'Europe/Berlin'))).toBe('2026-03-29T10:00:00.000Z')
    // 02:30 does not exist that day: it lands on the instant the clock shows 03:30
    expect(iso(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z')
    expect(iso(zonedInstant('2026-03-28', '12:00', 'Europe/Berlin'))).toBe('2026-03-28T11:00:00.000Z')
  })

  test('Europe/Berlin on the fall-back day (2026-10-25, 03:00 CEST → 02:00 CET)', () => {
    expect(iso(zonedInstant('2026-10-25', '01:30', 'Europe/Berlin'))).toBe('2026-10-24T23:30:00.000Z') // CEST
    expect(iso(zonedInstant('2026-10-25', '12:00', 'Europe/Berlin'))).toBe('2026-10-25T11:00:00.000Z') // CET
    // 02:30 happens twice; either instant shows 02:30 on the wall clock
    const twice = zonedInstant('2026-10-25', '02:30', 'Europe/Berlin')
    expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).toContain(iso(twice))
  })
})

describe('deadlines', () => {
  test('endOfDay is the next local midnight', () => {
    expect(iso(endOfDay('2026-11-23', 'Europe/Moscow'))).toBe('2026-11-23T21:00:00.000Z')
    expect(iso(endOfDay('2026-11-23', 'Asia/Vladivostok'))).toBe('2026-11-23T14:00:00.000Z')
    expect(iso(endOfDay('2026-11-23', 'Europe/Kaliningrad'))).toBe('2026-11-23T22:00:00.000Z')
    expect(iso(endOfDay('2026-12-31', 'Europe/Moscow'))).toBe('2026-12-31T21:00:00.000Z')
  })

  test('endOfDay over a DST change: the fall-back day lasts 25 hours, the spring-forward day 23', () => {
    expect(iso(endOfDay('2026-10-24', 'Europe/Berlin'))).toBe('2026-10-24T22:00:00.000Z')
    expect(iso(endOfDay('2026-10-25', 'Europe/Berlin'))).toBe('2026-10-25T23:00:00.000Z')
    expect(iso(endOfDay('2026-03-28', 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z')
    expect(iso(endOfDay('2026-03-29', 'Europe/Berlin'))).toBe('2026-03-29T22:00:00.000Z')
  })

  test('a mark is due by the end of the lesson day plus the work type deadline days', () => {
    expect(iso(markDueAt('2026-11-20', 0, 'Europe/Moscow'))).toBe('2026-11-20T21:00:00.000Z')
    expect(iso(markDueAt('2026-11-20', 3, 'Europe/Moscow'))).toBe('2026-11-23T21:00:00.000Z') // a test (контрольная)
    expect(iso(markDueAt('2026-11-25', 10, 'Europe/Moscow'))).toBe('2026-12-05T21:00:00.000Z') // written work, across a month
    expect(iso(markDueAt('2026-11-20', 3, 'Asia/Vladivostok'))).toBe('2026-11-23T14:00:00.000Z')
    expect(iso(markDueAt('2026-10-22', 3, 'Europe/Berlin'))).toBe('2026-10-25T23:00:00.000Z') // due on the 25-hour day
  })

  test('attendance is due by the end of the lesson day, a final mark by the end of the period', () => {
    expect(iso(attendanceDueAt('2026-11-20', 'Europe/Moscow'))).toBe('2026-11-20T21:00:00.000Z')
    expect(iso(finalMarkDueAt('2026-12-28', 'Europe/Kaliningrad'))).toBe('2026-12-28T22:00:00.000Z')
  })

  test('homework is due 1.5 hours after the class’s last lesson', () => {
    expect(HOMEWORK_GRACE_MS).toBe(5_400_000)
    expect(iso(homeworkDueAt(new Date('2026-11-20T10:15:00Z')))).toBe('2026-11-20T11:45:00.000Z')
    // a last lesson ending late in the evening makes homework due on the next UTC day
    expect(iso(homeworkDueAt(new Date('2026-11-20T23:00:00Z')))).toBe('2026-11-21T00:30:00.000Z')
  })
})

describe('forecast of the period mark', () => {
  test('needs at least three marks', () => {
    expect(MIN_MARKS_FOR_FORECAST).toBe(3)
    expect(forecast(5, 0)).toBeNull()
    expect(forecast(4.8, 2)).toBeNull()
    expect(forecast(2, 2)).toBeNull()
    expect(forecast(4.8, 3)).toBe(5)
    expect(forecast(null, 5)).toBeNull()
  })

  test('rounds half up at 4.5, 3.5 and 2.5', () => {
    const at = (average: number) => forecast(average, 3)
    expect([5, 4.5, 4.49, 3.5, 3.49, 2.5, 2.49, 2, 1].map(at)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 2])
    expect(forecast(4.5, 10)).toBe(5)
    expect(forecast(3.99, 4)).toBe(4)
  })
})
