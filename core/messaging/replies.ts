/**
 * Which thread a chat reply refers to. The notifier records the Telegram message id of every
 * message it sends (deliveries.provider_id); replying to one of ours that told a thread's
 * message continues that thread. A delivery that told messages of two threads is ambiguous.
 */
import type { Db } from '../db/connect.ts'
import { loadThread, type ThreadRow } from './threads.ts'

export async function threadForReply(db: Db, personIds: readonly string[], providerMessageId: number | string): Promise<ThreadRow | null> {
  if (!personIds.length) return null
  const rows = await db<{ threadId: string }[]>`
    select distinct o.payload->>'threadId' as thread_id
    from deliveries d
    join delivery_events de on de.delivery_id = d.id
    join outbox o on o.id = de.outbox_id
    where d.channel = 'telegram' and d.provider_id = ${String(providerMessageId)}
      and d.person_id = any(${personIds as string[]}::uuid[]) and o.kind like 'message.%'`
  const [only] = rows
  return rows.length === 1 && only!.threadId ? loadThread(db, only!.threadId) : null
}
