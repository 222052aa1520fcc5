/**
 * A school's watched words: words or phrases its moderators want acted on in every class
 * channel, each with its action (delete and warn, hold for review, or just flag). Stored in the
 * filter's normal form, so «Kонтр0льная» and «контрольная» are one word.
 */
import { assertCan } from '../auth/policy.ts'
import { writeAudit } from '../audit/audit.ts'
import type { Sql } from '../db/connect.ts'
import { errors } from '../http/errors.ts'
import type { RequestContext } from '../people/service.ts'
import { normalizeText, type FilterAction } from './filter/index.ts'

export interface WatchedWordView {
  readonly id: string
  readonly word: string
  readonly action: FilterAction
  readonly createdAt: Date
}

export async function listWatchedWords(sql: Sql, ctx: RequestContext, schoolId: string): Promise<WatchedWordView[]> {
  assertCan(ctx.actor, 'school.moderateChannels', { type: 'school', schoolId })
  return sql<WatchedWordView[]>`select id, word, action, created_at from watched_words where school_id = ${schoolId} order by word`
}

export async function addWatchedWord(
  sql: Sql, ctx: RequestContext, schoolId: string, input: { word: string; action: FilterAction },
): Promise<WatchedWordView> {
  assertCan(ctx.actor, 'school.moderateChannels', { type: 'school', schoolId })
  const word = normalizeText(input.word).trim()
  if (word.length < 2 || word.length > 100) throw errors.validation([{ path: 'word', message: 'from 2 to 100 letters after normalisation' }])
  return sql.begin(async (tx) => {
    const [row] = await tx<WatchedWordView[]>`
      insert into watched_words (school_id, word, action, created_by) values (${schoolId}, ${word}, ${input.action}, ${ctx.actor.accountId})
      on conflict (school_id, word) do nothing returning id, word, action, created_at`
    if (!row) throw errors.conflict(`"${word}" is watched already`)
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'watched_word.added', entityType: 'watched_word',
      entityId: row.id, after: { word, action: input.action }, requestId: ctx.requestId ?? null,
    })
    return row
  })
}

export async function removeWatchedWord(sql: Sql, ctx: RequestContext, schoolId: string, id: string): Promise<void> {
  assertCan(ctx.actor, 'school.moderateChannels', { type: 'school', schoolId })
  await sql.begin(async (tx) => {
    const [row] = await tx<{ word: string; action: string }[]>`
      delete from watched_words where id = ${id} and school_id = ${schoolId} returning word, action`
    if (!row) throw errors.notFound('watched word', id)
    await writeAudit(tx, {
      schoolId, actorAccountId: ctx.actor.accountId, action: 'watched_word.removed', entityType: 'watched_word',
      entityId: id, before: row, requestId: ctx.requestId ?? null,
    })
  })
}
