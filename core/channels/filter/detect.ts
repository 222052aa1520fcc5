/**
 * The message filter: one message in, a verdict out — obscenity and insults (lexicon.ts) → delete_warn,
 * personal data → hold, a school's watched words → their own action. Pure and synchronous; a school's
 * watched words are compiled once (`compileWatched`) and reused for every message.
 *
 * Lexicon: each word of the message (and each joined reading, normalize.ts) is matched in both its
 * readings; the whitelist's parts are blanked out first. A mask (* or #) stands for any one letter
 * (`fairMask` says how many may). Words that are insults only in context (козел, тупой, даун) are checked
 * against their neighbours.
 *
 * Personal data is read on the folded text (full-width digits are digits), the most specific kinds first:
 * birth certificate, ИНН, "серия … номер …", card, СНИЛС as written, phone, then bare runs of 11 digits
 * (СНИЛС: a phone's start with 7/8 was taken already), 4+6 and 10 digits (passport). What matched is
 * blanked so one number is reported once; a finding names the kind, never the digits. Dates, marks, page
 * and school numbers have too few digits, or dots between them, so they pass. A card number needs the
 * Luhn check unless it is written in groups; an organisation's 10-digit ИНН is public and passes.
 */
import {
  ADDRESS_AFTER, ADDRESS_BEFORE, LEXICON, WHITELIST, type LexiconEntry, type LexiconRule,
} from './lexicon.ts'
import { fold, tokenize, tokenizeFolded, type Token } from './normalize.ts'

export type FilterAction = 'delete_warn' | 'hold' | 'flag'
export interface WatchedWord { readonly word: string; readonly action: FilterAction }
export type FilterRule = 'obscenity' | 'insult' | 'watched' | 'personal_data'
export interface Finding {
  readonly rule: FilterRule
  readonly action: FilterAction
  /** what matched, for the moderation record: the root/lexicon entry or watched word (normalised), or for
   *  personal data its kind ('phone' | 'passport' | 'snils' | 'birth_certificate' | 'card' | 'inn') — never the digits */
  readonly match: string
}
export interface Verdict {
  /** the strongest action of the findings: delete_warn > hold > flag; 'allow' when none */
  readonly action: 'allow' | FilterAction
  readonly findings: readonly Finding[]
}

export type PersonalDataKind = 'phone' | 'passport' | 'snils' | 'birth_certificate' | 'card' | 'inn'

const RANK: Readonly<Record<FilterAction, number>> = { flag: 1, hold: 2, delete_warn: 3 }

// ------------------------------------------------------------------ lexicon

/** The pattern with each letter (and each class) also taking a mask: "сук" → "[с*][у*][к*]". */
function masked(pattern: string): string {
  let out = ''
  let inClass = false
  for (const ch of pattern) {
    if (inClass) {
      if (ch === ']') {
        out += '*]'
        inClass = false
      } else out += ch
    } else if (ch === '[') {
      out += ch
      inClass = true
    } else out += /[а-я]/.test(ch) ? `[${ch}*]` : ch
  }
  return out
}

interface Compiled { readonly entry: LexiconEntry; readonly masked: RegExp }

const COMPILED: readonly Compiled[] = LEXICON.map((entry) => {
  if (new RegExp(`${entry.pattern}|`).exec('')!.length !== 1) throw new Error(`lexicon: capturing group in ${entry.label}`)
  return { entry, masked: new RegExp(masked(entry.pattern), 'g') }
})
const hasContext = (e: LexiconEntry) => Boolean(e.addressed || e.notBefore || e.notAfter)
const FREE = LEXICON.filter((e) => !hasContext(e))
const CONTEXTUAL = LEXICON.filter(hasContext)
/** one regex per group, one capture per entry: which capture is set names the entry */
const FREE_RE = new RegExp(FREE.map((e) => `(${e.pattern})`).join('|'))
const CONTEXTUAL_RE = new RegExp(CONTEXTUAL.map((e) => `(${e.pattern})`).join('|'))
const WHITELIST_RE = new RegExp(WHITELIST.join('|'), 'g')

/** Where a word stands: the message's words and its index, or nowhere (a joined reading). */
interface Place { readonly words: readonly Token[]; readonly i: number }

