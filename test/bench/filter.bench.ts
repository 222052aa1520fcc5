/**
 * Message filter benchmark: checkMessage over the labelled corpus (test/fixtures/moderation-corpus.ts),
 * round after round for ~3 s, with a school's 50 watched words compiled once. Figures printed, nothing
 * asserted on time (a verdict that changes between rounds stops the run).
 *   - messages/s over the whole run, one core, no I/O
 *   - µs per message: each round's time divided by its messages, p50/p99/max over the rounds
 *   - for scale: compiling the 50 watched words, and one long message (clean corpus messages joined up to
 *     Telegram's 4,096 characters, a mask and a phone number in the middle)
 * Run: npx tsx test/bench/filter.bench.ts
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { checkMessage, compileWatched, type WatchedWord } from '../../core/channels/filter/index.ts'
import { CORPUS } from '../fixtures/moderation-corpus.ts'

const SECONDS = 3
const WARMUP_ROUNDS = 50

const STEMS = [
  'контрольн', 'самостоятельн', 'экзамен', 'огэ', 'егэ', 'оценк', 'двойк', 'тройк', 'четверт', 'репетитор',
  'деньг', 'сбор', 'перевод', 'карт', 'взятк', 'подарок', 'подарк', 'конверт', 'налич', 'реквизит',
  'директор', 'завуч', 'жалоб', 'прокуратур', 'суд', 'полици', 'опек', 'роно', 'министерств', 'депутат',
  'драк', 'травл', 'бойкот', 'вейп', 'сигарет', 'алкогол', 'наркот', 'курит', 'буллинг', 'угроз',
  'реклам', 'скидк', 'промокод', 'ставк', 'казино', 'кредит', 'заработ', 'подписывайтесь', 'родительское собрание', 'вши',
]
const ACTIONS = ['flag', 'hold', 'delete_warn'] as const
const WATCHED: WatchedWord[] = STEMS.map((word, i) => ({ word, action: ACTIONS[i % 3]! }))

const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
const us = (x: number) => `${x.toFixed(2)} µs`

let t0 = performance.now()
const watched = compileWatched(WATCHED)
const compileMs = performance.now() - t0

const texts = CORPUS.map((m) => m.text)
const expected = texts.map((t) => checkMessage(t, watched).action)
for (let r = 0; r < WARMUP_ROUNDS; r++) for (const t of texts) checkMessage(t, watched)

const perMessage: number[] = []
let messages = 0
t0 = performance.now()
const end = t0 + SECONDS * 1000
while (performance.now() < end) {
  const s = performance.now()
  for (let i = 0; i < texts.length; i++) {
    if (checkMessage(texts[i]!, watched).action !== expected[i]) throw new Error(`verdict changed for ${JSON.stringify(texts[i])}`)
  }
  perMessage.push(((performance.now() - s) * 1000) / texts.length)
  messages += texts.length
}
const wallMs = performance.now() - t0
perMessage.sort((a, b) => a - b)

const cleanTexts = CORPUS.filter((m) => !m.bad).map((m) => m.text)
let long = ''
for (let i = 0; long.length < 4000; i++) long += (i === 20 ? 'с*ка, звоните 8 912 345-67-89. ' : '') + cleanTexts[i % cleanTexts.length]! + '. '
long = long.slice(0, 4096)
const longVerdict = checkMessage(long, watched).findings.map((f) => f.match).join(', ')
const ls = performance.now()
for (let i = 0; i < 2_000; i++) checkMessage(long, watched)
const longUs = (performance.now() - ls) * 1000 / 2_000

const counts = expected.reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {})
process.stdout.write(
  `message filter: ${texts.length} corpus messages (${Object.entries(counts).map(([a, n]) => `${n} ${a}`).join(', ')}), ` +
  `${watched.size} watched words (compiled in ${(compileMs * 1000).toFixed(0)} µs)\n\n` +
  `${'checkMessage, one core'.padEnd(34)} ${(messages / (wallMs / 1000)).toFixed(0).padStart(8)} messages/s ` +
  `(${messages} messages in ${(wallMs / 1000).toFixed(1)} s, ${perMessage.length} rounds)\n` +
  `${'per message, over the rounds'.padEnd(34)} p50 ${us(quantile(perMessage, 0.5))}, p99 ${us(quantile(perMessage, 0.99))}, ` +
  `max ${us(perMessage[perMessage.length - 1]!)}\n` +
  `${`one message of ${long.length} chars`.padEnd(34)} ${us(longUs)} (found: ${longVerdict})\n\n` +
  `node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}\n`,
)
