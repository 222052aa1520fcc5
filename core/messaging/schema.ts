/** Zod schemas of messaging: request bodies and the views the API answers with. */
import { z } from 'zod'

/** what a person writes: trimmed, 1–4000 characters (Telegram's own limit is 4096) */
export const messageText = z.string().trim().min(1).max(4000)
const instant = z.union([z.date(), z.iso.datetime({ offset: true })])

export const newThreadBody = z.strictObject({ studentId: z.uuid(), staffId: z.uuid(), body: messageText })
export const messageBody = z.strictObject({ body: messageText })
export const muteBody = z.strictObject({ muted: z.boolean() })
export const announcementBody = z.strictObject({ classId: z.uuid().nullable().optional(), body: messageText })

/** A name card without contacts: messaging never shows phones, e-mails or chat usernames. */
export const nameView = z.object({
  id: z.uuid(), lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(),
})
export type NameView = z.infer<typeof nameView>

export const contactView = nameView.extend({
  classTeacher: z.boolean(),
  /** the subjects this teacher teaches the child, by name */
  subjects: z.array(z.string()),
})
export type ContactView = z.infer<typeof contactView>

export const side = z.enum(['guardian', 'staff'])
export type Side = z.infer<typeof side>

export const threadView = z.object({
  id: z.uuid(), schoolId: z.uuid(),
  student: z.object({ id: z.uuid(), firstName: z.string(), lastName: z.string(), className: z.string().nullable() }),
  guardian: nameView,
  staff: nameView,
  /** the caller's side; null for the administration reading the school's record */
  side: side.nullable(),
  muted: z.boolean(),
  createdAt: instant,
  lastMessageAt: instant,
  lastMessage: z.string().nullable(),
})
export type ThreadView = z.infer<typeof threadView>

export const messageView = z.object({
  id: z.uuid(), threadId: z.uuid(), authorId: z.uuid(), from: side, body: z.string(),
  via: z.enum(['telegram', 'api']), createdAt: instant,
})
export type MessageView = z.infer<typeof messageView>

export const sentView = z.object({
  thread: threadView,
  message: messageView,
  /** false when the thread is muted: the message is kept but nobody is notified */
  pushed: z.boolean(),
})
export type SentView = z.infer<typeof sentView>

export const announcementView = z.object({
  id: z.uuid(), schoolId: z.uuid(), classId: z.uuid().nullable(), authorId: z.uuid(), body: z.string(), createdAt: instant,
  /** families (students currently enrolled) it is addressed to */
  students: z.number().int(),
})
export type AnnouncementView = z.infer<typeof announcementView>
