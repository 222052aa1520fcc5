/** The bad rows of a file, collected by line. */
import type { ImportIssue } from './types.ts'

/** Problems by line; a row's problems are joined into one `строка N: …` line. */
export class Problems {
  private readonly byLine = new Map<number, string[]>()
  add(line: number, message: string) {
    const list = this.byLine.get(line)
    if (list) list.push(message)
    else this.byLine.set(line, [message])
  }
  has(line: number) {
    return this.byLine.has(line)
  }
  get size() {
    return this.byLine.size
  }
  issues(): ImportIssue[] {
    return [...this.byLine].sort((a, b) => a[0] - b[0]).map(([line, m]) => ({ line, message: m.join('; ') }))
  }
}

/** «2, 5, 7–9»: lines compressed into ranges for a warning. */
export function lineList(lines: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < lines.length; i++) {
    let j = i
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++
    parts.push(j > i ? `${lines[i]}–${lines[j]}` : `${lines[i]}`)
    i = j
  }
  return parts.join(', ')
}
