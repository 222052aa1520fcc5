/**
 * The message filter for class channels: Russian obscenity and insults (delete and warn), personal data
 * (hold for a moderator) and a school's watched words (their own action). Pure code, no I/O.
 */
export {
  checkMessage, compileWatched,
  type CompiledWatched, type FilterAction, type FilterRule, type Finding, type PersonalDataKind, type Verdict,
  type WatchedWord,
} from './detect.ts'
export { normalizeText } from './normalize.ts'
