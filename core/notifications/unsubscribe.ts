/**
 * The List-Unsubscribe link of an email: a signed token naming the person, the topic and the
 * channel, so one click turns that topic off on that channel without logging in. The token
 * carries no personal data beyond the person's id and cannot be forged without JWT_SECRET.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { CHANNELS, TOPICS, type Channel, type Topic } from './preferences.ts'

export interface UnsubscribeTarget {
  readonly personId: string
  readonly topic: Topic
  readonly channel: Channel
}

const mac = (secret: string, body: string) =>
  createHmac('sha256', `zvonok.unsubscribe:${secret}`).update(body).digest('base64url').slice(0, 32)

export function unsubscribeToken(secret: string, t: UnsubscribeTarget): string {
  const body = `${t.personId}.${t.topic}.${t.channel}`
  return `${Buffer.from(body).toString('base64url')}.${mac(secret, body)}`
}

export function readUnsubscribeToken(secret: string, token: string): UnsubscribeTarget | null {
  const [encoded, sig] = token.split('.')
  if (!encoded || !sig) return null
  const body = Buffer.from(encoded, 'base64url').toString()
  const expected = Buffer.from(mac(secret, body))
  const given = Buffer.from(sig)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
  const [personId, topic, channel] = body.split('.')
  if (!personId || !/^[0-9a-f-]{36}$/.test(personId)) return null
  if (!TOPICS.includes(topic as Topic) || !CHANNELS.includes(channel as Channel)) return null
  return { personId, topic: topic as Topic, channel: channel as Channel }
}

export function unsubscribeUrl(publicUrl: string, secret: string, t: UnsubscribeTarget): string {
  return `${publicUrl}/v1/notifications/unsubscribe?t=${unsubscribeToken(secret, t)}`
}
