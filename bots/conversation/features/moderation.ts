/**
 * Class-channel moderation in a private chat with the bot. For those who may moderate a class
 * (its class teacher, the school's moderators and administration): /channel — a code that binds
 * the class's group; /queue — the review queue, decided with buttons `mq:<decision>:<itemId>`;
 * /modlog — a channel's record (`modl:<channelId>[:<ms>]`). For everyone, linked or not:
 * /appeal — a member muted or banned in a group asks to have it lifted (see features/index.ts:
 * the appeal is open next to linking).
 */
import type { Feature } from '../types.ts'
import { APPEAL_STATE, appealCommand, appealText } from './moderation/appeal.ts'
import { channelButton, channelCommand } from './moderation/channel.ts'
import { modlogButton, modlogCommand } from './moderation/log.ts'
import { queueButton, queueCommand } from './moderation/queue.ts'

export const moderation: Feature = {
  name: 'moderation',
  commands: { channel: channelCommand, queue: queueCommand, modlog: modlogCommand },
  buttons: { modc: channelButton, mq: queueButton, modl: modlogButton },
}

/** Open to every chat: the router dispatches it before the link is checked. */
export const appealing: Feature = {
  name: 'appeal',
  commands: { appeal: appealCommand },
  states: { [APPEAL_STATE]: appealText },
}
