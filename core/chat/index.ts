/** Chat links: which persons speak from a chat (the bot's linking flows). */
export {
  linkByPhone, MAX_BAD_CODES_PER_HOUR, normaliseCode, normalisePhone, noteBadCode, redeemLinkCode, reviveDeadLinks, unlinkChat,
} from './links.ts'
export type { LinkedCard, PhoneLink } from './links.ts'
