/**
 * Teacher–parent messaging in chat: /write (a family to the child's teacher), replies to the
 * bot's messages (either side continues the thread), /threads (read, write, mute), /announce
 * (class teacher, administration) and /cancel. Buttons share the prefix `msg`:
 * `msg:c:<studentId>` child, `msg:s:<staffId>` contact, `msg:r|w|m|u:<threadId>` read / write /
 * mute / unmute, `msg:a:<classId|school>` announcement target, `msg:send` / `msg:drop` its preview.
 */
import { BotError } from '../errors.ts'
import type { Feature, Reply, Turn } from '../types.ts'
import { announceCommand, announceText, confirmPending, dropAnnouncement, pickTarget, sendAnnouncement } from './messaging/announce.ts'
import { readThread, setMuted, threadsCommand, writeInThread } from './messaging/threads.ts'
import { composeText, contactsReply, pickContact, pickPending, replyInThread, writeCommand } from './messaging/write.ts'

async function button(turn: Turn): Promise<Reply[]> {
  const [, action = '', arg = ''] = turn.input.button!.split(':')
  switch (action) {
    case 'c': return contactsReply(turn, arg)
    case 's': return pickContact(turn, arg)
    case 'r': return readThread(turn, arg)
    case 'w': return writeInThread(turn, arg)
    case 'm': return setMuted(turn, arg, true)
    case 'u': return setMuted(turn, arg, false)
    case 'a': return pickTarget(turn, arg)
    case 'send': return sendAnnouncement(turn)
    case 'drop': return dropAnnouncement(turn)
    default: throw new BotError({ template: 'message-problem', view: { expired: true } })
  }
}

/** /cancel: the router has already closed whatever step was open (any command does). */
async function cancel(): Promise<Reply[]> {
  return [{ template: 'message-cancelled', view: {} }]
}

export const messaging: Feature = {
  name: 'messaging',
  commands: { write: writeCommand, threads: threadsCommand, announce: announceCommand, cancel },
  buttons: { msg: button },
  states: { 'write-pick': pickPending, compose: composeText, 'announce-text': announceText, 'announce-confirm': confirmPending },
  // only replies to the bot's messages are ours; other text goes on to the other features
  text: async (turn) => (turn.input.replyTo ? replyInThread(turn) : null),
}
