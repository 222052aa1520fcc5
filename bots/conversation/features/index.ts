/**
 * The features, in the order their free-text matchers are tried: replies to the bot's messages
 * (messaging) first, then a teacher's homework, then a family's questions, greetings last.
 */
import { classTeacher } from './class-teacher.ts'
import { family } from './family.ts'
import { help } from './help.ts'
import { linking } from './link.ts'
import { messaging } from './messaging.ts'
import { settings } from './settings.ts'
import { teacher } from './teacher.ts'
import type { Feature } from '../types.ts'

export const LINKING: Feature = linking
export const FEATURES: readonly Feature[] = [help, messaging, teacher, classTeacher, settings, family]
