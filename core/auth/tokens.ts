import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'

/** Refresh tokens are `<id>.<secret>`: the id finds the row, the secret is kept only hashed. */
export function newRefreshSecret(): { secret: string; hash: Buffer } {
  const secret = randomBytes(32).toString('base64url')
  return { secret, hash: sha256(secret) }
}

export function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

export function parseRefreshToken(token: string): { id: string; secret: string } | null {
  const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,100})$/.exec(token)
  return m ? { id: m[1] as string, secret: m[2] as string } : null
}

export function secretMatches(secret: string, hash: Buffer): boolean {
  const h = sha256(secret)
  return h.length === hash.length && timingSafeEqual(h, hash)
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/** A one-time code for the bot's deep link (`/start CODE`): 12 characters, ~60 bits. */
export function generateLinkCode(): string {
  let s = ''
  for (let i = 0; i < 12; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
  return s
}
