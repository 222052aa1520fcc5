/**
 * Teacher–parent messaging and announcements, for the HTTP routes, the bots and the notifier.
 * Each function takes the caller's RequestContext and checks the policy itself.
 */
export { publishAnnouncement, type AnnouncementInput } from './announcements.ts'
export { contactsFor, loadContacts } from './contacts.ts'
export { threadForReply } from './replies.ts'
export type { AnnouncementView, ContactView, MessageView, NameView, SentView, Side, ThreadView } from './schema.ts'
export { sendMessage, type MessageEvent, type SendInput, type Via } from './send.ts'
export { listThreads, muteThread, schoolThreads, threadMessages, threadView, type ThreadRow } from './threads.ts'
