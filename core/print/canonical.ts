/**
 * Canonical forms hashed by printouts and the archive. Data is hashed (and archived) as the bytes
 * of its canonical JSON, so the same data always gives the same SHA-256, whoever recomputes it
 * and in whatever key order the data was built.
 */
import { createHash } from 'node:crypto'

/**
 * Canonical JSON (the JCS scheme of RFC 8785 for the values we store): object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes
 * them. Extensions for values our queries return: a Date is its UTC ISO string
 * (YYYY-MM-DDTHH:mm:ss.sssZ); an object property whose value is undefined is left out (as
 * JSON.stringify does). Non-finite numbers, bigints, functions and symbols are refused: they
 * have no JSON form, and silently writing null would hide a bug in the data.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for ${value}`)
      return JSON.stringify(value)
    case 'string':
      return JSON.stringify(value)
    case 'object':
      break
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`)
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('canonical JSON has no form for an invalid date')
    return JSON.stringify(value.toISOString())
  }
  if (ArrayBuffer.isView(value)) throw new TypeError('canonical JSON has no form for binary data')
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}
