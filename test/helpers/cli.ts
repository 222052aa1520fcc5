/**
 * The `zvonok` command run in this process (the real `main`, not a child process): what it
 * wrote to stdout and stderr and its exit code. Child-process runs are in cli.test.ts.
 */
import { vi } from 'vitest'
import { main } from '../../core/cli.ts'

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** everything, for an assertion's message */
  readonly show: string
}

export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true))
  try {
    const code = await main(args, { LOG_LEVEL: 'silent', ...env })
    return { code, stdout, stderr, show: `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}` }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}
