/** Writing the planned rows: in chunks, in one transaction or one per chunk, or rolled back in a dry run. */
import { writeAudit, type AuditEntry } from '../../audit/audit.ts'
import type { Sql, Tx } from '../../db/connect.ts'
import { insertRows } from '../../db/insert-rows.ts'
import type { ImportIssue, ImportOptions } from './types.ts'

/** Audit rows of one chunk, sent pipelined on the transaction's connection (the trigger chains them in order). */
export async function writeAudits(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) await Promise.all(entries.slice(i, i + 500).map((e) => writeAudit(tx, e)))
}

const ROWS_PER_CHUNK = 100
class Rollback extends Error {}

/**
 * Writes the planned rows chunk by chunk: all in one transaction; with `partial`, one
 * transaction per chunk (a chunk the database refuses — after the checks, only a concurrent
 * writer makes it — is rolled back and its rows reported, as are later rows that needed what
 * it would have created); in a dry run, everything in one transaction that is rolled back.
 * Returns the lines written.
 */
export async function execute<Op extends { line: number }>(
  sql: Sql, opts: ImportOptions, ops: readonly Op[], write: (tx: Tx, chunk: readonly Op[]) => Promise<void>, errors: ImportIssue[],
): Promise<Set<number>> {
  const chunks: Op[][] = []
  for (let i = 0; i < ops.length; i += ROWS_PER_CHUNK) chunks.push(ops.slice(i, i + ROWS_PER_CHUNK))
  const written = new Set<number>()
  let done = 0
  const progress = async (chunk: readonly Op[]) => {
    done += chunk.length
    await opts.onProgress?.(done, ops.length)
  }
  if (opts.partial && !opts.dryRun) {
    for (const chunk of chunks) {
      try {
        await sql.begin((tx) => write(tx, chunk))
        for (const op of chunk) written.add(op.line)
      } catch (err) {
        const range = `${chunk[0]!.line}–${chunk[chunk.length - 1]!.line}`
        for (const op of chunk) errors.push({ line: op.line, message: `не записана: база данных отклонила блок строк ${range}: ${(err as Error).message}` })
      }
      await progress(chunk)
    }
    errors.sort((a, b) => a.line - b.line)
    return written
  }
  try {
    await sql.begin(async (tx) => {
      for (const chunk of chunks) {
        await write(tx, chunk)
        await progress(chunk)
      }
      if (opts.dryRun) throw new Rollback()
    })
  } catch (err) {
    if (!(err instanceof Rollback)) throw err
  }
  for (const op of ops) written.add(op.line)
  return written
}

export { insertRows }
