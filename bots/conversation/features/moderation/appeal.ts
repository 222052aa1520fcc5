/**
 * /appeal [text]: a member muted or banned in a class group asks the moderators to lift it.
 * Open to every chat, linked or not (someone restricted in a group may never have linked the
 * bot): the Telegram user id is the private chat's id. Without text the next message is the
 * appeal (a pending step 'appeal').
 */
import { appeal } from '../../../../core/channels/index.ts'
import type { Reply, Turn } from '../../types.ts'

export const APPEAL_STATE = 'appeal'
const MAX_LENGTH = 2000

export async function appealCommand(turn: Turn): Promise<Reply[]> {
  const text = turn.input.command?.args.trim() ?? ''
  if (!text) {
    turn.setState({ kind: APPEAL_STATE })
    return [{ template: 'mod-appeal', view: { ask: true } }]
  }
  return submit(turn, text)
}

/** The message after /appeal: the appeal itself (a file without a caption asks again). */
export async function appealText(turn: Turn): Promise<Reply[]> {
  const text = turn.input.text?.trim() ?? ''
  if (!text) return [{ template: 'mod-appeal', view: { textOnly: true } }]
  return submit(turn, text)
}

async function submit(turn: Turn, text: string): Promise<Reply[]> {
  if (text.length > MAX_LENGTH) {
    turn.setState({ kind: APPEAL_STATE })
    return [{ template: 'mod-appeal', view: { tooLong: true, max: MAX_LENGTH } }]
  }
  turn.setState(null)
  const r = await appeal(turn.sql, { userId: turn.input.chatId, firstName: '' }, text)
  // the moderators' notices
  if (r.classes.length) turn.effectsQueued()
  return [{
    template: 'mod-appeal',
    view: {
      sent: r.classes.join(', '), sentSeveral: r.classes.length > 1,
      waiting: r.already.join(', '), waitingSeveral: r.already.length > 1,
      none: !r.classes.length && !r.already.length,
    },
  }]
}
