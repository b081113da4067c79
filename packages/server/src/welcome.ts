import { type Codec, type EncodedMessage, type Limits, msg, type Outbox } from '@switchboard/protocol';

// A new session's id (a UUID) and resume token (27 bytes in base64url) are 36 ASCII characters
// each, which JSON writes unescaped and MessagePack as 36 bytes behind the same string header.
const FIELD_CHARS = 36;
const ID_MARK = '~'.repeat(FIELD_CHARS);
const TOKEN_MARK = '^'.repeat(FIELD_CHARS);

/** A new session's WELCOME encoded once, with where its id and token go. */
interface Template {
  readonly part: string | Buffer;
  readonly idAt: number;
  readonly tokenAt: number;
}

// By the limits object a server advertises (one per server), then by codec.
const templates = new WeakMap<Limits, Map<Codec, Template>>();

function templateOf(codec: Codec, limits: Limits): Template {
  let byCodec = templates.get(limits);
  if (byCodec === undefined) templates.set(limits, (byCodec = new Map()));
  let template = byCodec.get(codec);
  if (template === undefined) {
    const encoded = codec.encode(msg.welcome(ID_MARK, TOKEN_MARK, false, 0, limits));
    const part = typeof encoded === 'string' ? encoded : Buffer.from(encoded);
    template = { part, idAt: part.indexOf(ID_MARK), tokenAt: part.indexOf(TOKEN_MARK) };
    byCodec.set(codec, template);
  }
  return template;
}

function fill(template: Template, id: string, token: string): EncodedMessage {
  const { part, idAt, tokenAt } = template;
  if (typeof part === 'string') {
    return (
      part.slice(0, idAt) + id + part.slice(idAt + FIELD_CHARS, tokenAt) + token + part.slice(tokenAt + FIELD_CHARS)
    );
  }
  const bytes = Buffer.allocUnsafe(part.length);
  part.copy(bytes);
  bytes.write(id, idAt, FIELD_CHARS, 'latin1');
  bytes.write(token, tokenAt, FIELD_CHARS, 'latin1');
  return bytes;
}

/** Whether `text` can take a marker's place: 36 characters that JSON writes as they are. */
function fits(text: string): boolean {
  return text.length === FIELD_CHARS && /^[\w-]+$/.test(text);
}

/**
 * Writes WELCOME (protocol.md section 3.2) to `outbox`'s connection at once, alone in its frame,
 * with no flush scheduled for it. A new session's (not resumed, nothing received) is its codec's
 * encoding of a WELCOME made once per server and codec, with the session's id and resume token
 * written into it: the same bytes as encoding it, where the limits object was most of the work.
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
  if (!resumed && received === 0 && fits(sessionId) && fits(resumeToken)) {
    const part = fill(templateOf(outbox.codec, limits), sessionId, resumeToken);
    outbox.pushEncoded(part, false);
  } else {
    outbox.push(msg.welcome(sessionId, resumeToken, resumed, received, limits));
  }
  outbox.uncork();
}
