/**
 * The features, in the order their free-text matchers are tried: replies to the bot's messages
 * (messaging) first, then a teacher's homework, then a family's questions, greetings last.
 * Linking and the appeal of a restricted group member are open to chats without a link.
 */
import { classTeacher } from './class-teacher.ts'
import { family } from './family.ts'
import { help } from './help.ts'
import { linking } from './link.ts'
import { messaging } from './messaging.ts'
import { appealing, moderation } from './moderation.ts'
import { settings } from './settings.ts'
import { teacher } from './teacher.ts'
import type { Feature } from '../types.ts'

export const LINKING: Feature = linking
/** A member muted or banned in a class group may never have linked the bot: /appeal is open to all. */
export const APPEAL: Feature = appealing
export const FEATURES: readonly Feature[] = [help, messaging, teacher, classTeacher, moderation, settings, family]
