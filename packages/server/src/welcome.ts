import { type Codec, type EncodedMessage, type Limits, msg, type Outbox } from '@switchboard/protocol';

// A new session's id (a UUID, `sessionIdOf`) and resume token (27 bytes in base64url,
// `newResumeToken`) are 36 characters of [0-9A-Za-z_-] each, which JSON writes unescaped and
// MessagePack as 36 bytes behind the same string header: written into a template in their place,
// they give the bytes encoding them would.
const FIELD_CHARS = 36;
const ID_MARK = '~'.repeat(FIELD_CHARS);
const TOKEN_MARK = '^'.repeat(FIELD_CHARS);

/**
 * A new session's WELCOME encoded once: MessagePack bytes with where its id and token go, or the
 * JSON text before, between and after them.
 */
type Template =
  | { readonly bytes: Buffer; readonly idAt: number; readonly tokenAt: number }
  | { readonly bytes: undefined; readonly head: string; readonly middle: string; readonly tail: string };

// By the limits object a server advertises (one per server), then by codec.
const templates = new WeakMap<Limits, Map<Codec, Template>>();

// The last template used: a server has one limits object, and most one codec.
let last: { readonly codec: Codec; readonly limits: Limits; readonly template: Template } | undefined;

function templateOf(codec: Codec, limits: Limits): Template {
  if (last !== undefined && last.codec === codec && last.limits === limits) return last.template;
  let byCodec = templates.get(limits);
  if (byCodec === undefined) templates.set(limits, (byCodec = new Map()));
  let template = byCodec.get(codec);
  if (template === undefined) {
    const part = codec.encode(msg.welcome(ID_MARK, TOKEN_MARK, false, 0, limits));
    if (typeof part === 'string') {
      const [head, rest] = part.split(ID_MARK) as [string, string];
      const [middle, tail] = rest.split(TOKEN_MARK) as [string, string];
      template = { bytes: undefined, head, middle, tail };
    } else {
      const bytes = Buffer.from(part);
      template = { bytes, idAt: bytes.indexOf(ID_MARK), tokenAt: bytes.indexOf(TOKEN_MARK) };
    }
    byCodec.set(codec, template);
  }
  last = { codec, limits, template };
  return template;
}

function fill(template: Template, id: string, token: string): EncodedMessage {
  if (template.bytes === undefined) return template.head + id + template.middle + token + template.tail;
  const { bytes, idAt, tokenAt } = template;
  // A fresh part each time: a codec may keep the last part it framed to frame it again.
  const part = Buffer.allocUnsafe(bytes.length);
  part.set(bytes);
  for (let i = 0; i < FIELD_CHARS; i++) {
    part[idAt + i] = id.charCodeAt(i);
    part[tokenAt + i] = token.charCodeAt(i);
  }
  return part;
}

/**
 * Writes WELCOME (protocol.md section 3.2) to `outbox`'s connection at once, alone in its frame,
 * with no flush scheduled for it. A new session's (not resumed, nothing received, its id and
 * token made here: 36 characters each) is its codec's encoding of a WELCOME made once per server
 * and codec, with the session's id and resume token written into it: the same bytes as encoding
 * it, of which the limits object was most of the work. Any other is encoded.
 */
export function writeWelcome(
  outbox: Outbox,
  sessionId: string,
  resumeToken: string,
  resumed: boolean,
  received: number,
  limits: Limits,
): void {
  outbox.cork();
  if (!resumed && received === 0 && sessionId.length === FIELD_CHARS && resumeToken.length === FIELD_CHARS) {
    const part = fill(templateOf(outbox.codec, limits), sessionId, resumeToken);
    outbox.pushEncoded(part, false);
  } else {
    outbox.push(msg.welcome(sessionId, resumeToken, resumed, received, limits));
  }
  outbox.uncork();
}
