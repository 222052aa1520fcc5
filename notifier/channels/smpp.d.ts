/**
 * The part of `smpp` 0.5.1 (no published types) that the SMS provider and the test SMSC use.
 * PDU fields are decoded by the library: short_message arrives as { message, udh? } where
 * message is text decoded by data_coding and udh the list of UDH information elements.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events'
  import type { Server as NetServer, Socket } from 'node:net'

  namespace smpp {
    interface ShortMessage {
      message: string | Buffer
      udh?: Buffer[]
    }

    interface PDU {
      command: string
      command_status: number
      sequence_number: number
      system_id?: string
      password?: string
      message_id?: string
      source_addr?: string
      destination_addr?: string
      esm_class?: number
      data_coding?: number | null
      short_message?: ShortMessage | Buffer
      receipted_message_id?: string
      response(options?: Record<string, unknown>): PDU
      isResponse(): boolean
    }

    type ResponseCallback = (pdu: PDU) => void

    interface Session extends EventEmitter {
      readonly socket: Socket
      send(pdu: PDU, responseCallback?: ResponseCallback): boolean
      bind_transceiver(options: Record<string, unknown>, cb?: ResponseCallback): boolean
      submit_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean
      deliver_sm(options: Record<string, unknown>, cb?: ResponseCallback): boolean
      enquire_link(cb?: ResponseCallback): boolean
      unbind(cb?: ResponseCallback): boolean
      close(cb?: () => void): void
      destroy(cb?: () => void): void
      on(event: 'connect' | 'secureConnect' | 'close', listener: () => void): this
      on(event: 'error', listener: (err: Error) => void): this
      on(event: string, listener: (pdu: PDU) => void): this
    }

    interface Server extends NetServer {
      readonly sessions: Session[]
    }

    interface ConnectOptions {
      host: string
      port: number
      tls?: boolean
    }

    function connect(options: ConnectOptions): Session
    function createServer(listener: (session: Session) => void): Server

    /** command_status values by name; the ones named here are those the code refers to */
    interface Errors {
      readonly ESME_ROK: number
      readonly ESME_RINVBNDSTS: number
      readonly ESME_RINVDSTADR: number
      readonly ESME_RINVPASWD: number
      readonly ESME_RINVSYSID: number
      readonly ESME_RMSGQFUL: number
      readonly ESME_RTHROTTLED: number
      readonly ESME_RX_T_APPN: number
      readonly [name: string]: number
    }
    const errors: Errors
  }

  export = smpp
}