function contextAllows(e: LexiconEntry, at: Place | undefined): boolean {
  const next = at?.words[at.i + 1]?.text
  const before = at?.words[at.i - 1]?.text
  if (e.notBefore && next !== undefined && e.notBefore.some((p) => next.startsWith(p))) return false
  if (e.notAfter && before !== undefined && e.notAfter.some((p) => before.startsWith(p))) return false
  if (e.addressed) {
    if (!at) return false
    const twoBefore = at.words[at.i - 2]?.text
    return at.words[at.i]!.dashBefore || (before !== undefined && ADDRESS_BEFORE.has(before)) ||
      (twoBefore !== undefined && ADDRESS_BEFORE.has(twoBefore)) || (next !== undefined && ADDRESS_AFTER.has(next))
  }
  return true
}

function which(m: RegExpExecArray, entries: readonly LexiconEntry[]): LexiconEntry {
  for (let i = 1; i < m.length; i++) if (m[i] !== undefined) return entries[i - 1]!
  throw new Error('lexicon: a match without its entry')
}

function countMasks(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 42) n++
  return n
}

/**
 * Masks may stand for letters, but not for a whole word: the match needs a real letter, and the word two
 * real letters and no more masks than letters ("с*ка", "е*ать", "п**дец" count; "х**", "***" do not).
 */
function fairMask(match: string, word: string): boolean {
  const masks = countMasks(word)
  const letters = word.length - masks
  return match.length > countMasks(match) && letters >= 2 && masks <= letters
}

function lexiconMatch(form: string, at: Place | undefined): LexiconEntry | undefined {
  if (form.length < 2) return undefined
  const word = form.replace(WHITELIST_RE, '·')
  if (word.includes('*') || word.includes('#')) {
    const w = word.replace(/#/g, '*')
    for (const { entry, masked: re } of COMPILED) {
      re.lastIndex = 0
      for (let m = re.exec(w); m; m = re.exec(w)) {
        if (fairMask(m[0], w) && contextAllows(entry, at)) return entry
        if (m[0] === '') re.lastIndex++
      }
    }
    return undefined
  }
  const free = FREE_RE.exec(word)
  if (free) return which(free, FREE)
  const contextual = CONTEXTUAL_RE.exec(word)
  if (contextual) {
    const entry = which(contextual, CONTEXTUAL)
    if (contextAllows(entry, at)) return entry
  }
  return undefined
}

function tokenMatch(t: Token, at: Place | undefined): LexiconEntry | undefined {
  if (!t.letters || t.english) return undefined
  return lexiconMatch(t.text, at) ?? (t.alt === undefined ? undefined : lexiconMatch(t.alt, at))
}

// ------------------------------------------------------------------ watched words

export interface WatchedEntry { readonly words: readonly string[]; readonly action: FilterAction; readonly match: string }

/** A school's watched words, normalised, indexed by their first letter. */
export interface CompiledWatched {
  readonly size: number
  readonly byFirst: ReadonlyMap<string, readonly WatchedEntry[]>
}

/** compiles a school's watched words once (normalised like messages); cheap to reuse for many messages */
export function compileWatched(words: readonly WatchedWord[]): CompiledWatched {
  const byFirst = new Map<string, WatchedEntry[]>()
  let size = 0
  for (const { word, action } of words) {
    const parts = tokenize(word).words.map((t) => t.text)
    const first = parts[0]
    if (first === undefined) continue
    const list = byFirst.get(first[0]!) ?? []
    list.push({ words: parts, action, match: parts.join(' ') })
    byFirst.set(first[0]!, list)
    size++
  }
  return { size, byFirst }
}

const startsWithEither = (t: Token | undefined, prefix: string) =>
  t !== undefined && (t.text.startsWith(prefix) || (t.alt !== undefined && t.alt.startsWith(prefix)))

/** the watched entries starting at word i (read as `form`); a joined reading (`single`) matches one-word entries only */
function watchedAt(watched: CompiledWatched, words: readonly Token[], i: number, form: string, single: boolean, out: Findings) {
  const list = watched.byFirst.get(form[0] ?? '')
  if (!list) return
  for (const e of list) {
    if (!form.startsWith(e.words[0]!)) continue
    if (e.words.length > 1) {
      if (single) continue
      let k = 1
      while (k < e.words.length && startsWithEither(words[i + k], e.words[k]!)) k++
      if (k < e.words.length) continue
    }
    out.add('watched', e.action, e.match)
  }
}

function watchedIn(watched: CompiledWatched, words: readonly Token[], single: boolean, out: Findings) {
  for (let i = 0; i < words.length; i++) {
    const t = words[i]!
    watchedAt(watched, words, i, t.text, single, out)
    if (t.alt !== undefined) watchedAt(watched, words, i, t.alt, single, out)
  }
}

// ------------------------------------------------------------------ personal data

function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** a kind, or undefined to leave the match alone, or null to blank it without a finding */
type Classify = (match: string) => PersonalDataKind | undefined | null

const PERSONAL: readonly (readonly [RegExp, Classify])[] = [
  // свидетельство о рождении: a Roman numeral (Latin or Cyrillic look-alikes), two letters, six digits
  [/(?<![\p{L}\d])[ivxlcіх]{1,6}\s?[-‐‑–—]\s?[а-я]{2}\s*№?\s*\d{6}(?!\d)/gu, () => 'birth_certificate'],
  // ИНН and its number, a few words apart at most («ИНН ребенка: …»)
  [/(?<!\p{L})инн[^\d\n]{0,24}\d{12}(?!\d)/gu, () => 'inn'],
  // an organisation's ИНН (10 digits) is public: blanked so it is not read as a passport
  [/(?<!\p{L})инн[^\d\n]{0,24}\d{10}(?!\d)/gu, () => null],
  [/(?<!\p{L})сери[яи]\s*(?:паспорта\s*)?\d{2}\s?\d{2}[\s,]*(?:номер|№|н\.)?\s*\d{6}(?!\d)/gu, () => 'passport'],
  [/(?<!\d)\d{4}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g, (m) => (/\D/.test(m) || luhn(m) ? 'card' : undefined)],
  [/(?<!\d)\d{3}[\s-]\d{3}[\s-]\d{3}[\s-]{1,2}\d{2}(?!\d)/g, () => 'snils'],
  [/(?<![\d+])(?:\+\s?7|[78])(?:[\s\-()]{0,3}\d){10}(?!\d)/g, () => 'phone'],
  [/(?<![\d+])9(?:[\s\-()]{0,3}\d){9}(?!\d)/g, () => 'phone'],
  [/(?<!\d)\d{11}(?!\d)/g, () => 'snils'],
  [/(?<!\d)\d{2}\s?\d{2}(?:\s*№\s*|[\s-]{1,3})\d{6}(?!\d)/g, () => 'passport'],
  [/(?<![\d+])\d{10}(?!\d)/g, () => 'passport'],
]

function countDigits(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) n++
  }
  return n
}

