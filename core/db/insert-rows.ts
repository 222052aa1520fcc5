import type { Tx } from './connect.ts'

/**
 * Multi-row inserts of objects (camelCase keys, mapped to columns) in chunks that keep under
 * PostgreSQL's 65,535 bind parameters. For bulk writes: the demo, the import, generated lessons.
 */
export async function insertRows(
  tx: Tx, table: string, rows: readonly Record<string, unknown>[], opts: { onConflictDoNothing?: boolean } = {},
): Promise<void> {
  if (!rows.length) return
  const perChunk = Math.max(1, Math.floor(30_000 / Object.keys(rows[0]!).length))
  const conflict = opts.onConflictDoNothing ? tx`on conflict do nothing` : tx``
  for (let i = 0; i < rows.length; i += perChunk) {
    await tx`insert into ${tx(table)} ${tx(rows.slice(i, i + perChunk) as never[])} ${conflict}`
  }
}
