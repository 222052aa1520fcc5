import { describe, expect, it } from 'vitest'
import { mondayOf, parseDatePhrase } from '../../bots/conversation/dates.ts'

// 2026-11-18 is a Wednesday; 2026-11-20 a Friday
const WED = '2026-11-18'
const FRI = '2026-11-20'
const date = (text: string, today = WED) => {
  const r = parseDatePhrase(text, today)
  return r && 'date' in r ? r.date : r
}

describe('parseDatePhrase', () => {
  it('reads relative days', () => {
    expect(date('сегодня')).toBe('2026-11-18')
    expect(date('на завтра')).toBe('2026-11-19')
    expect(date('дз на Завтра?')).toBe('2026-11-19')
    expect(date('послезавтра')).toBe('2026-11-20')
    expect(date('вчера')).toBe('2026-11-17')
    expect(date('позавчера')).toBe('2026-11-16')
  })

  it('reads weekday names in any case form, forward from today', () => {
    expect(date('в пятницу')).toBe('2026-11-20')
    expect(date('на пятницу')).toBe('2026-11-20')
    expect(date('к пятнице')).toBe('2026-11-20')
    expect(date('пятница')).toBe('2026-11-20')
    expect(date('на понедельник')).toBe('2026-11-23')
    expect(date('к понедельнику')).toBe('2026-11-23')
    expect(date('во вторник')).toBe('2026-11-24')
    expect(date('на четверг')).toBe('2026-11-19')
    expect(date('в субботу')).toBe('2026-11-21')
    expect(date('к субботе')).toBe('2026-11-21')
    expect(date('в воскресенье')).toBe('2026-11-22')
    expect(date('что задали на ПЯТНИЦУ?')).toBe('2026-11-20')
  })

  it('takes the same weekday as today to mean next week (the choice documented in dates.ts)', () => {
    expect(date('на среду')).toBe('2026-11-25')
    expect(date('к среде')).toBe('2026-11-25')
    expect(date('в пятницу', FRI)).toBe('2026-11-27')
  })

  it('reads short weekday forms', () => {
    expect(date('пн')).toBe('2026-11-23')
    expect(date('дз вт')).toBe('2026-11-24')
    expect(date('на чт')).toBe('2026-11-19')
    expect(date('пт')).toBe('2026-11-20')
    expect(date('сб')).toBe('2026-11-21')
    expect(date('ср')).toBe('2026-11-25')
  })

  it('counts back for «прошлый»', () => {
    expect(date('в прошлую пятницу')).toBe('2026-11-13')
    expect(date('прошлый вторник')).toBe('2026-11-17')
    expect(date('в прошлую среду')).toBe('2026-11-11')
  })

  it('reads numeric dates, choosing the nearest year when none is given', () => {
    expect(date('12.03')).toBe('2027-03-12')
    expect(date('домашка 12.03')).toBe('2027-03-12')
    expect(date('12/03')).toBe('2027-03-12')
    expect(date('1.12')).toBe('2026-12-01')
    expect(date('20.11')).toBe('2026-11-20')
    expect(date('01.09')).toBe('2026-09-01')
    expect(date('20.11', '2027-01-10')).toBe('2026-11-20')
    expect(date('12.03.2027')).toBe('2027-03-12')
    expect(date('12.03.27')).toBe('2027-03-12')
    expect(date('29.02', '2027-11-18')).toBe('2028-02-29')
  })

  it('reads a day with a month name', () => {
    expect(date('12 марта')).toBe('2027-03-12')
    expect(date('на 1 декабря')).toBe('2026-12-01')
    expect(date('3 сентября')).toBe('2026-09-03')
    expect(date('1 сентября 2027')).toBe('2027-09-01')
    expect(date('5 янв')).toBe('2027-01-05')
    expect(date('25 мая')).toBe('2026-05-25') // 177 days back is nearer than 188 ahead
    expect(date('на 20 ноября')).toBe('2026-11-20')
  })

  it('reads weeks as their Monday', () => {
    expect(date('на следующей неделе')).toBe('2026-11-23')
    expect(date('следующая неделя')).toBe('2026-11-23')
    expect(date('на прошлой неделе')).toBe('2026-11-09')
    expect(date('на этой неделе')).toBe('2026-11-16')
    expect(date('на следующей неделе', '2026-11-22')).toBe('2026-11-23')
  })

  it('reports what looks like a date but cannot be one', () => {
    expect(parseDatePhrase('31.02', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('32.03', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('12.13', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('12.03.202', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('123.45', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('45 марта', WED)).toEqual({ error: 'unreadable' })
    expect(parseDatePhrase('30 февраля', WED)).toEqual({ error: 'unreadable' })
  })

  it('returns null when there is no date in the text', () => {
    expect(parseDatePhrase('', WED)).toBeNull()
    expect(parseDatePhrase('дз', WED)).toBeNull()
    expect(parseDatePhrase('по математике', WED)).toBeNull()
    expect(parseDatePhrase('привет', WED)).toBeNull()
    expect(parseDatePhrase('среди недели', WED)).toBeNull()
    expect(parseDatePhrase('5 уроков', WED)).toBeNull()
    expect(parseDatePhrase('на завтрв', WED)).toBeNull()
  })

  it('finds Mondays across month and year ends', () => {
    expect(mondayOf('2026-11-22')).toBe('2026-11-16')
    expect(mondayOf('2026-11-23')).toBe('2026-11-23')
    expect(mondayOf('2027-01-01')).toBe('2026-12-28')
  })
})
