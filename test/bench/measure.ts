import postgres from 'postgres'
/** Drives an operation n times at a given concurrency and reports throughput and latency quantiles. */

export interface Figures { perSec: number; p50: number; p99: number; max: number; n: number; concurrency: number }

function quantile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

export async function run(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<Figures> {
  const lat: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++
      const s = performance.now()
      await fn(i)
      lat.push(performance.now() - s)
    }
  }))
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  return { perSec: n / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat[lat.length - 1]!, n, concurrency }
}

export const ms = (x: number) => `${x.toFixed(1)} ms`
export const show = (f: Figures) =>
  `${f.perSec.toFixed(0)}/s; p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)} (${f.n} requests, ${f.concurrency} concurrent)`

/**
 * A fresh database of this name on the server of DATABASE_URL / TEST_DATABASE_URL (else the
 * local postgres), dropped first if a previous run left it; `drop()` removes it at the end.
 */
export async function benchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  await admin.unsafe(`drop database if exists ${name} with (force)`)
  await admin.unsafe(`create database ${name}`)
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end({ timeout: 5 })
    },
  }
}
