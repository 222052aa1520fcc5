import { expect, test } from 'vitest'
import { encodeGsm7, encodeUcs2, isGsm7, smsParts, splitSms } from '../../notifier/channels/sms-text.ts'

const cyr = (n: number) => 'ж'.repeat(n)
const lat = (n: number) => 'a'.repeat(n)

test('Cyrillic is UCS-2: 70 in one SMS, then 67 per part', () => {
  expect(smsParts(cyr(70))).toEqual({ encoding: 'ucs2', parts: 1, perPart: 70, length: 70 })
  expect(smsParts(cyr(71))).toEqual({ encoding: 'ucs2', parts: 2, perPart: 67, length: 71 })
  expect(smsParts(cyr(134)).parts).toBe(2)
  expect(smsParts(cyr(135)).parts).toBe(3)
  expect(splitSms(cyr(150)).parts.map((p) => p.length)).toEqual([67, 67, 16])
})

test('GSM-7 text: 160 in one SMS, then 153 per part', () => {
  expect(smsParts(lat(160))).toEqual({ encoding: 'gsm7', parts: 1, perPart: 160, length: 160 })
  expect(smsParts(lat(161))).toEqual({ encoding: 'gsm7', parts: 2, perPart: 153, length: 161 })
  expect(smsParts(lat(306)).parts).toBe(2)
  expect(smsParts(lat(307)).parts).toBe(3)
})

test('one Cyrillic letter makes the whole text UCS-2', () => {
  expect(smsParts(lat(100) + 'й').encoding).toBe('ucs2')
  expect(smsParts(lat(100) + 'й').parts).toBe(2)
  expect(isGsm7('Hello, World! @£$¥ èé ÄÖÑÜ §¿ 0-9')).toBe(true)
  expect(isGsm7('`backtick`')).toBe(false)
})

test('extension characters count two septets and are never split from their escape', () => {
  expect(smsParts('€'.repeat(80)).length).toBe(160)
  expect(smsParts('€'.repeat(80)).parts).toBe(1)
  expect(smsParts('€'.repeat(81)).parts).toBe(2)
  // 152 septets, then a 2-septet '{' that does not fit the first part's 153
  const { parts } = splitSms(lat(152) + '{' + lat(10))
  expect(parts).toEqual([lat(152), '{' + lat(10)])
})

test('a surrogate pair (emoji) is not split between UCS-2 parts', () => {
  const text = cyr(66) + '😀' + cyr(10)
  const { parts } = splitSms(text)
  expect(parts).toEqual([cyr(66), '😀' + cyr(10)])
  expect(parts.join('')).toBe(text)
})

test('encoders: GSM-7 septets with escapes, UCS-2 big-endian', () => {
  expect([...encodeGsm7('@A€à')]).toEqual([0x00, 0x41, 0x1b, 0x65, 0x7f])
  expect([...encodeUcs2('Ж')]).toEqual([0x04, 0x16])
  expect(() => encodeGsm7('ж')).toThrow(RangeError)
})
