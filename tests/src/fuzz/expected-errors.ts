/**
 * Where the fixture service reports to `onError` by design: handlers that throw or return what
 * their schema rejects (`crash`, `badOutput`), and results a codec cannot carry (`huge`: a bigint
 * in JSON, reported as `encode`). Anything else (`connection`, `context`, another path) is a defect.
 */
export const EXPECTED_ERROR_SITES: ReadonlySet<string> = new Set(['crash', 'badOutput', 'huge', 'encode']);
