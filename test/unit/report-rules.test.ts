/**
 * The summary sheet's tally rules (core/reports/rules.ts), case by case, with the arithmetic
 * written out beside each expected number.
 */
import { describe, expect, test } from 'vitest'
import { category, finalCode, hasOneThree, markCounts, percent, sou, subjectTally, type FinalCode } from '../../core/reports/rules.ts'

describe('a student\'s category', () => {
  const cases: [FinalCode[], ReturnType<typeof category>][] = [
    [['5', '5', 'pass', 'exempt'], 'excellent'], // зачёт and освобождён do not spoil it
    [['5', 'ungraded'], 'excellent'],
    [['pass', 'exempt'], 'satisfactory'], // no numeric 5: not an отличник, still успевает
    [['5', '4', '5'], 'good'],
    [['4', '4'], 'good'],
    [['5', '4', '3'], 'satisfactory'],
    [['5', '5', '2'], 'failing'],
    [['5', '1'], 'failing'],
    [['5', 'fail'], 'failing'], // незачёт
    [['5', 'not_attested'], 'failing'], // н/а
    [[], 'none'], // нет отметок, never успевающий
  ]
  test.each(cases)('%j → %s', (codes, expected) => {
    expect(category(codes)).toBe(expected)
  })

  test('«с одной „3“»: exactly one 3, the rest 4 and 5, nothing failing', () => {
    expect(hasOneThree(['5', '4', '3', 'pass'])).toBe(true)
    expect(hasOneThree(['3', '3', '4'])).toBe(false)
    expect(hasOneThree(['3', '4', '2'])).toBe(false)
    expect(hasOneThree(['3', '4', 'not_attested'])).toBe(false)
    expect(hasOneThree(['5', '4'])).toBe(false)
  })
})

describe('final codes and counts', () => {
  test('a final_marks row has exactly one of value, passed, status', () => {
    expect(finalCode({ value: 4, passed: null, status: null })).toBe('4')
    expect(finalCode({ value: null, passed: true, status: null })).toBe('pass')
    expect(finalCode({ value: null, passed: false, status: null })).toBe('fail')
    expect(finalCode({ value: null, passed: null, status: 'exempt' })).toBe('exempt')
  })

  test('the «2» column counts a 1 as well; non-numeric finals are not counted', () => {
    expect(markCounts(['5', '5', '4', '3', '2', '1', 'pass', 'not_attested'])).toEqual({ five: 2, four: 1, three: 1, two: 2 })
  })
})

describe('percentages, averages, СОУ', () => {
  test('one decimal, rounded half up; nothing over nothing is null', () => {
    expect(percent(5, 7)).toBe(71.4) // 71.428…
    expect(percent(3, 7)).toBe(42.9) // 42.857…
    expect(percent(1, 16)).toBe(6.3) // 6.25 → 6.3
    expect(percent(2, 2)).toBe(100)
    expect(percent(0, 0)).toBeNull()
  })

  test('СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·nн/а) / all', () => {
    expect(sou({ five: 1, four: 1, three: 0, two: 0, notAttested: 0 })).toBe(82) // (100 + 64) / 2
    expect(sou({ five: 0, four: 0, three: 1, two: 1, notAttested: 1 })).toBe(19.7) // (36 + 16 + 7) / 3 = 19.67
    expect(sou({ five: 0, four: 0, three: 0, two: 0, notAttested: 0 })).toBeNull()
  })

  test('a subject: освобождён outside the denominators; зачёт in успеваемость, not in качество', () => {
    const t = subjectTally(['5', '4', '3', '2', 'not_attested', 'exempt', 'pass', 'fail'])
    expect(t).toMatchObject({
      five: 1, four: 1, three: 1, two: 1, notAttested: 1, pass: 1, fail: 1, exempt: 1,
      assessed: 7, // 4 numeric + н/а + зачёт + незачёт
      progressPercent: 57.1, // (5, 4, 3, зачёт) 4 / 7 = 57.14
      qualityPercent: 40, // (5, 4) 2 / (4 numeric + 1 н/а) 5
      average: 3.5, // (5 + 4 + 3 + 2) / 4
      sou: 44.6, // (100 + 64 + 36 + 16 + 7) / 5 = 223 / 5
    })
    const passOnly = subjectTally(['pass', 'pass', 'fail'])
    expect(passOnly.qualityPercent).toBeNull()
    expect(passOnly.average).toBeNull()
    expect(passOnly.progressPercent).toBe(66.7)
  })
})
