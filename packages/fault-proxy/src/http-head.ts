const CR = 0x0d;
const LF = 0x0a;
/** The bytes of "\r\n\r\n", which end an HTTP head. */
const HEAD_END = [CR, LF, CR, LF] as const;
/** Enough of a first line for "HTTP/1.1 101"; longer lines are cut, never buffered without bound. */
const MAX_FIRST_LINE = 32;

/**
 * Finds the end of an HTTP head ("\r\n\r\n") in a byte stream that arrives in arbitrary chunks.
 *
 * The proxy uses one per direction so that frame counting starts after the upgrade request and the
 * upgrade response, whatever the TCP segmentation.
 */
export class HttpHeadScanner {
  /** How many bytes of "\r\n\r\n" the bytes seen so far end with. */
  private matched = 0;
  private firstLine = '';
  private firstLineDone = false;

  /**
   * Scans `chunk` from `start` for the end of the head.
   *
   * @returns the index just past the final "\r\n\r\n", or `-1` when the head goes on past `chunk`.
   */
  scan(chunk: Uint8Array, start: number): number {
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (!this.firstLineDone) {
        if (byte === CR || byte === LF || this.firstLine.length === MAX_FIRST_LINE) this.firstLineDone = true;
        else this.firstLine += String.fromCharCode(byte);
      }
      if (byte === HEAD_END[this.matched]) {
        this.matched++;
        if (this.matched === HEAD_END.length) return i + 1;
      } else {
        // "\r\n\r\n" only overlaps itself at a leading CR.
        this.matched = byte === CR ? 1 : 0;
      }
    }
    return -1;
  }

  /**
   * Whether the head is a request that cannot open a WebSocket: RFC 6455 upgrades a GET only, so
   * after any other request (a POST of the HTTP fallback) a body follows, never frames.
   */
  get cannotUpgrade(): boolean {
    return this.statusCode === undefined && /^[A-Z]+ /.test(this.firstLine) && !this.firstLine.startsWith('GET ');
  }

  /** The status code of an HTTP response head, or `undefined` when the first line is not a status line. */
  get statusCode(): number | undefined {
    const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(this.firstLine);
    return match ? Number(match[1]) : undefined;
  }
}
