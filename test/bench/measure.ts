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
