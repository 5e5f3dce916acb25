/** RADIUS packet codes (RFC 2865 §4, RFC 2866 §4, RFC 5997, RFC 5176 §2.3). */
export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;
export type CodeNumber = (typeof Code)[keyof typeof Code];

/** Names the `radius` package uses for each code. */
export const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Access-Request',
  2: 'Access-Accept',
  3: 'Access-Reject',
  4: 'Accounting-Request',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  12: 'Status-Server',
  40: 'Disconnect-Request',
  41: 'Disconnect-ACK',
  42: 'Disconnect-NAK',
  43: 'CoA-Request',
  44: 'CoA-ACK',
  45: 'CoA-NAK',
};

/** Top-level attribute types the wire layer itself must know (RFC 2865 §5, RFC 3579 §3.1–§3.2, RFC 5176 §3.5). */
export const Attr = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  ReplyMessage: 18,
  VendorSpecific: 26,
  ProxyState: 33,
  ChapChallenge: 60,
  EapMessage: 79,
  MessageAuthenticator: 80,
  ErrorCause: 101,
} as const;

export const HEADER_LENGTH = 20;
export const MIN_PACKET_LENGTH = 20;
export const MAX_PACKET_LENGTH = 4096;
export const MA_LENGTH = 16;
