/**
 * pg_dump and pg_restore against the configured server. The password travels in PGPASSWORD,
 * never in argv (visible in `ps`) or in logs; the rest of DATABASE_URL becomes a libpq URI.
 */
import { spawn } from 'node:child_process'

/** URI query parameters libpq understands (postgres.js accepts others, e.g. `ssl`, that libpq rejects). */
const LIBPQ_PARAMS = new Set([
  'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslcrl', 'sslcompression', 'sslsni', 'application_name',
  'connect_timeout', 'options', 'target_session_attrs', 'keepalives', 'keepalives_idle', 'host', 'hostaddr', 'port',
  'channel_binding', 'gssencmode', 'krbsrvname', 'require_auth',
])

export interface LibpqTarget {
  /** a libpq connection URI without the password: safe for argv */
  readonly uri: string
  /** PGPASSWORD when the URL has one */
  readonly env: Readonly<Record<string, string>>
  /** host/database, for messages */
  readonly label: string
  readonly database: string
}

export function libpqTarget(databaseUrl: string): LibpqTarget {
  const url = new URL(databaseUrl)
  const env: Record<string, string> = {}
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password)
  url.password = ''
  const params = new URLSearchParams()
  for (const [k, v] of url.searchParams) {
    if (LIBPQ_PARAMS.has(k)) params.append(k, v)
    // postgres.js spells it ssl=true|require|prefer|…
    else if (k === 'ssl' && !url.searchParams.has('sslmode')) params.append('sslmode', v === 'true' ? 'require' : v === 'false' ? 'disable' : v)
  }
  url.search = params.toString()
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres'
  return { uri: url.toString(), env, label: `${url.hostname}:${url.port || 5432}/${database}`, database }
}

export class ToolError extends Error {
  override name = 'ToolError'
}

/**
 * Runs pg_dump/pg_restore. The child inherits this process's environment (PATH, locale) minus
 * every libpq PG* variable, so only DATABASE_URL decides where it connects.
 */
export function runTool(
  bin: string, args: string[], env: Readonly<Record<string, string>>, setting: 'PG_DUMP' | 'PG_RESTORE',
): Promise<{ stderr: string }> {
  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PG')) childEnv[k] = v
  Object.assign(childEnv, env)
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 20_000) stderr += d
    })
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(new ToolError(err.code === 'ENOENT'
        ? `${bin} not found: install the PostgreSQL client tools or set ${setting} to its path`
        : `${bin}: ${err.message}`))
    })
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stderr })
      else reject(new ToolError(`${bin} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no message'}`))
    })
  })
}
