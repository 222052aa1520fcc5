/** The notifications surface for the bot and the notifier: preferences, links, delivery status. */
export {
  chooseChannel, CHANNELS, defaultMode, loadProfiles, MODES, modeOf, nextDigestAt, quietUntil, TOPICS,
  type Channel, type Mode, type Profile, type Topic,
} from './preferences.ts'
export { getPreferences, myDeliveries, schoolDeliveries, setPreferences, unsubscribe, type PreferencesChange, type PreferencesView } from './service.ts'
export { readUnsubscribeToken, unsubscribeToken, unsubscribeUrl } from './unsubscribe.ts'
export { classAbsenceDigest, classAttendanceWeek, classesDueForAbsenceDigest } from './attendance-reports.ts'
