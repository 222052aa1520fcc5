/** Chat links: which persons speak from a chat (the bot's linking flows). */
export {
  linkByPhone, MAX_BAD_CODES_PER_HOUR, normaliseCode, normalisePhone, noteBadCode, redeemLinkCode, reviveDeadLinks, tooManyBadCodes, unlinkChat,
} from './links.ts'
export type { LinkedCard, PhoneLink } from './links.ts'
export { chatActor, chatIdentity, type ChatAccount, type ChatChild, type ChatIdentity, type ChatPerson } from './identity.ts'
