/**
 * Backup files on disk: names, checksums, the manifest beside each dump, and writes that never
 * leave a half file under a final name (temp name, fsync, rename, fsync the directory).
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'

export type BackupKind = 'pg_dump' | 'pglite'

export const EXTENSION: Record<BackupKind, string> = { pg_dump: '.dump', pglite: '.tar.gz' }
export const MANIFEST_SUFFIX = '.json'

export const manifestSchema = z.object({
  format: z.literal('zvonok-backup'),
  version: z.literal(1),
  kind: z.enum(['pg_dump', 'pglite']),
  /** the dump's file name, beside the manifest */
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: z.string(),
  finishedAt: z.string(),
  serverVersion: z.string().nullable(),
  lastMigration: z.string().nullable(),
  database: z.string().nullable(),
  /** the `backups` row that records it in the database it came from (null: not recorded) */
  backupId: z.string().uuid().nullable(),
  dayKey: z.string().nullable(),
})
export type Manifest = z.infer<typeof manifestSchema>

/** 2025-01-31T02:30:00.123Z → 20250131T023000Z */
export function timestampName(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
}

/**
 * Where a new backup goes: `out` a directory (existing, or ending in a slash) or a file path;
 * default `dir`. The file name is zvonok-<UTC timestamp><ext>, with -2, -3 … if taken.
 */
export function backupPath(kind: BackupKind, at: Date, dir: string, out?: string): string {
  const ext = EXTENSION[kind]
  if (out && !/[/\\]$/.test(out) && !isDirSync(out)) return path.resolve(out)
  const base = path.resolve(out ?? dir)
  const stem = `zvonok-${timestampName(at)}`
  let candidate = path.join(base, stem + ext)
  for (let n = 2; existsSync(candidate) || existsSync(candidate + MANIFEST_SUFFIX); n++) candidate = path.join(base, `${stem}-${n}${ext}`)
  return candidate
}

function isDirSync(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

export const tempName = (final: string) => path.join(path.dirname(final), `.${path.basename(final)}.${process.pid}.partial`)

export async function sha256File(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256')
  let sizeBytes = 0
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer)
    sizeBytes += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), sizeBytes }
}

export async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** fsync a directory so a rename inside it survives a crash (a no-op where unsupported). */
export async function fsyncDir(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // some platforms and file systems cannot fsync a directory
  } finally {
    await fh?.close()
  }
}

/** Writes `data` to a temp name beside `final`, fsyncs it and renames it into place. */
export async function writeFileAtomic(final: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(final)
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (err) {
    await fh.close()
    await rm(tmp, { force: true })
    throw err
  }
  await fh.close()
  await rename(tmp, final)
  await fsyncDir(path.dirname(final))
}

/** Moves a finished temp file into place durably. */
export async function commitFile(tmp: string, final: string): Promise<void> {
  await fsyncFile(tmp)
  await rename(tmp, final)
  await fsyncDir(path.dirname(final))
}

export function manifestPathOf(file: string): string {
  return file.endsWith(MANIFEST_SUFFIX) ? file : file + MANIFEST_SUFFIX
}

export class BackupFileError extends Error {
  override name = 'BackupFileError'
}

/**
 * Reads the manifest of `file` (the dump or its manifest) and checks the dump against it.
 * Throws BackupFileError with a plain message when it cannot be used.
 */
export async function verifyBackupFile(file: string): Promise<{ dump: string; manifest: Manifest }> {
  const manifestFile = manifestPathOf(path.resolve(file))
  let raw: string
  try {
    raw = await readFile(manifestFile, 'utf8')
  } catch {
    throw new BackupFileError(`${manifestFile}: the manifest is missing, so the checksum cannot be verified`)
  }
  let manifest: Manifest
  try {
    manifest = manifestSchema.parse(JSON.parse(raw))
  } catch {
    throw new BackupFileError(`${manifestFile}: not a Zvonok backup manifest`)
  }
  const dump = path.join(path.dirname(manifestFile), manifest.file)
  let actual
  try {
    if (!(await stat(dump)).isFile()) throw new Error('not a file')
    actual = await sha256File(dump)
  } catch {
    throw new BackupFileError(`${dump}: the backup file named by the manifest cannot be read`)
  }
  if (actual.sizeBytes !== manifest.sizeBytes || actual.sha256 !== manifest.sha256)
    throw new BackupFileError(
      `${dump}: checksum mismatch — the file is damaged or was changed after the backup ` +
        `(expected sha256 ${manifest.sha256}, ${manifest.sizeBytes} bytes; found ${actual.sha256}, ${actual.sizeBytes} bytes). Nothing was restored.`,
    )
  return { dump, manifest }
}
