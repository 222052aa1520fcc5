/**
 * SMS length rules. Text that fits the GSM 03.38 alphabet goes as 7-bit septets (160 in one
 * SMS, 153 per part of a long one: the 6-byte UDH takes 7 septets); anything else (Cyrillic,
 * emoji) goes as UCS-2 (70 in one SMS, 67 per part). Operators bill per part, so the split is
 * exact: an escape pair (€, [, { …) or a surrogate pair is never cut between two parts, where
 * the phone would show garbage.
 */

export type SmsEncoding = 'gsm7' | 'ucs2'

export interface SmsParts {
  readonly encoding: SmsEncoding
  /** number of SMS the text is sent as */
  readonly parts: number
  /** capacity of one part: 160/70 for a single SMS, 153/67 per part of a long one */
  readonly perPart: number
  /** septets (gsm7, an escaped character counts 2) or UTF-16 code units (ucs2) */
  readonly length: number
}

// GSM 03.38 default alphabet in code order
const BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1BÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
// extension table: character → code after the escape
const EXTENDED = new Map<string, number>([
  ['\f', 0x0a], ['^', 0x14], ['{', 0x28], ['}', 0x29], ['\\', 0x2f],
  ['[', 0x3c], ['~', 0x3d], [']', 0x3e], ['|', 0x40], ['€', 0x65],
])
// 0x1B is the escape itself: a literal ESC in the text is not a character we can send
const BASIC_CODES = new Map([...BASIC].map((ch, code) => [ch, code] as const).filter(([, code]) => code !== 0x1b))

const LIMITS = { gsm7: { single: 160, multi: 153 }, ucs2: { single: 70, multi: 67 } } as const

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC_CODES.has(ch) && !EXTENDED.has(ch)) return false
  return true
}

/** Length of one character (code point) in the units of the encoding. */
function cost(ch: string, encoding: SmsEncoding): number {
  if (encoding === 'ucs2') return ch.length
  return EXTENDED.has(ch) ? 2 : 1
}

/** The parts the text is sent as, each within its encoding's limit. */
export function splitSms(text: string): { encoding: SmsEncoding; parts: string[] } {
  const encoding: SmsEncoding = isGsm7(text) ? 'gsm7' : 'ucs2'
  const limits = LIMITS[encoding]
  let total = 0
  for (const ch of text) total += cost(ch, encoding)
  if (total <= limits.single) return { encoding, parts: [text] }
  const parts: string[] = []
  let current = ''
  let used = 0
  for (const ch of text) {
    const c = cost(ch, encoding)
    if (used + c > limits.multi) {
      parts.push(current)
      current = ''
      used = 0
    }
    current += ch
    used += c
  }
  parts.push(current)
  return { encoding, parts }
}

export function smsParts(text: string): SmsParts {
  const { encoding, parts } = splitSms(text)
  let length = 0
  for (const ch of text) length += cost(ch, encoding)
  const limits = LIMITS[encoding]
  return { encoding, parts: parts.length, perPart: parts.length > 1 ? limits.multi : limits.single, length }
}

/** GSM-7 text as unpacked septets (one per byte), which is how SMPP carries data_coding 0. */
export function encodeGsm7(text: string): Buffer {
  const bytes: number[] = []
  for (const ch of text) {
    const code = BASIC_CODES.get(ch)
    if (code !== undefined) bytes.push(code)
    else {
      const ext = EXTENDED.get(ch)
      if (ext === undefined) throw new RangeError('text is not GSM-7; use UCS-2')
      bytes.push(0x1b, ext)
    }
  }
  return Buffer.from(bytes)
}

/** UCS-2 (UTF-16BE) bytes, data_coding 8. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16()
}