function personalData(folded: string, out: Findings) {
  // the shortest kind (birth certificate) has six digits
  if (countDigits(folded) < 6) return
  let s = folded
  for (const [re, classify] of PERSONAL) {
    s = s.replace(re, (m) => {
      const kind = classify(m)
      if (kind === undefined) return m
      if (kind !== null) out.add('personal_data', 'hold', kind)
      return '_'.repeat(m.length)
    })
  }
}

// ------------------------------------------------------------------ the verdict

/** The findings of one message, each (rule, action, match) once. */
class Findings {
  readonly list: Finding[] = []

  add(rule: FilterRule, action: FilterAction, match: string): void {
    for (const f of this.list) if (f.rule === rule && f.action === action && f.match === match) return
    this.list.push({ rule, action, match })
  }

  lexicon(e: LexiconEntry | undefined): void {
    if (e) this.add(e.rule satisfies LexiconRule, 'delete_warn', e.label)
  }

  verdict(): Verdict {
    let action: Verdict['action'] = 'allow'
    for (const f of this.list) if (action === 'allow' || RANK[f.action] > RANK[action]) action = f.action
    return { action, findings: this.list }
  }
}

export function checkMessage(text: string, watched?: CompiledWatched): Verdict {
  const out = new Findings()
  const folded = fold(text)
  const { words, joined } = tokenizeFolded(folded)
  for (let i = 0; i < words.length; i++) out.lexicon(tokenMatch(words[i]!, { words, i }))
  for (const j of joined) out.lexicon(tokenMatch(j, undefined))
  if (watched && watched.size > 0) {
    watchedIn(watched, words, false, out)
    watchedIn(watched, joined, true, out)
  }
  personalData(folded, out)
  return out.verdict()
}
